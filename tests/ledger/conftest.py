"""
A ledger of 30 daily scans over a small estate that changes: vm-b fails from day 5 and is
fixed on day 9, day 17 has no scan, vm-c appears on day 12 and vm-a is gone from day 20.
Built once per session through the real CLI (`scan --bundle --sign-key --ledger`).
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAY0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)  # day 1 is 2026-03-01
DAYS = [d for d in range(1, 31) if d != 17]
FAIL_DAYS = range(5, 9)  # fixed by the scan of day 9

POLICY = """\
id: CCS-T-CVM-001
title: Virtual machines are Confidential VMs
severity: high
resource: Microsoft.Compute/virtualMachines
assert: {field: properties.securityProfile.securityType, equals: ConfidentialVM}
frameworks: {soc2: [CC6.1, C1.1]}
---
id: CCS-T-LOC-001
title: Virtual machines run in the approved region
severity: low
resource: Microsoft.Compute/virtualMachines
assert: {field: location, equals: westeurope}
frameworks: {soc2: [CC6.7]}
"""


def vm(name: str, security: str) -> dict:
    return {
        "id": f"/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/{name}",
        "name": name, "type": "Microsoft.Compute/virtualMachines", "location": "westeurope",
        "properties": {"securityProfile": {"securityType": security}},
    }


def estate(day: int) -> dict:
    vms = []
    if day < 20:
        vms.append(vm("vm-a", "ConfidentialVM"))
    vms.append(vm("vm-b", "TrustedLaunch" if day in FAIL_DAYS else "ConfidentialVM"))
    if day >= 12:
        vms.append(vm("vm-c", "ConfidentialVM"))
    return {"value": vms}


def epoch(day: int) -> int:
    return int(DAY0.timestamp()) + (day - 1) * 86400


def seq(day: int) -> int:
    """The ledger sequence of a day's scan (day 17 has none)."""
    return DAYS.index(day) + 1


def scan_day(ccscan, work: Path, keys: Path, ledger: Path, day: int, key: Path | None = None,
             doc: dict | None = None):
    inv = work / f"estate-{day:02d}.json"
    inv.write_text(json.dumps(doc or estate(day)))
    return ccscan(
        "scan", inv, "--policies", work / "policies", "--fail-on", "none",
        "--bundle", work / f"day-{day:02d}.tar.gz", "--sign-key", key or f"{keys}.key",
        "--ledger", ledger, "--scan-id", f"day-{day:02d}",
        env={"SOURCE_DATE_EPOCH": str(epoch(day))},
    )


@pytest.fixture(scope="session")
def ledger_keys(tmp_path_factory) -> Path:
    from scanner.evidence.keys import keygen

    prefix = tmp_path_factory.mktemp("ledger-keys") / "ci"
    keygen(prefix)
    keygen(prefix.parent / "other")
    return prefix


@pytest.fixture(scope="session")
def built_ledger(tmp_path_factory, ledger_keys) -> Path:
    from click.testing import CliRunner

    from scanner.cli import main

    def ccscan(*args, env=None):
        return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)

    work = tmp_path_factory.mktemp("ledger-work")
    (work / "policies").mkdir()
    (work / "policies" / "cvm.yaml").write_text(POLICY)
    # the built-in SOC 2 framework beside the test policies: controls are rolled up per scan
    shutil.copy(ROOT / "policies" / "frameworks" / "soc2.yaml", work / "policies")
    ledger = work / "ledger"
    for day in DAYS:
        res = scan_day(ccscan, work, ledger_keys, ledger, day)
        assert res.exit_code == 0, res.output
    return ledger


@pytest.fixture
def ledger(built_ledger, tmp_path) -> Path:
    """A private copy to tamper with."""
    copy = tmp_path / "ledger"
    shutil.copytree(built_ledger, copy)
    for p in (copy / "bundles").iterdir():
        p.chmod(0o644)
    return copy
