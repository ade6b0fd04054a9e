"""
SARIF 2.1.0 output, checked against the OASIS schema and sarif-pydantic.
"""

from __future__ import annotations

import io
import json

from report_helpers import POLICIES, assert_valid_sarif, make_finding, render, sample_findings

from scanner.report.sarif import FINGERPRINT_KEY, SarifReporter, render_lint


def sarif(findings, result=None):
    return json.loads(render(SarifReporter(), findings, result))


def test_scan_log_is_valid_with_rules_per_policy(sarif_schema_validator):
    doc = sarif(sample_findings())
    assert_valid_sarif(doc, sarif_schema_validator)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [p["id"] for p in POLICIES]
    vm = rules[0]
    assert vm["properties"]["security-severity"] == "8.0"
    assert rules[1]["properties"]["security-severity"] == "9.5"  # critical: GitHub wants > 9.0
    assert "security-severity" not in rules[2]["properties"]  # info: not a security alert
    assert vm["defaultConfiguration"]["level"] == "error"
    assert "Redeploy as a DCasv5" in vm["help"]["markdown"]
    assert vm["helpUri"].startswith("https://learn.microsoft.com")
    assert "soc2:CC6.1" in vm["properties"]["tags"]
    assert run["automationDetails"]["id"].startswith("ccscan/scan/")


def test_results_only_for_problems_with_locations_and_fingerprints(sarif_schema_validator):
    findings = sample_findings()
    run = sarif(findings)["runs"][0]
    results = run["results"]
    non_pass = [f for f in findings if f.status != "pass"]
    assert len(results) == len(non_pass)
    for res, f in zip(results, non_pass):
        assert res["partialFingerprints"][FINGERPRINT_KEY] == f.id
        assert res["ruleId"] == f.policy_id
        rules = run["tool"]["driver"]["rules"]
        assert rules[res["ruleIndex"]]["id"] == f.policy_id
        loc = res["locations"][0]
        assert loc["logicalLocations"][0]["fullyQualifiedName"] == f.resource["id"]
    first = results[0]["locations"][0]["physicalLocation"]
    assert first["artifactLocation"]["uri"] == "fixtures/azure/estate.json"
    assert first["region"]["startLine"] == 12
    # a live AWS source has no file: the policy file stands in, without a line
    aws = next(r for r in results if r["ruleId"] == "CCS-AWS-EC2-001")
    phys = aws["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"]["uri"] == "policies/aws/ec2.yaml" and "region" not in phys
    levels = {r["properties"]["ccscan-status"]: r["level"] for r in results}
    assert levels["unknown"] == "warning" and levels["error"] == "error"


def test_waived_finding_is_an_accepted_external_suppression():
    results = sarif(sample_findings())["runs"][0]["results"]
    (waived,) = [r for r in results if "suppressions" in r]
    sup = waived["suppressions"][0]
    assert (sup["kind"], sup["status"]) == ("external", "accepted")
    assert "platform-team" in sup["justification"] and "2027-03-31" in sup["justification"]
    assert waived["level"] == "error"  # the waived failure keeps its level


def test_incomplete_scan_is_an_unsuccessful_invocation(sarif_schema_validator):
    from report_helpers import make_result

    result = make_result(incomplete=[{"scope": "subscription s1", "reason": "403"}])
    doc = sarif([make_finding()], result)
    assert_valid_sarif(doc, sarif_schema_validator)
    inv = doc["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False
    assert "subscription s1: 403" in inv["toolExecutionNotifications"][0]["message"]["text"]


def test_baseline_state_is_carried(sarif_schema_validator):
    doc = sarif([make_finding(baseline="new"), make_finding(baseline="unchanged")])
    assert_valid_sarif(doc, sarif_schema_validator)
    assert [r["baselineState"] for r in doc["runs"][0]["results"]] == ["new", "unchanged"]


def test_empty_scan_is_valid(sarif_schema_validator):
    doc = sarif([make_finding("pass")])
    assert_valid_sarif(doc, sarif_schema_validator)
    assert doc["runs"][0]["results"] == []


def test_lint_messages_become_results_at_file_line_col(sarif_schema_validator):
    messages = [
        {"path": "policies/custom/bad.yaml", "line": 7, "col": 5, "severity": "error",
         "rule": "unknown-operator", "message": "unknown operator 'equal'"},
        {"path": "policies/custom/bad.yaml", "line": 2, "col": None, "severity": "warning",
         "rule": "schema", "message": "missing remediation"},
    ]
    out = io.StringIO()
    render_lint(messages, out, "0.1.0")
    doc = json.loads(out.getvalue())
    assert_valid_sarif(doc, sarif_schema_validator)
    run = doc["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["unknown-operator", "schema"]
    first, second = run["results"]
    region = first["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (7, 5)
    assert first["level"] == "error" and second["level"] == "warning"
    assert "startColumn" not in second["locations"][0]["physicalLocation"]["region"]
    assert run["automationDetails"]["id"] == "ccscan/lint/"
