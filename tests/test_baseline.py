"""
Baselines: loading, new/unchanged/resolved labels, `--fail-on-new` exit codes and diff.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "report"))
from report_helpers import AZ_VM, make_finding, make_result

from scanner.baseline import Baseline, diff, load_scan_result, render_diff
from scanner.errors import InputError


def scan_doc(findings):
    result = make_result()
    for f in findings:
        result.count(f)
    return {**result.header_dict(), "findings": [f.to_dict() for f in findings]}


def write(tmp_path, doc, name="old.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return path


# old: a fails, b fails, c passes, d fails (and disappears), e unknown
OLD = [
    make_finding("fail", resource_id=AZ_VM + "-a"),
    make_finding("fail", resource_id=AZ_VM + "-b"),
    make_finding("pass", resource_id=AZ_VM + "-c"),
    make_finding("fail", resource_id=AZ_VM + "-d"),
    make_finding("unknown", resource_id=AZ_VM + "-e"),
]
# new: a still fails, b passes, c now fails, e now waived, f is new and fails
NEW = [
    make_finding("fail", resource_id=AZ_VM + "-a"),
    make_finding("pass", resource_id=AZ_VM + "-b"),
    make_finding("fail", resource_id=AZ_VM + "-c"),
    make_finding("waived", resource_id=AZ_VM + "-e"),
    make_finding("fail", resource_id=AZ_VM + "-f"),
]


def test_labels_resolved_and_fail_on_new(tmp_path):
    baseline = Baseline.load(write(tmp_path, scan_doc(OLD)))
    result = make_result()
    labelled = []
    for f in NEW:
        g = baseline.apply(f)
        result.count(g)
        labelled.append(g)
    assert [g.baseline for g in labelled] == ["unchanged", "new", "new", "new", "new"]
    report = baseline.finish()
    resolved = {r["resource"]["id"].rsplit("-", 1)[-1]: r["now"] for r in report["resolved"]}
    assert resolved == {"b": "pass", "e": "waived", "d": "absent"}
    assert (report["new"], report["unchanged"]) == (4, 1)
    # c and f are new failures -> 1; without them, only the unchanged `a` fails -> 0
    assert baseline.exit_code(result) == 1
    only_known = Baseline.load(write(tmp_path, scan_doc(OLD)))
    for f in [NEW[0], NEW[1]]:
        only_known.apply(f)
    assert only_known.exit_code(result) == 0
    # severity floor applies to the new failures alone
    assert baseline.exit_code(result, fail_on="critical") == 0
    # an incomplete scan is still incomplete
    result.incomplete.append({"scope": "s", "reason": "r"})
    assert only_known.exit_code(result) == 3


def test_diff_and_render(tmp_path):
    d = diff(load_scan_result(write(tmp_path, scan_doc(OLD))),
             load_scan_result(write(tmp_path, scan_doc(NEW), "new.json")))

    def tail(items):
        return sorted(i["resource"]["id"].rsplit("-", 1)[-1] for i in items)

    assert tail(d.new) == ["c", "f"]
    assert tail(d.resolved) == ["b", "d", "e"]
    assert d.changed == [] and d.unchanged == 1
    text = render_diff(d)
    assert text.splitlines()[0] == "2 new, 3 resolved, 0 changed, 1 unchanged"
    assert any(line.startswith("+ high") and "(pass -> fail)" in line for line in text.splitlines())
    assert any(line.startswith("-") and "(fail -> absent)" in line for line in text.splitlines())
    assert json.loads(json.dumps(d.to_dict()))["unchanged"] == 1


@pytest.mark.parametrize(
    "content",
    [
        "not json at all",
        json.dumps([1, 2, 3]),
        json.dumps({"class_uid": 2003, "finding_info": {}}),  # an OCSF line is not a scan result
        json.dumps({"schema_version": "1.0", "scan_id": "x", "findings": [{"status": "fail"}]}),
    ],
)
def test_not_a_scan_result_is_an_input_error_naming_the_file(tmp_path, content):
    path = write(tmp_path, content, "previous.json")
    with pytest.raises(InputError) as e:
        Baseline.load(path)
    assert e.value.path == str(path)
    assert "not a ccscan scan result" in e.value.message


def test_missing_baseline_file(tmp_path):
    with pytest.raises(InputError) as e:
        load_scan_result(tmp_path / "nope.json")
    assert "nope.json" in e.value.diagnostics()


def test_baseline_on_the_fixture_estate(ccscan, tmp_path):
    first = ccscan("scan", "fixtures/", "--format", "json")
    base = write(tmp_path, first.stdout, "baseline.json")
    same = ccscan("scan", "fixtures/", "--format", "json", "--baseline", base, "--fail-on-new")
    doc = same.json()
    assert same.exit_code == 0  # the estate still fails, but nothing new
    assert {f["baseline"] for f in doc["findings"]} == {"unchanged"}
    assert doc["baseline"]["resolved"] == [] and doc["baseline"]["new"] == 0

    # an older baseline: one failure was not there, one passed, and one is gone now
    old = first.json()
    fails = [f for f in old["findings"] if f["status"] == "fail"]
    old["findings"].remove(fails[0])
    fails[1]["status"] = "pass"
    gone = {**fails[2], "id": "0" * 32, "resource": {**fails[2]["resource"], "id": "/gone"}}
    old["findings"].append(gone)
    older = write(tmp_path, old, "older.json")
    res = ccscan("scan", "fixtures/", "--format", "json", "--baseline", older, "--fail-on-new")
    doc = res.json()
    assert res.exit_code == 1
    new = {f["id"] for f in doc["findings"] if f["baseline"] == "new"}
    assert new == {fails[0]["id"], fails[1]["id"]}
    assert [r["id"] for r in doc["baseline"]["resolved"]] == ["0" * 32]
    from jsonschema import Draft202012Validator

    from scanner.resources import schema

    assert not list(Draft202012Validator(schema("scan-result")).iter_errors(doc))
    # without --fail-on-new the usual rule applies (and says the same here)
    assert ccscan("scan", "fixtures/", "--baseline", older).exit_code == 1
    # --fail-on still sets the floor: no new failure is critical
    sev_new = {f["severity"] for f in doc["findings"] if f["baseline"] == "new"}
    crit = ccscan("scan", "fixtures/", "--baseline", older, "--fail-on-new",
                  "--fail-on", "critical")
    assert "critical" not in sev_new and crit.exit_code == 0

    d = ccscan("diff", older, write(tmp_path, first.stdout, "now.json"))
    assert d.exit_code == 0
    assert d.stdout.splitlines()[0] == "2 new, 1 resolved, 0 changed, " \
        f"{len(first.json()['findings']) - 2} unchanged"
    assert ccscan("diff", older, base, "--fail-on-new").exit_code == 1
    assert ccscan("diff", base, base, "--fail-on-new").exit_code == 0
    as_json = ccscan("diff", older, base, "--format", "json").json()
    assert {f["id"] for f in as_json["new"]} == new


def test_baseline_that_is_not_a_scan_result_is_exit_2(ccscan, tmp_path):
    ocsf = ccscan("scan", "fixtures/", "--format", "ocsf").stdout
    path = write(tmp_path, ocsf, "findings.ocsf.jsonl")
    res = ccscan("scan", "fixtures/", "--baseline", path)
    assert res.exit_code == 2 and res.stdout == ""
    assert str(path) in res.stderr and "not a ccscan scan result" in res.stderr
    assert ccscan("diff", path, path).exit_code == 2
    assert ccscan("scan", "fixtures/", "--fail-on-new").exit_code == 2
