"""
Waivers: loading with file:line errors, matching, expiry and the unused report.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "report"))
from report_helpers import AWS_INSTANCE, AZ_VM, POLICIES, make_finding  # noqa: E402

from scanner.errors import InputError  # noqa: E402
from scanner.waivers import WaiverSet, load_waivers  # noqa: E402

GOOD = """\
waivers:
  - policy: CCS-AZ-VM-001
    resource: "/SUBSCRIPTIONS/*/resourceGroups/ai-rg/*"
    reason: Legacy inference VM, replaced by the CVM pool in Q1
    owner: platform-team@example.com
    expires: 2027-03-31
  - policy: CCS-AWS-*
    resource: "arn:aws-us-gov:ec2:*:instance/i-0abc"
    reason: vendor appliance
    owner: sec-team
    expires: 2026-01-31
    ticket: https://tracker.example.com/RISK-12
  - policy: CCS-NOPE-001
    resource: "*"
    reason: nothing matches this
    owner: nobody
    expires: 2030-01-01
"""


def write(tmp_path, text):
    path = tmp_path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_good_file(tmp_path):
    waivers = load_waivers(write(tmp_path, GOOD))
    assert [w.line for w in waivers] == [2, 7, 13]
    assert waivers[0].expires == date(2027, 3, 31)
    assert waivers[1].ticket.endswith("RISK-12")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("waivers:\n  - policy: A-1\n    resource: x\n    reason: r\n    owner: o\n"
         "    expires: 2027-02-30\n", 6, "not a valid ISO date"),
        ("waivers:\n  - policy: A-1\n    resource: x\n    reason: r\n    owner: o\n"
         "    expires: next year\n", 6, "expires"),
        ("waivers:\n  - policy: A-1\n    resource: x\n    owner: o\n    expires: 2027-01-01\n",
         2, "'reason' is a required property"),
        ("waivers:\n  - policy: A-1\n    resource: x\n    reason: r\n    owner: o\n",
         2, "'expires' is a required property"),
        ("waivers:\n  - policy: A-1\n    resource: x\n    reason: '  '\n    owner: o\n"
         "    expires: 2027-01-01\n", 4, "reason must not be empty"),
        ("waivers:\n  - policy: A-1\n    resource: x\n    reason: r\n    owner: o\n"
         "    expires: 2027-01-01\n    expiry: 2028-01-01\n", 7, "unknown key(s): 'expiry'"),
        ("waiver:\n  - policy: A-1\n", 1, "unknown key(s): 'waiver'"),
        ("waivers:\n  - policy: '*'\n    resource: '**'\n    reason: r\n    owner: o\n"
         "    expires: 2027-01-01\n", 2, "--allow-broad-waivers"),
        ("waivers:\n  - policy: A-1\n    policy: A-2\n", 3, "duplicate key"),
        ("waivers: [\n", 2, "invalid YAML"),
    ],
)
def test_bad_files_name_file_and_line(tmp_path, text, line, words):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as e:
        load_waivers(path)
    assert e.value.path == str(path)
    assert e.value.line == line, e.value.diagnostics()
    assert words in e.value.diagnostics()


def test_broad_waiver_allowed_with_flag(tmp_path):
    path = write(tmp_path, "waivers:\n  - policy: '*'\n    resource: '*'\n    reason: r\n"
                 "    owner: o\n    expires: 2027-01-01\n")
    (w,) = load_waivers(path, allow_broad=True)
    assert w.matches("ANY-1", "/subscriptions/x")


def test_apply_expiry_and_report(tmp_path):
    waivers = load_waivers(write(tmp_path, GOOD))
    ws = WaiverSet(waivers, file="waivers.yaml", today=date(2026, 11, 28))
    vm = make_finding("fail")  # ARM id matched case-insensitively
    passing = make_finding("pass", resource_id=AZ_VM + "-ok")
    other_rg = make_finding("fail", resource_id=AZ_VM.replace("ai-rg", "prod-rg"))
    aws = make_finding("fail", policy=POLICIES[1], resource_id=AWS_INSTANCE)

    waived = ws.apply(vm)
    assert waived.status == "waived"
    assert waived.waiver["original_status"] == "fail"
    assert waived.waiver["owner"] == "platform-team@example.com"
    assert waived.waiver["line"] == 2
    assert ws.apply(passing) is passing  # a pass is never waived
    assert ws.apply(other_rg).status == "fail"
    assert ws.apply(aws).status == "fail"  # its waiver expired on 2026-01-31

    report = ws.report()
    assert report["applied"] == 1
    assert [w["line"] for w in report["expired"]] == [7]
    assert report["expired"][0]["matched"] == 1
    assert [w["line"] for w in report["unused"]] == [13]
    warnings = ws.warnings()
    assert any(w.startswith("waivers.yaml:7:") and "expired on 2026-01-31" in w for w in warnings)
    assert any(w.startswith("waivers.yaml:13:") and "unused" in w for w in warnings)


def test_expiry_day_is_inclusive_and_arns_are_case_sensitive(tmp_path):
    waivers = load_waivers(write(tmp_path, GOOD))
    aws = make_finding("unknown", policy=POLICIES[1], resource_id=AWS_INSTANCE)
    assert WaiverSet(waivers, today=date(2026, 1, 31)).apply(aws).status == "waived"
    assert WaiverSet(waivers, today=date(2026, 2, 1)).apply(aws).status == "unknown"
    upper = make_finding("fail", policy=POLICIES[1], resource_id=AWS_INSTANCE.upper())
    assert WaiverSet(waivers, today=date(2026, 1, 1)).apply(upper).status == "fail"
