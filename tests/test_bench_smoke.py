"""
Smoke test of bench/: the generator writes a loadable, reproducible snapshot, and the
hand-written checks agree with the engine on every (policy, resource) pair. No timings.
"""

from __future__ import annotations

import collections
import importlib.util
import io
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _load(name: str):
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(f"ccscan_bench_{name}", BENCH / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


@pytest.fixture(scope="module")
def bench_run():
    return _load("run")


@pytest.fixture(scope="module")
def inventory(tmp_path_factory, bench_run) -> Path:
    path = tmp_path_factory.mktemp("bench") / "inv.jsonl"
    with path.open("wb") as f:
        bench_run.generate.write_inventory(f, 600, seed=3, fmt="jsonl")
    return path


def test_jsonl_is_a_snapshot_with_every_type(inventory: Path, bench_run) -> None:
    lines = inventory.read_bytes().splitlines()
    header = json.loads(lines[0])
    assert header["ccscan_snapshot"] == 1 and header["incomplete"] == []
    docs = [json.loads(line) for line in lines[1:]]
    assert len(docs) == 600
    assert all(d["provider"] == "azure" and d["account"] in d["id"] for d in docs)
    types = {d["type"].lower() for d in docs}
    assert types == set(bench_run.handwritten.CHECKS)
    sizes = [len(line) for line in lines[1:]]
    assert 800 < sum(sizes) / len(sizes) < 2100  # ~1-2 KB per resource


def test_same_seed_same_bytes_and_json_loads(tmp_path: Path, bench_run) -> None:
    gen = bench_run.generate
    a, b, c = io.BytesIO(), io.BytesIO(), io.BytesIO()
    gen.write_inventory(a, 50, seed=9)
    gen.write_inventory(b, 50, seed=9)
    gen.write_inventory(c, 50, seed=10)
    assert a.getvalue() == b.getvalue() != c.getvalue()
    path = tmp_path / "inv.json"
    with path.open("wb") as f:
        gen.write_inventory(f, 50, seed=9, fmt="json")
    loaded = bench_run.load(path)
    assert len(loaded) == 50
    assert [r.doc for r in loaded] == [json.loads(x) for x in a.getvalue().splitlines()[1:]]


def test_handwritten_agrees_with_engine(inventory: Path, bench_run) -> None:
    missing, extra = bench_run.covered()
    assert not missing and not extra
    resources = bench_run.load(inventory)
    engine = bench_run.Engine(bench_run.load_policies(None))
    result = bench_run.agreement(engine, resources)
    assert result["pairs"] > 300
    assert result["status"] == 0 and result["evidence"] == 0
    # The inventory exercises every outcome, so agreement means something.
    check = bench_run.handwritten.check
    statuses = collections.Counter(s for r in resources for _, s, _ in check(r.doc))
    assert statuses["pass"] and statuses["fail"] and statuses["unknown"]


def test_hand_written_check_detects_a_changed_value(bench_run) -> None:
    # Guard against a comparison that always agrees: flip one value, the status flips.
    hw = bench_run.handwritten
    doc = {"type": "Microsoft.Storage/storageAccounts",
           "properties": {"supportsHttpsTrafficOnly": True, "minimumTlsVersion": "TLS1_2"}}
    # ST-001, ST-002 pass; ST-003 (shared keys) and ST-004 (firewall) fail on missing settings.
    assert [s for _, s, _ in hw.check(doc)] == ["pass", "pass", "fail", "fail"]
    doc["properties"]["minimumTlsVersion"] = "TLS1_0"
    expected = ("CCS-AZ-ST-002", "fail", (("properties.minimumTlsVersion", "TLS1_0"),))
    assert hw.check(doc)[1] == expected
