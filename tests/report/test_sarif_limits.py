"""
SARIF within GitHub code scanning's upload limits: 25,000 results per run, 10 MB gzipped.
"""

from __future__ import annotations

import gzip
import io
import json
import logging

from report_helpers import (
    AZ_VM,
    assert_valid_sarif,
    make_finding,
    make_result,
    render,
    sample_findings,
)

from scanner.findings import finding_id
from scanner.report.sarif import SarifReporter


def failing(n, message="securityType is TrustedLaunch, expected ConfidentialVM"):
    for i in range(n):
        rid = f"{AZ_VM}-{i}"
        yield make_finding("fail", resource_id=rid, id=finding_id("CCS-AZ-VM-001", rid),
                           message=message)


def drive(reporter, findings):
    result = make_result()
    out = io.StringIO()
    reporter.start(out, result)
    for f in findings:
        reporter.add(f)
        result.count(f)
    result.finished_at = "2026-11-28T12:00:03Z"
    reporter.finish(result)
    return out.getvalue()


def test_passes_are_results_only_with_sarif_all(sarif_schema_validator):
    findings = sample_findings()
    default = json.loads(render(SarifReporter(), findings))["runs"][0]["results"]
    assert "pass" not in {r["properties"]["ccscan-status"] for r in default}
    doc = json.loads(render(SarifReporter(include_passes=True), findings))
    assert_valid_sarif(doc, sarif_schema_validator)
    results = doc["runs"][0]["results"]
    assert len(results) == len(findings)
    (passed,) = [r for r in results if r["properties"]["ccscan-status"] == "pass"]
    assert (passed["kind"], passed["level"]) == ("pass", "none")
    assert all("kind" not in r for r in results if r is not passed)


def test_count_cap_with_warning_and_notification(sarif_schema_validator, caplog):
    with caplog.at_level(logging.WARNING, logger="scanner.report.sarif"):
        text = drive(SarifReporter(max_results=5), failing(12))
    doc = json.loads(text)
    assert_valid_sarif(doc, sarif_schema_validator)
    run = doc["runs"][0]
    assert len(run["results"]) == 5
    notes = run["invocations"][0]["toolExecutionNotifications"]
    (note,) = [n for n in notes if n["descriptor"]["id"] == "results-truncated"]
    assert "7 findings left out (7 fail) after 5 results" in note["message"]["text"]
    assert note["level"] == "warning"
    assert run["properties"]["truncated"] == {"results": 5, "left_out": {"fail": 7}}
    assert "7 findings left out" in caplog.text


def test_no_truncation_note_when_everything_fits():
    doc = json.loads(drive(SarifReporter(max_results=5), failing(5)))
    run = doc["runs"][0]
    assert len(run["results"]) == 5
    assert run["invocations"][0]["toolExecutionNotifications"] == []
    assert "truncated" not in run["properties"]


def test_passes_count_against_the_cap_with_sarif_all():
    findings = [make_finding("pass", resource_id=f"{AZ_VM}-p{i}") for i in range(4)]
    doc = json.loads(drive(SarifReporter(include_passes=True, max_results=3), findings))
    assert doc["runs"][0]["properties"]["truncated"]["left_out"] == {"pass": 1}


def test_gzip_size_cap_holds_for_bulky_results(sarif_schema_validator):
    # Random-looking messages barely compress, so the size cap, not the count, stops them.
    import random

    rng = random.Random(7)
    bulky = ("".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(2000))
             for _ in range(400))
    findings = (make_finding("fail", resource_id=f"{AZ_VM}-{i}", message=m)
                for i, m in enumerate(bulky))
    limit = 200_000
    text = drive(SarifReporter(max_gzip_bytes=limit), findings)
    assert len(gzip.compress(text.encode())) <= limit
    doc = json.loads(text)
    assert_valid_sarif(doc, sarif_schema_validator)
    kept = len(doc["runs"][0]["results"])
    assert 50 < kept < 400  # it stopped near the limit, not at the start
    assert doc["runs"][0]["properties"]["truncated"]["left_out"]["fail"] == 400 - kept


def test_thirty_thousand_failures_fit_github_limits():
    text = drive(SarifReporter(), failing(30_000))
    assert len(gzip.compress(text.encode())) < 10 * 1000 * 1000
    run = json.loads(text)["runs"][0]
    assert len(run["results"]) == 25_000
    assert run["properties"]["truncated"]["left_out"] == {"fail": 5_000}


def test_cli_sarif_all_adds_passes(tmp_path, sarif_schema_validator):
    from click.testing import CliRunner

    from scanner.cli import main

    def statuses(*extra):
        out = tmp_path / "r.sarif"
        res = CliRunner().invoke(main, ["scan", "fixtures/azure", "--format", "sarif", "-o",
                                        str(out), *extra])
        assert res.exit_code in (0, 1), res.output
        doc = json.loads(out.read_text())
        assert_valid_sarif(doc, sarif_schema_validator)
        return [r["properties"]["ccscan-status"] for r in doc["runs"][0]["results"]]

    default, everything = statuses(), statuses("--sarif-all")
    assert "pass" not in default and "pass" in everything
    assert len(everything) - everything.count("pass") == len(default)


def test_a_huge_baseline_resolved_list_does_not_break_the_size_limit():
    import random

    rng = random.Random(3)
    resolved = [{"id": f"{i:032x}", "status": "fail", "now": "absent",
                 "message": "".join(rng.choices("abcdefghij0123456789", k=200))}
                for i in range(200)]
    result = make_result(extra={"baseline": {"file": "old.json", "new": 0, "unchanged": 1,
                                             "resolved": resolved}})
    reporter = SarifReporter(max_gzip_bytes=20_000)
    out = io.StringIO()
    reporter.start(out, result)
    reporter.add(make_finding())
    reporter.finish(result)
    doc = json.loads(out.getvalue())
    baseline = doc["runs"][0]["properties"]["baseline"]
    # with the real limit (10 MB) the list fits and is kept whole
    assert isinstance(baseline["resolved"], list) and len(baseline["resolved"]) == 200
    out = io.StringIO()
    reporter = SarifReporter(max_gzip_bytes=15_000, upload_limit=20_000)
    reporter.start(out, result)
    reporter.add(make_finding())
    reporter.finish(result)
    text = out.getvalue()
    baseline = json.loads(text)["runs"][0]["properties"]["baseline"]
    assert baseline["resolved"] == 200 and baseline["resolved_listed"] is False
    assert len(gzip.compress(text.encode())) <= 20_000


def test_rule_tags_stop_at_twenty_and_help_keeps_every_control():
    from scanner.report.sarif import policy_rule

    controls = [f"CC{i}.1" for i in range(30)]
    rule = policy_rule({"id": "P", "title": "t", "severity": "high", "frameworks": {"soc2": controls}})
    assert len(rule["properties"]["tags"]) == 20
    assert rule["properties"]["tags"][:3] == ["security", "compliance", "soc2:CC0.1"]
    assert "SOC 2 CC29.1" in rule["help"]["text"]
