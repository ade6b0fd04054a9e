"""
`scan --workers N` gives the same bytes as `--workers 1`: result JSON, SARIF, bundle, exit
code, and the same error (message, file, line) for a broken or duplicated record in any chunk.

Chunks are made tiny (and the size floor 0) so that a small inventory spans many workers' tasks.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from scanner import parallel

BENCH = Path(__file__).resolve().parents[1] / "bench"
SITE = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/a"


def _generate():
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("ccscan_bench_generate_p", BENCH / "generate.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 16 * 1024)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


@pytest.fixture(scope="module")
def estate(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("estate") / "estate.jsonl"
    with path.open("wb") as f:
        _generate().write_inventory(f, 600, seed=3, fmt="jsonl")
    return path


OBJECTS = ("json", "sarif")
"""SARIF needs Finding objects: workers send findings back as tuples the parent rebuilds."""
BYTES = ("json",)
"""Only JSON: workers send each finding as the bytes the JSON reporter writes."""


@pytest.fixture(params=[OBJECTS, BYTES], ids=["objects", "bytes"])
def formats(request):
    return request.param


def scan(ccscan, tmp_path, inventory, workers, *extra, formats=OBJECTS):
    out = tmp_path / f"w{workers}"
    out.mkdir(exist_ok=True)
    for old in out.iterdir():
        old.unlink()
    outputs = [a for fmt in formats for a in ("--format", fmt, "-o", out / f"r.{fmt}")]
    res = ccscan("scan", *inventory, "--workers", str(workers), "--scan-id", "fixed", *outputs, *extra)
    files = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    return res.exit_code, res.stderr, files


@pytest.fixture
def no_rebuilding(monkeypatch):
    """Fail if the parent rebuilds a Finding from a worker's tuple (it should copy bytes)."""
    def refuse(t):
        raise AssertionError("the parent rebuilt a finding")

    monkeypatch.setattr(parallel, "_rebuilt", refuse)


@pytest.mark.parametrize("workers", [2, 3, "auto"])
def test_same_bytes_as_one_worker(ccscan, tmp_path, estate, workers):
    one = scan(ccscan, tmp_path, [estate], 1)
    many = scan(ccscan, tmp_path, [estate], workers)
    assert one[0] == 1  # the estate has failing findings
    assert sorted(one[2]) == ["r.json", "r.sarif"]
    result = json.loads(one[2]["r.json"])
    assert len(result["findings"]) == sum(result["summary"].values()) > 1000
    assert many == one


def test_bundle_is_byte_identical(ccscan, tmp_path, estate):
    for w in (1, 2):
        res = ccscan("scan", estate, "--workers", str(w), "--scan-id", "fixed", "--format", "json",
                     "-o", tmp_path / f"r{w}.json", "--bundle", tmp_path / f"b{w}.tar.gz")
        assert res.exit_code == 1, res.stderr
    assert (tmp_path / "b1.tar.gz").read_bytes() == (tmp_path / "b2.tar.gz").read_bytes()
    assert (tmp_path / "r1.json").read_bytes() == (tmp_path / "r2.json").read_bytes()


def _with_line(estate: Path, tmp_path: Path, n: int, line: bytes, name: str) -> Path:
    lines = estate.read_bytes().splitlines(keepends=True)
    lines.insert(n, line)
    p = tmp_path / name
    p.write_bytes(b"".join(lines))
    return p


@pytest.mark.parametrize(("line", "fragment"), [
    (b'{"id": "x", "type": NaN}\n', "NaN is not a JSON number"),
    (b'{"type": "Microsoft.Web/sites"}\n', "has no 'id'"),
    (b"[1, 2]\n", "not a resource"),
    (b"{broken\n", "invalid JSON"),
])
@pytest.mark.parametrize("at", [1, 300, 601])
def test_a_bad_record_anywhere_is_the_same_error(ccscan, tmp_path, estate, line, fragment, at, formats):
    bad = _with_line(estate, tmp_path, at, line, "bad.jsonl")
    one = scan(ccscan, tmp_path, [bad], 1, formats=formats)
    two = scan(ccscan, tmp_path, [bad], 2, formats=formats)
    assert one[0] == 2 and f"{bad}:{at + 1}:" in one[1] and fragment in one[1], one[1]
    assert two[:2] == one[:2]
    assert two[2] == {} and one[2] == {}  # nothing half-written


def test_duplicates_across_chunks(ccscan, tmp_path, estate, formats):
    lines = estate.read_bytes().splitlines(keepends=True)
    dup = _with_line(estate, tmp_path, 590, lines[5], "dup.jsonl")
    one, two = scan(ccscan, tmp_path, [dup], 1, formats=formats), scan(ccscan, tmp_path, [dup], 2, formats=formats)
    assert one[0] == 2 and "already read" in one[1] and f"{dup}:591:" in one[1]
    assert two[:2] == one[:2]
    one = scan(ccscan, tmp_path, [dup], 1, "--on-duplicate", "first", formats=formats)
    two = scan(ccscan, tmp_path, [dup], 2, "--on-duplicate", "first", formats=formats)
    result = json.loads(one[2]["r.json"])
    assert one[0] == 1 and result["inputs"][0]["duplicates_skipped"] == 1
    # the skipped copy's findings are neither written nor counted
    assert len(result["findings"]) == sum(result["summary"].values())
    assert two == one


def test_header_incomplete_and_truncation(ccscan, tmp_path, estate, formats):
    lines = estate.read_bytes().splitlines(keepends=True)
    header = json.loads(lines[0])
    header["incomplete"] = [{"scope": "sub x", "reason": "403"}]
    p = tmp_path / "inc.jsonl"
    p.write_bytes(b"\n\n" + json.dumps(header).encode() + b"\n" + b"".join(lines[1:]))
    one = scan(ccscan, tmp_path, [p], 1, "--fail-on", "none", formats=formats)
    two = scan(ccscan, tmp_path, [p], 2, "--fail-on", "none", formats=formats)
    assert one[0] == 3 and two == one  # the header's incomplete scope is kept
    t = tmp_path / "trunc.jsonl"
    t.write_bytes(estate.read_bytes()[:-40])
    one, two = scan(ccscan, tmp_path, [t], 1, formats=formats), scan(ccscan, tmp_path, [t], 2, formats=formats)
    assert one[0] == 2 and "truncated JSON at the end of the file" in one[1]
    assert two[:2] == one[:2]


def test_blank_file_and_several_files(ccscan, tmp_path, estate, formats):
    blank = tmp_path / "blank.jsonl"
    blank.write_bytes(b"\n \n\t\n" * 5000)
    one, two = scan(ccscan, tmp_path, [blank], 1, formats=formats), scan(ccscan, tmp_path, [blank], 2, formats=formats)
    assert one[0] == 2 and "empty file" in one[1] and two[:2] == one[:2]
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"value": [{"id": SITE, "type": "Microsoft.Web/sites",
                                            "properties": {"httpsOnly": False}}]}))
    one = scan(ccscan, tmp_path, [estate, other], 1, formats=formats)
    two = scan(ccscan, tmp_path, [estate, other], 2, formats=formats)
    assert one[0] == 1 and two == one


def test_json_alone_comes_back_as_bytes(ccscan, tmp_path, estate, no_rebuilding):
    one = scan(ccscan, tmp_path, [estate], 1, formats=BYTES)
    two = scan(ccscan, tmp_path, [estate], 2, formats=BYTES)
    assert one[0] == 1 and sorted(one[2]) == ["r.json"]
    result = json.loads(one[2]["r.json"])
    assert len(result["findings"]) == sum(result["summary"].values()) > 1000
    assert {c["status"] for c in result["controls"]} >= {"fail"}
    assert two == one
    # two JSON outputs of one scan take the same bytes
    twice = ccscan("scan", estate, "--workers", "2", "--scan-id", "fixed", "--format", "json", "-o",
                   tmp_path / "a.json", "--format", "json", "-o", tmp_path / "b.json")
    assert twice.exit_code == 1
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes() == one[2]["r.json"]


@pytest.mark.parametrize("fmt", ["ocsf", "junit", "csv", "html", "table"])
def test_every_format_with_workers(ccscan, tmp_path, estate, fmt):
    one = scan(ccscan, tmp_path, [estate], 1, formats=(fmt, "json"))
    two = scan(ccscan, tmp_path, [estate], 2, formats=(fmt, "json"))
    assert one[0] == 1 and len(one[2][f"r.{fmt}"]) > 10_000
    assert two == one


def test_waivers_and_baseline_with_workers(ccscan, tmp_path, estate):
    first = json.loads(scan(ccscan, tmp_path, [estate], 1, formats=BYTES)[2]["r.json"])
    failing = [f for f in first["findings"] if f["status"] == "fail"]
    waived = failing[len(failing) // 2]  # a finding in a middle chunk
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(f"waivers:\n  - policy: {waived['policy_id']}\n    resource: '{waived['resource']['id']}'\n"
                       "    reason: r\n    owner: o\n    expires: 2099-01-01\n")
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({**first, "findings": first["findings"][::2]}))
    for extra in (["--waivers", waivers], ["--baseline", baseline], ["--waivers", waivers, "--baseline", baseline]):
        one = scan(ccscan, tmp_path, [estate], 1, *extra, formats=BYTES)
        two = scan(ccscan, tmp_path, [estate], 2, *extra, formats=BYTES)
        assert two == one
        result = json.loads(one[2]["r.json"])
        if "--waivers" in extra:
            assert result["waivers"]["applied"] == 1 and result["summary"]["waived"] == 1
        if "--baseline" in extra:
            assert 0 < result["baseline"]["new"] < len(result["findings"])


def test_explain_with_workers(ccscan, tmp_path, estate, no_rebuilding):
    # --explain watches every resource: workers send them whole, findings still as bytes
    one = scan(ccscan, tmp_path, [estate], 1, "--explain", "CCS-AZ-VM-001", formats=BYTES)
    two = scan(ccscan, tmp_path, [estate], 2, "--explain", "CCS-AZ-VM-001", formats=BYTES)
    assert one[0] == 1 and "CCS-AZ-VM-001" in one[1]
    assert two == one


@pytest.mark.parametrize("value", ["0", "65", "two", "-1", "\u0663", ""])
def test_a_bad_workers_value_is_a_usage_error(ccscan, estate, value):
    res = ccscan("scan", estate, "--workers", value, "--format", "json")
    assert res.exit_code == 2 and "--workers must be a whole number" in res.stderr
    assert res.stdout == ""
