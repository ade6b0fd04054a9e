"""
`--format`/`--output` pair by adjacency; a lone `-o` takes its format from the file name;
a pairing the file name contradicts is exit 2 with the fix (issue 14 part 1).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.errors import UsageError
from scanner.output_pairs import format_of, pair

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_the_issue_example_pairs_by_adjacency(ccscan, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.sarif"
    res = ccscan("scan", FIXTURES, "-o", a, "--format", "sarif", "-o", b, "--format", "json")
    assert res.exit_code == 1, res.stderr
    assert "findings" in json.loads(a.read_text())          # JSON, not SARIF
    assert json.loads(b.read_text())["version"] == "2.1.0"   # SARIF
    assert "findings" in json.loads(res.stdout)              # the trailing --format json


def test_an_old_positional_pairing_is_refused_with_the_fix(ccscan, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.sarif"
    res = ccscan("scan", FIXTURES, "--format", "json", "--format", "sarif", "-o", a, "-o", b)
    assert res.exit_code == 2
    assert "--format sarif -o" in res.stderr and "the file name says json" in res.stderr
    assert "write `--format json -o" in res.stderr
    assert not a.exists() and not b.exists()


@pytest.mark.parametrize("name, fmt", [
    ("r.sarif", "sarif"), ("r.json", "json"), ("r.jsonl", "ocsf"), ("r.ocsf.jsonl", "ocsf"),
    ("r.xml", "junit"), ("r.junit.xml", "junit"), ("r.html", "html"), ("r.csv", "csv"),
    ("r.txt", "table"), ("R.SARIF", "sarif"),
])
def test_a_lone_output_takes_the_format_of_its_name(name, fmt):
    assert format_of(Path(name)) == fmt
    assert pair([("outputs", name)]) == [(fmt, Path(name))]


def test_lone_outputs_of_every_kind_in_one_run(ccscan, tmp_path):
    names = ["r.sarif", "r.json", "r.ocsf.jsonl", "r.xml", "r.csv", "r.txt", "r.html"]
    args = [x for n in names for x in ("-o", tmp_path / n)]
    res = ccscan("scan", FIXTURES, *args)
    assert res.exit_code == 1, res.stderr
    assert json.loads((tmp_path / "r.sarif").read_text())["version"] == "2.1.0"
    assert "findings" in json.loads((tmp_path / "r.json").read_text())
    assert json.loads((tmp_path / "r.ocsf.jsonl").read_text().splitlines()[0])["class_uid"]
    assert (tmp_path / "r.xml").read_text().startswith("<?xml")
    assert (tmp_path / "r.csv").read_text().startswith("finding_id") or "," in (tmp_path / "r.csv").read_text()
    assert "Summary" in (tmp_path / "r.txt").read_text() or "Verdict" in (tmp_path / "r.txt").read_text()
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")


def test_an_unnamed_lone_output_next_to_formats_is_ambiguous():
    with pytest.raises(UsageError, match="right before it"):
        pair([("formats", "json"), ("formats", "sarif"), ("outputs", "out1"), ("outputs", "out2")])


def test_without_any_format_an_unnamed_output_is_json_as_before():
    assert pair([("outputs", "result")]) == [("json", Path("result"))]


def test_a_format_with_an_unnamed_destination_is_fine():
    assert pair([("formats", "sarif"), ("outputs", "/dev/stdout")]) == [("sarif", Path("/dev/stdout"))]


def test_unknown_format_is_a_usage_error(ccscan):
    res = ccscan("scan", FIXTURES, "--format", "yaml")
    assert res.exit_code == 2 and "unknown format 'yaml'" in res.stderr
