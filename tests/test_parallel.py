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


def scan(ccscan, tmp_path, inventory, workers, *extra):
    out = tmp_path / f"w{workers}"
    out.mkdir(exist_ok=True)
    res = ccscan("scan", *inventory, "--workers", str(workers), "--scan-id", "fixed",
                 "--format", "json", "-o", out / "r.json", "--format", "sarif", "-o", out / "r.sarif",
                 *extra)
    files = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    return res.exit_code, res.stderr, files


@pytest.mark.parametrize("workers", [2, 3, "auto"])
def test_same_bytes_as_one_worker(ccscan, tmp_path, estate, workers):
    one = scan(ccscan, tmp_path, [estate], 1)
    many = scan(ccscan, tmp_path, [estate], workers)
    assert one[0] == 1  # the estate has failing findings
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
def test_a_bad_record_anywhere_is_the_same_error(ccscan, tmp_path, estate, line, fragment, at):
    bad = _with_line(estate, tmp_path, at, line, "bad.jsonl")
    one = scan(ccscan, tmp_path, [bad], 1)
    two = scan(ccscan, tmp_path, [bad], 2)
    assert one[0] == 2 and f"{bad}:{at + 1}:" in one[1] and fragment in one[1], one[1]
    assert two[:2] == one[:2]
    assert two[2] == {} and one[2] == {}  # nothing half-written


def test_duplicates_across_chunks(ccscan, tmp_path, estate):
    lines = estate.read_bytes().splitlines(keepends=True)
    dup = _with_line(estate, tmp_path, 590, lines[5], "dup.jsonl")
    one, two = scan(ccscan, tmp_path, [dup], 1), scan(ccscan, tmp_path, [dup], 2)
    assert one[0] == 2 and "already read" in one[1] and f"{dup}:591:" in one[1]
    assert two[:2] == one[:2]
    one = scan(ccscan, tmp_path, [dup], 1, "--on-duplicate", "first")
    two = scan(ccscan, tmp_path, [dup], 2, "--on-duplicate", "first")
    assert one[0] == 1 and json.loads(one[2]["r.json"])["inputs"][0]["duplicates_skipped"] == 1
    assert two == one


def test_header_incomplete_and_truncation(ccscan, tmp_path, estate):
    lines = estate.read_bytes().splitlines(keepends=True)
    header = json.loads(lines[0])
    header["incomplete"] = [{"scope": "sub x", "reason": "403"}]
    p = tmp_path / "inc.jsonl"
    p.write_bytes(b"\n\n" + json.dumps(header).encode() + b"\n" + b"".join(lines[1:]))
    one = scan(ccscan, tmp_path, [p], 1, "--fail-on", "none")
    two = scan(ccscan, tmp_path, [p], 2, "--fail-on", "none")
    assert one[0] == 3 and two == one  # the header's incomplete scope is kept
    t = tmp_path / "trunc.jsonl"
    t.write_bytes(estate.read_bytes()[:-40])
    one, two = scan(ccscan, tmp_path, [t], 1), scan(ccscan, tmp_path, [t], 2)
    assert one[0] == 2 and "truncated JSON at the end of the file" in one[1]
    assert two[:2] == one[:2]


def test_blank_file_and_several_files(ccscan, tmp_path, estate):
    blank = tmp_path / "blank.jsonl"
    blank.write_bytes(b"\n \n\t\n" * 5000)
    one, two = scan(ccscan, tmp_path, [blank], 1), scan(ccscan, tmp_path, [blank], 2)
    assert one[0] == 2 and "empty file" in one[1] and two[:2] == one[:2]
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"value": [{"id": SITE, "type": "Microsoft.Web/sites",
                                            "properties": {"httpsOnly": False}}]}))
    one, two = scan(ccscan, tmp_path, [estate, other], 1), scan(ccscan, tmp_path, [estate, other], 2)
    assert one[0] == 1 and two == one


@pytest.mark.parametrize("value", ["0", "65", "two", "-1", "\u0663", ""])
def test_a_bad_workers_value_is_a_usage_error(ccscan, estate, value):
    res = ccscan("scan", estate, "--workers", value, "--format", "json")
    assert res.exit_code == 2 and "--workers must be a whole number" in res.stderr
    assert res.stdout == ""
