"""
The table fits 80..250 columns, keeps 5-digit counts apart, wraps titles rather than cutting
them, ends with the verdict (failures by severity) then how to see the rest, and marks
failures a baseline did not have.
"""

from __future__ import annotations

import io
import json
import re

import pytest

from scanner.findings import Coverage, Evidence, Finding, ScanResult, TypeCoverage
from scanner.report.table import TableReporter, terminal_width
from tests.conftest import FIXTURES

LONG_TITLE = ("Storage accounts that hold model weights refuse public network access and "
              "shared-key authorisation and require TLS 1.2 or later for every request")


def _finding(i: int, status: str, policy: str = "CCS-BIG-001", severity: str = "high") -> Finding:
    return Finding(id=f"{i:032x}", policy_id=policy, title=LONG_TITLE, severity=severity,  # type: ignore[arg-type]
                   status=status, message="expected x; observed y",  # type: ignore[arg-type]
                   resource={"id": f"/r/{i}", "name": f"res-{i}", "type": "t"},
                   evidence=(Evidence(path="x", observed=1),))


def _render(width: int, findings: list[Finding], policies: list[dict] | None = None,
            coverage: Coverage | None = None) -> str:
    result = ScanResult(scan_id="s", tool={"name": "ccscan", "version": "0"}, started_at="t")
    result.policies = policies or [{"id": "CCS-BIG-001", "title": LONG_TITLE, "severity": "high"}]
    if coverage is not None:
        result.coverage = coverage
    out = io.StringIO()
    table = TableReporter(width=width)
    table.start(out, result)
    for f in findings:
        result.count(f)
        table.add(f)
    table.finish(result)
    return out.getvalue()


@pytest.fixture(scope="module")
def big() -> list[Finding]:
    return [_finding(i, "pass") for i in range(12_345)] + [_finding(i, "fail") for i in range(10_001, 20_002)]


@pytest.mark.parametrize("width", [80, 100, 160, 250])
def test_lines_fit_the_width_and_big_counts_stay_apart(big, width):
    text = _render(width, big)
    longest = max(len(line) for line in text.splitlines())
    assert longest <= width, [line for line in text.splitlines() if len(line) > width]
    row = next(line for line in text.splitlines() if line.startswith("high"))
    assert re.search(r"\b12345 +10001 +0 +0 +0\b", row), row  # columns separated by spaces


def test_titles_wrap_instead_of_being_cut(big):
    text = _render(80, big[:3])
    assert "…" not in text.split("Controls")[0]
    words = " ".join(line.strip() for line in text.splitlines()
                     if line.startswith(("high", " " * 40)))
    assert "every request" in words and "TLS 1.2 or later" in words


def test_a_wide_terminal_keeps_the_title_on_one_line(big):
    assert LONG_TITLE in _render(250, big[:3])


def test_the_ending_is_the_verdict_then_how_to_see_more():
    findings = [_finding(1, "fail", severity="high"), _finding(2, "fail", "CCS-OTHER-001", "low"),
                _finding(3, "pass")]
    policies = [{"id": "CCS-BIG-001", "title": "t", "severity": "high"},
                {"id": "CCS-OTHER-001", "title": "u", "severity": "low"}]
    tail = _render(100, findings, policies).rstrip("\n").splitlines()
    verdict = next(i for i, line in enumerate(tail) if line.startswith("FAIL:"))
    assert tail[verdict] == "FAIL: 2 failing finding(s): 1 high, 1 low"
    assert tail[verdict + 1].startswith("Summary: 1 pass, 2 fail")
    assert "--format json" in " ".join(tail[verdict + 2:])
    assert "--show-uncovered" not in " ".join(tail)  # everything read was judged: nothing to list
    assert _render(100, [_finding(1, "pass")]).count("PASS: no failing finding") == 1
    vnets = Coverage(resources=4, judged=3,
                     uncovered=(TypeCoverage("Microsoft.Network/virtualNetworks", 1, ("/v1",)),))
    ending = _render(100, findings, policies, vnets).rstrip("\n").splitlines()[-3:]
    assert "--show-uncovered lists resources no policy judged" in " ".join(ending)


@pytest.mark.parametrize("columns, expected", [("60", 80), ("120", 120), ("400", 250)])
def test_the_width_comes_from_columns_clamped(monkeypatch, columns, expected):
    monkeypatch.setenv("COLUMNS", columns)
    assert terminal_width() == expected


def test_cli_table_honours_columns(ccscan):
    for columns in ("80", "200"):
        res = ccscan("scan", FIXTURES, env={"COLUMNS": columns})
        assert res.exit_code == 1
        assert max(len(line) for line in res.stdout.splitlines()) <= int(columns)


def test_baseline_marks_new_failures_and_counts_them(ccscan, tmp_path):
    first = ccscan("scan", FIXTURES, "--format", "json").json()
    fails = [f for f in first["findings"] if f["status"] == "fail"]
    first["findings"] = [f for f in first["findings"] if f["id"] != fails[0]["id"]]
    base = tmp_path / "base.json"
    base.write_text(json.dumps(first))
    res = ccscan("scan", FIXTURES, "--baseline", base, "--fail-on-new", "--check", fails[0]["policy_id"])
    assert res.exit_code == 1
    assert "1 new failing finding(s) since baseline" in res.stdout
    marked = [line for line in res.stdout.splitlines() if "NEW" in line]
    assert len(marked) == 1 and (fails[0]["resource"]["name"] or fails[0]["resource"]["id"])[:30] in marked[0]
    assert "1 new failing findings (--fail-on-new" in res.stderr
    same = ccscan("scan", FIXTURES, "--baseline", base, "--fail-on-new", "--check", fails[1]["policy_id"],
                  "--skip-check", fails[0]["policy_id"]) if fails[1]["policy_id"] != fails[0]["policy_id"] else None
    if same is not None:
        assert same.exit_code == 0 and "0 new failing finding(s)" in same.stdout
