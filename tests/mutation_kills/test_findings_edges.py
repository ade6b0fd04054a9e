"""
Findings as JSON, the scan counters, ids and the exit-code rule at its boundaries.
"""

from __future__ import annotations

import hashlib

import pytest

from scanner.findings import (
    SCHEMA_VERSION,
    SEVERITIES,
    SEVERITY_RANK,
    STATUSES,
    Evidence,
    Finding,
    ScanResult,
    exit_code,
    finding_id,
    finding_key,
)

ZERO = {"pass": 0, "fail": 0, "unknown": 0, "error": 0, "waived": 0}


def test_constants():
    assert STATUSES == ("pass", "fail", "unknown", "error", "waived")
    assert SEVERITIES == ("info", "low", "medium", "high", "critical")
    assert SEVERITY_RANK == {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
    assert SCHEMA_VERSION == "1.0"


def test_finding_id_is_a_truncated_sha256_of_policy_nul_resource():
    # An independent oracle: hashlib over the documented layout.
    arm = "/subscriptions/S/resourceGroups/RG"
    assert finding_id("P-1", arm) == hashlib.sha256(
        b"P-1\x00/subscriptions/s/resourcegroups/rg").hexdigest()[:32]
    arn = "arn:aws:s3:::Bucket"
    assert finding_id("P-1", arn) == hashlib.sha256(b"P-1\x00arn:aws:s3:::Bucket").hexdigest()[:32]
    assert finding_key("ABC/x") == b"ABC/x"  # only ids starting with '/' are case-folded
    assert finding_key("/ABC") == b"/abc"


def test_evidence_to_dict():
    assert Evidence("a.b", 3).to_dict() == {"path": "a.b", "observed": 3}
    assert Evidence("a.b", None, False).to_dict() == {"path": "a.b", "observed": None,
                                                      "missing": True}
    assert Evidence("a", None).present is True


def finding(**kw) -> Finding:
    base = {"id": "i", "policy_id": "P", "title": "T", "severity": "low", "status": "fail",
            "message": "m", "resource": {"id": "r"},
            "evidence": (Evidence("x", 1), Evidence("y", None, False))}
    return Finding(**{**base, **kw})  # type: ignore[arg-type]


def test_finding_to_dict_without_optional_keys():
    assert finding().to_dict() == {
        "id": "i", "policy_id": "P", "title": "T", "severity": "low", "status": "fail",
        "message": "m", "resource": {"id": "r"},
        "evidence": [{"path": "x", "observed": 1}, {"path": "y", "observed": None, "missing": True}],
        "remediation": "", "frameworks": {}, "source": "",
    }


def test_finding_to_dict_with_optional_keys():
    d = finding(remediation="fix", frameworks={"soc2": ["CC6.1"]}, source="inv.json", line=0,
                waiver={"reason": "r"}, baseline="new").to_dict()
    assert d["remediation"] == "fix" and d["frameworks"] == {"soc2": ["CC6.1"]}
    assert d["source"] == "inv.json"
    assert d["line"] == 0  # line 0 is kept: only None is left out
    assert d["waiver"] == {"reason": "r"} and d["baseline"] == "new"
    assert finding(line=12).to_dict()["line"] == 12


def test_defaults_of_a_finding():
    f = finding()
    assert (f.remediation, f.frameworks, f.source, f.line, f.waiver, f.baseline) == (
        "", {}, "", None, None, None)


def test_scan_result_counts_by_status_and_severity():
    r = ScanResult(scan_id="s", tool={"name": "ccscan"}, started_at="t0")
    assert r.summary == ZERO and r.by_severity == {}
    r.count(finding(status="fail", severity="high"))
    r.count(finding(status="pass", severity="high"))
    r.count(finding(status="fail", severity="high"))
    r.count(finding(status="unknown", severity="low"))
    assert r.summary == {**ZERO, "fail": 2, "pass": 1, "unknown": 1}
    assert r.by_severity == {"high": {**ZERO, "fail": 2, "pass": 1}, "low": {**ZERO, "unknown": 1}}


def test_header_dict_has_every_key_but_findings_and_the_extras():
    r = ScanResult(scan_id="s", tool={"name": "ccscan"}, started_at="t0", finished_at="t1")
    r.extra["waivers"] = {"n": 1}
    assert r.header_dict() == {
        "schema_version": "1.0", "scan_id": "s", "tool": {"name": "ccscan"},
        "started_at": "t0", "finished_at": "t1", "inputs": [], "policies": [],
        "summary": ZERO, "by_severity": {}, "controls": [], "incomplete": [],
        "coverage": {"resources": 0, "judged": 0, "not_judged": 0,
                     "uncovered": {"count": 0, "types": []},
                     "not_applicable": {"count": 0, "types": []},
                     "examples_per_type": 5, "listed": False},
        "waivers": {"n": 1},
    }
    fresh = ScanResult(scan_id="s", tool={}, started_at="")
    assert fresh.finished_at == "" and fresh.extra == {}


def result(sev: str, **counts: int) -> ScanResult:
    r = ScanResult(scan_id="x", tool={}, started_at="")
    r.by_severity[sev] = {**ZERO, **counts}
    for k, v in counts.items():
        r.summary[k] += v
    return r


@pytest.mark.parametrize("sev", SEVERITIES)
def test_fail_on_exactly_the_severity_of_the_failure(sev):
    assert exit_code(result(sev, fail=1), sev) == 1
    above = SEVERITIES[SEVERITIES.index(sev) + 1:]
    for higher in above:
        assert exit_code(result(sev, fail=1), higher) == 0


def test_default_fail_on_is_info_and_unknown_does_not_fail_by_default():
    assert exit_code(result("info", fail=1)) == 1
    assert exit_code(result("critical", unknown=1)) == 0
    assert exit_code(result("medium", unknown=1), "medium", True) == 1
    assert exit_code(result("medium", unknown=1), "high", True) == 0
    assert exit_code(result("medium", unknown=1), "none", True) == 0


def test_error_gives_3_even_with_fail_on_none_and_incomplete_alone_gives_3():
    assert exit_code(result("low", error=1), "none") == 3
    r = result("low", fail=1)
    r.incomplete.append({"scope": "s", "reason": "r"})
    assert exit_code(r, "none") == 3
    assert exit_code(r, "high") == 3
    assert exit_code(result("low", waived=3, **{"pass": 2}), "info", True) == 0
