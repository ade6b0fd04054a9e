"""
The bytes of a scan, pinned: the result JSON, SARIF, OCSF, JUnit and a signed evidence bundle
of a seeded synthetic estate are the same bytes as they were before the hot-path work of
issue 15 (the digests in tests/data/determinism/digests.json were written by main at
9809fcb). A faster engine, finding record or reporter must not change one byte.

The estate (400 resources from `bench/generate.py --count 400 --seed 5`, with bench's
odd-case types and incomplete documents) is committed gzipped so that bench/estate.py can
change freely; the policies are the built-in packs as they were at 9809fcb (a frozen copy in
tests/data/determinism/policies: the outputs name each policy's file, so the digests must not
depend on the checkout's path nor move with later policy edits), the Azure ones named one by
one, chain policy included. A deliberate
change to one of those policies, the SOC 2 mapping or an output format: regenerate with
CCSCAN_UPDATE_DETERMINISM=1 (fails once) and review which outputs moved.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "determinism"
DIGESTS = DATA / "digests.json"
POLICY_IDS = (
    "CCS-AZ-ACI-001", "CCS-AZ-ACI-002", "CCS-AZ-ACI-003", "CCS-AZ-ACI-004", "CCS-AZ-AI-001",
    "CCS-AZ-AI-002", "CCS-AZ-AI-003", "CCS-AZ-AI-004", "CCS-AZ-AI-005", "CCS-AZ-AI-006",
    "CCS-AZ-AKS-001", "CCS-AZ-AKS-002", "CCS-AZ-AKS-003", "CCS-AZ-APP-001", "CCS-AZ-APP-002",
    "CCS-AZ-APP-003", "CCS-AZ-DES-001", "CCS-AZ-DES-002", "CCS-AZ-DISK-001", "CCS-AZ-DISK-002",
    "CCS-AZ-HSM-001", "CCS-AZ-KEY-001", "CCS-AZ-KV-001", "CCS-AZ-KV-002", "CCS-AZ-KV-003",
    "CCS-AZ-KV-004", "CCS-AZ-ML-001", "CCS-AZ-ML-002", "CCS-AZ-SRCH-001", "CCS-AZ-ST-001",
    "CCS-AZ-ST-002", "CCS-AZ-ST-003", "CCS-AZ-ST-004", "CCS-AZ-VM-001", "CCS-AZ-VM-002",
    "CCS-AZ-VM-003", "CCS-AZ-VM-004", "CCS-AZ-VM-005", "CCS-AZ-VM-006", "CCS-AZ-VMSS-001",
    "CCS-AZ-VMSS-002", "CCS-AZ-VMSS-003", "CCS-AZ-VMSS-004",
)
OUTPUTS = (("json", "r.json"), ("sarif", "r.sarif"), ("ocsf", "r.ocsf.jsonl"), ("junit", "r.xml"))


@pytest.fixture
def estate(tmp_path, monkeypatch) -> Path:
    """The estate as JSONL and as one whole-file JSON snapshot, in the working directory."""
    monkeypatch.chdir(tmp_path)  # relative input paths: the outputs name them
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764331200")
    lines = gzip.decompress((DATA / "estate.jsonl.gz").read_bytes()).splitlines()
    Path("estate.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    header = json.loads(lines[0])
    header["resources"] = [json.loads(line) for line in lines[1:]]
    # the built-in packs as they were at 9809fcb, beside the inputs: the result and the bundle
    # name each policy's file, which must not depend on where the checkout lives, and later
    # edits to the built-in packs must not move the digests of the engine and reporters
    shutil.copytree(DATA / "policies", "policies")
    Path("whole").mkdir()
    Path("whole/estate.json").write_text(json.dumps(header, indent=1))
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))  # made up: signatures are deterministic
    Path("k.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()))
    return tmp_path


def _digests(ccscan, name: str, inputs: list[str]) -> dict[str, str]:
    out = Path(name)
    out.mkdir()
    args = ["scan", *inputs, "--scan-id", "determinism", "--policies", "policies"]
    for check in POLICY_IDS:
        args += ["--check", check]
    for fmt, file in OUTPUTS:
        args += ["--format", fmt, "-o", str(out / file)]
    res = ccscan(*args, "--bundle", str(out / "b.tar.gz"), "--sign-key", "k.key")
    assert res.exit_code == 1, res.stderr  # the estate has failing findings
    return {f"{name}/{p.name}": hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}


def test_outputs_are_the_bytes_pinned_before_the_hot_path_work(ccscan, estate):
    got = _digests(ccscan, "jsonl", ["estate.jsonl"]) | _digests(ccscan, "json", ["whole"])
    doc = json.loads(Path("jsonl/r.json").read_text())
    assert len(doc["findings"]) == sum(doc["summary"].values())
    assert doc["coverage"]["resources"] == 400
    assert len(got) == 10
    if os.environ.get("CCSCAN_UPDATE_DETERMINISM"):
        DIGESTS.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
        pytest.fail(f"rewrote {DIGESTS}: review which outputs moved, then run again without the variable")
    assert got == json.loads(DIGESTS.read_text())
