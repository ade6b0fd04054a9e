"""
`--workers` defaults to `auto`: the usable cores, at most 4, and no more than a cgroup v2 CPU
quota allows, when workers send findings back as bytes (every output JSON, no waivers,
baseline or bundle); else one process, since rebuilding findings in the parent ate the gain
(bench/README.md). A Dask scan evaluates on its cluster, so `auto` is one local process there.
"""

from __future__ import annotations

import pytest

import scanner.scan
from scanner import parallel
from tests.conftest import ROOT


@pytest.fixture
def eight_cores(monkeypatch):
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)


@pytest.mark.parametrize(("cpu_max", "expected"), [
    (None, 4),                       # no cgroup v2 file: the affinity mask, capped at 4
    ("max 100000\n", 4),             # no quota
    ("150000 100000\n", 1),          # 1.5 CPUs: one process, not two taking turns
    ("250000 100000\n", 2),
    ("800000 100000\n", 4),          # above the cap
    ("50000 100000\n", 1),           # under one CPU: still one
    ("garbage\n", 4),                # unreadable as a quota: the affinity mask decides
    ("100000 0\n", 4),
    ("\xff\xfe", 4),
], ids=["absent", "max", "1.5", "2.5", "8", "0.5", "garbage", "zero-period", "not-ascii"])
def test_auto_honours_the_cgroup_quota(eight_cores, tmp_path, cpu_max, expected):
    path = tmp_path / "cpu.max"
    if cpu_max is not None:
        path.write_bytes(cpu_max.encode("latin-1"))
    assert parallel.auto_workers(path) == expected


def test_auto_never_exceeds_the_affinity_mask(monkeypatch, tmp_path):
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    (tmp_path / "cpu.max").write_text("400000 100000\n")
    assert parallel.auto_workers(tmp_path / "cpu.max") == 2


@pytest.fixture
def pools(monkeypatch) -> list[int]:
    """The worker count of every pool a scan builds."""
    seen: list[int] = []
    real = scanner.scan.Pool

    def spy(catalog, workers, *rest):
        seen.append(workers)
        return real(catalog, workers, *rest)

    monkeypatch.setattr(scanner.scan, "Pool", spy)
    monkeypatch.setattr(parallel, "auto_workers", lambda: 3)
    return seen


def test_a_json_scan_uses_the_cores_by_default(ccscan, pools, tmp_path):
    res = ccscan("scan", ROOT / "fixtures", "--format", "json", "-o", tmp_path / "r.json")
    assert res.exit_code == 1, res.stderr
    assert pools == [3]


@pytest.mark.parametrize("extra", [
    ("--format", "sarif"),
    ("--format", "json", "--format", "table"),
    ("--format", "json", "--bundle", "BUNDLE"),
    ("--format", "json", "--baseline", "BASELINE"),
], ids=["sarif", "json+table", "bundle", "baseline"])
def test_auto_is_one_process_where_findings_come_back_as_records(ccscan, pools, tmp_path, extra):
    baseline = tmp_path / "baseline.json"
    first = ccscan("scan", ROOT / "fixtures", "--workers", "1", "--format", "json", "-o", baseline)
    assert first.exit_code == 1, first.stderr
    pools.clear()
    args = [{"BUNDLE": tmp_path / "b.tar.gz", "BASELINE": baseline}.get(a, a) for a in extra]
    res = ccscan("scan", ROOT / "fixtures", *args, "-o", tmp_path / "r.out")
    assert res.exit_code in (0, 1), res.stderr
    assert pools == [1]


@pytest.mark.parametrize(("given", "fmt", "expected"), [
    ("1", "json", 1), ("2", "json", 2), ("auto", "json", 3), (" AUTO ", "json", 3),
    ("2", "sarif", 2),  # a number given is a number used
])
def test_a_given_count_wins(ccscan, pools, tmp_path, given, fmt, expected):
    res = ccscan("scan", ROOT / "fixtures", "--workers", given, "--format", fmt, "-o", tmp_path / "r.out")
    assert res.exit_code == 1, res.stderr
    assert pools == [expected]


@pytest.mark.parametrize("bad", ["0", "65", "two", "-1", "1.5", ""])
def test_a_bad_count_is_a_usage_error(ccscan, bad):
    res = ccscan("scan", ROOT / "fixtures", "--workers", bad)
    assert res.exit_code == 2
    assert "--workers must be a whole number from 1 to 64, or auto" in res.stderr


def test_help_says_the_default(ccscan):
    res = ccscan("scan", "--help")
    assert "--workers N|auto" in res.stdout and "[default: auto]" in " ".join(res.stdout.split())
