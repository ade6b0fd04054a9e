"""
One `ccscan scan fixtures/` run gives a pipeline every format; each passes its validator.
"""

from __future__ import annotations

import json

import pytest
from junitparser import JUnitXml
from report_helpers import assert_valid_ocsf, assert_valid_sarif

from scanner.report import EXTENSIONS, FORMATS

MACHINE = ("json", "ocsf", "sarif", "junit")


@pytest.fixture(scope="module")
def json_run():
    """The reference run: the scan result as JSON on stdout."""
    from click.testing import CliRunner

    from scanner.cli import main

    res = CliRunner().invoke(main, ["scan", "fixtures/", "--format", "json"])
    return res.exit_code, json.loads(res.stdout)


def test_every_format_is_registered_with_an_extension():
    assert set(FORMATS) >= {"table", *MACHINE}
    assert set(EXTENSIONS) == set(FORMATS)


def test_one_run_writes_table_json_ocsf_sarif_junit(ccscan, tmp_path, json_run,
                                                    sarif_schema_validator):
    out = tmp_path / "out"
    args = ["scan", "fixtures/", "--output-dir", out]
    for fmt in MACHINE:
        args += ["--format", fmt]
    res = ccscan(*args)
    ref_code, ref = json_run
    assert res.exit_code == ref_code == 1  # the fixture estate has failures
    assert "SEVERITY" in res.stdout  # the console table
    files = sorted(p.name for p in out.iterdir())
    assert files == ["ccscan.json", "ccscan.junit.xml", "ccscan.ocsf.jsonl", "ccscan.sarif"]

    result = json.loads((out / "ccscan.json").read_text())
    findings = result["findings"]
    assert result["summary"] == ref["summary"]
    failing = [f for f in findings if f["status"] != "pass"]

    events = [assert_valid_ocsf(line)
              for line in (out / "ccscan.ocsf.jsonl").read_text().splitlines()]
    assert [e["finding_info"]["uid"] for e in events] == [f["id"] for f in findings]

    sarif = json.loads((out / "ccscan.sarif").read_text())
    assert_valid_sarif(sarif, sarif_schema_validator)
    results = sarif["runs"][0]["results"]
    assert [r["partialFingerprints"]["ccscanFindingId/v1"] for r in results] == [
        f["id"] for f in failing]
    with_line = next(r for r, f in zip(results, failing) if f.get("line"))
    assert with_line["locations"][0]["physicalLocation"]["region"]["startLine"] > 0
    assert {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]} == {
        p["id"] for p in result["policies"]}

    junit = JUnitXml.fromfile(str(out / "ccscan.junit.xml"))
    # plus one skipped case per type nothing judged, as the JSON result counts them
    cov = result["coverage"]
    not_judged_types = len(cov["uncovered"]["types"]) + len(cov["not_applicable"]["types"])
    assert not_judged_types >= 4  # the fixtures have such types: the check below means something
    assert junit.tests == len(findings) + not_judged_types
    assert junit.failures == result["summary"]["fail"]
    assert junit.skipped == result["summary"]["unknown"] + result["summary"]["waived"] + not_judged_types


@pytest.mark.parametrize("fmt", ["table", *MACHINE])
def test_exit_code_and_streams_are_the_same_for_every_format(ccscan, fmt, json_run):
    ref_code, ref = json_run
    res = ccscan("scan", "fixtures/", "--format", fmt)
    assert res.exit_code == ref_code
    assert res.stdout.strip()
    some_failure = next(f for f in ref["findings"] if f["status"] == "fail")
    # findings never reach stderr, whatever the format
    assert some_failure["resource"]["id"] not in res.stderr
    assert some_failure["id"] not in res.stderr
    assert "\x1b[" not in res.stdout  # not a TTY: no colour
    # stdout is the format and nothing else (no log line slipped in)
    if fmt in ("json", "sarif"):
        json.loads(res.stdout)
    elif fmt == "ocsf":
        assert len([json.loads(line) for line in res.stdout.splitlines()]) == len(ref["findings"])
    elif fmt == "junit":
        from xml.etree import ElementTree

        assert ElementTree.fromstring(res.stdout).tag == "testsuites"


def test_quiet_with_output_dir_prints_nothing(ccscan, tmp_path):
    res = ccscan("--quiet", "scan", "fixtures/", "--output-dir", tmp_path, "--format", "sarif")
    assert res.exit_code == 1
    assert res.stdout == "" and res.stderr == ""
    assert (tmp_path / "ccscan.sarif").stat().st_size > 0


def test_unwritable_output_fails_before_scanning(ccscan, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = ccscan("scan", "fixtures/", "--format", "sarif", "-o", blocker / "sub" / "x.sarif")
    assert res.exit_code == 2
    assert res.stdout == ""


def test_lint_sarif_points_at_policy_file_line(ccscan, tmp_path, sarif_schema_validator):
    bad = tmp_path / "policies" / "bad.yaml"
    bad.parent.mkdir()
    bad.write_text(
        "id: CCS-T-001\ntitle: t\nseverity: high\nresource: Microsoft.Compute/virtualMachines\n"
        "assert: {field: properties.x, equal: 1}\n"
    )
    res = ccscan("lint", bad, "--format", "sarif")
    assert res.exit_code == 2
    doc = json.loads(res.stdout)
    assert_valid_sarif(doc, sarif_schema_validator)
    errors = [r for r in doc["runs"][0]["results"] if r["level"] == "error"]
    assert errors
    phys = errors[0]["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"]["uri"].endswith("policies/bad.yaml")
    assert phys["region"]["startLine"] == 5
