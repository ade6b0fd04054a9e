"""
`--format`/`--output` pair by adjacency; a lone `-o` takes its format from the file name;
a pairing the file name contradicts is exit 2 with the fix (issue 14 part 1).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


NAMED = {"json": "r{}.json", "sarif": "r{}.sarif", "ocsf": "r{}.ocsf.jsonl", "junit": "r{}.xml",
         "html": "r{}.html", "csv": "r{}.csv", "table": "r{}.txt"}


@given(st.lists(st.tuples(st.sampled_from(sorted(NAMED)), st.sampled_from(["paired", "lone", "stdout"])),
                min_size=1, max_size=8))
def test_any_adjacent_typing_pairs_as_written(items):
    from scanner.output_pairs import pair as do_pair

    typed: list[tuple[str, str]] = []
    want: list[tuple[str, Path | None]] = []
    for i, (fmt, how) in enumerate(items):
        if how == "lone" and i and items[i - 1][1] == "stdout":
            how = "paired"  # a -o right after a --format without one is that format's, by definition
        name = NAMED[fmt].format(i)
        if how == "paired":
            typed += [("formats", fmt), ("outputs", name)]
        elif how == "lone":
            typed += [("outputs", name)]
        else:
            typed += [("formats", fmt)]
        want.append((fmt, None if how == "stdout" else Path(name)))
    assert do_pair(typed) == want


@given(st.sampled_from(sorted(NAMED)), st.sampled_from(sorted(NAMED)))
def test_a_name_of_another_format_is_always_refused(fmt, other):
    name = NAMED[other].format(0)
    if fmt == other:
        assert pair([("formats", fmt), ("outputs", name)]) == [(fmt, Path(name))]
    else:
        with pytest.raises(UsageError, match=f"the file name says {other}"):
            pair([("formats", fmt), ("outputs", name)])
