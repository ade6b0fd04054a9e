"""
Stable ids and the exit-code rule.
"""

from __future__ import annotations

import pytest

from scanner.findings import ScanResult, exit_code, finding_id


def result(**by_sev) -> ScanResult:
    r = ScanResult(scan_id="x", tool={}, started_at="")
    for sev, counts in by_sev.items():
        r.by_severity[sev] = {"pass": 0, "fail": 0, "unknown": 0, "error": 0, "waived": 0, **counts}
        for k, v in counts.items():
            r.summary[k] += v
    return r


def test_finding_id_is_stable_and_arm_case_insensitive():
    a = finding_id("P-1", "/subscriptions/S/resourceGroups/RG/providers/x/y")
    assert a == finding_id("P-1", "/subscriptions/s/resourcegroups/rg/providers/X/Y")
    assert a != finding_id("P-2", "/subscriptions/s/resourcegroups/rg/providers/x/y")
    assert finding_id("P-1", "arn:aws:s3:::Bucket") != finding_id("P-1", "arn:aws:s3:::bucket")
    assert len(a) == 32


@pytest.mark.parametrize(
    ("counts", "fail_on", "unknown", "incomplete", "code"),
    [
        ({}, "info", False, False, 0),
        ({"low": {"fail": 1}}, "info", False, False, 1),
        ({"low": {"fail": 1}}, "high", False, False, 0),
        ({"critical": {"fail": 1}}, "high", False, False, 1),
        ({"critical": {"fail": 1}}, "none", False, False, 0),
        ({"high": {"unknown": 2}}, "info", False, False, 0),
        ({"high": {"unknown": 2}}, "info", True, False, 1),
        ({"high": {"error": 1}}, "info", False, False, 3),
        ({"high": {"error": 1, "fail": 1}}, "info", False, False, 1),  # 1 outranks 3
        ({}, "info", False, True, 3),
        ({"low": {"fail": 1}}, "info", False, True, 1),
        ({"low": {"waived": 4}}, "info", False, False, 0),
    ],
)
def test_exit_code(counts, fail_on, unknown, incomplete, code):
    r = result(**counts)
    if incomplete:
        r.incomplete.append({"scope": "s", "reason": "r"})
    assert exit_code(r, fail_on, unknown) == code
