"""
Waivers: loading with file:line errors, matching, expiry and the unused report.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "report"))
from report_helpers import AWS_INSTANCE, AZ_VM, POLICIES, make_finding

from scanner.errors import InputError
from scanner.waivers import WaiverSet, load_waivers

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
        (("waivers:\n  - policy: A-1\n    resource: x\n    reason: r\n    owner: o\n"
          "    expires: 2027-02-30\n"), 6, "not a valid ISO date"),
        (("waivers:\n  - policy: A-1\n    resource: x\n    reason: r\n    owner: o\n"
          "    expires: next year\n"), 6, "expires"),
        ("waivers:\n  - policy: A-1\n    resource: x\n    owner: o\n    expires: 2027-01-01\n",
         2, "'reason' is a required property"),
        ("waivers:\n  - policy: A-1\n    resource: x\n    reason: r\n    owner: o\n",
         2, "'expires' is a required property"),
        (("waivers:\n  - policy: A-1\n    resource: x\n    reason: '  '\n    owner: o\n"
          "    expires: 2027-01-01\n"), 4, "reason must not be empty"),
        (("waivers:\n  - policy: A-1\n    resource: x\n    reason: r\n    owner: o\n"
          "    expires: 2027-01-01\n    expiry: 2028-01-01\n"), 7, "unknown key(s): 'expiry'"),
        ("waiver:\n  - policy: A-1\n", 1, "unknown key(s): 'waiver'"),
        (("waivers:\n  - policy: '*'\n    resource: '**'\n    reason: r\n    owner: o\n"
          "    expires: 2027-01-01\n"), 2, "--allow-broad-waivers"),
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


FIXTURE_WAIVERS = """\
waivers:
  - policy: CCS-AZ-VM-001
    resource: "*/RG-SANDBOX/*"
    reason: sandbox VMs are torn down weekly
    owner: ml-platform
    expires: 2999-12-31
  - policy: CCS-AWS-EC2-*
    resource: "arn:aws:ec2:*"
    reason: old exception
    owner: sec-team
    expires: 2020-01-31
  - policy: CCS-AZ-VM-001
    resource: /subscriptions/none/*
    reason: left over
    owner: nobody
    expires: 2999-12-31
"""


def test_waivers_on_the_fixture_estate(ccscan, tmp_path):
    plain = ccscan("scan", "fixtures/", "--format", "json").json()
    path = write(tmp_path, FIXTURE_WAIVERS)
    res = ccscan("scan", "fixtures/", "--format", "json", "--waivers", path)
    doc = res.json()
    waived = [f for f in doc["findings"] if f["status"] == "waived"]
    assert sorted(f["resource"]["name"] for f in waived) == ["tl-finetune-01", "vm-notebook-01"]
    assert all(f["waiver"]["original_status"] == "fail" and f["waiver"]["line"] == 2
               for f in waived)
    assert doc["summary"]["waived"] == 2
    assert doc["summary"]["fail"] == plain["summary"]["fail"] - 2
    # the expired EC2 waiver does not apply: those findings still fail, and it is reported
    ec2 = [f for f in doc["findings"] if f["policy_id"] == "CCS-AWS-EC2-001"]
    assert ec2 and all(f["status"] == "fail" for f in ec2 if f["status"] != "pass")
    assert [w["line"] for w in doc["waivers"]["expired"]] == [7]
    assert doc["waivers"]["expired"][0]["matched"] >= 1
    assert [w["line"] for w in doc["waivers"]["unused"]] == [12]
    assert f"{path.as_posix()}:7: waiver for CCS-AWS-EC2-*" in res.stderr
    assert "expired on 2020-01-31" in res.stderr and "unused" in res.stderr
    assert res.exit_code == 1


def test_waiving_every_failure_makes_the_scan_pass(ccscan, tmp_path):
    path = write(tmp_path, "waivers:\n  - policy: CCS-*\n    resource: '*'\n    reason: demo\n"
                 "    owner: o\n    expires: 2999-01-01\n")
    res = ccscan("scan", "fixtures/", "--format", "json", "--waivers", path)
    assert res.json()["summary"]["fail"] == 0
    assert res.exit_code == 0


@pytest.mark.parametrize(("extra", "code"), [((), 2), (("--allow-broad-waivers",), 0)])
def test_broad_waiver_needs_the_flag(ccscan, tmp_path, extra, code):
    path = write(tmp_path, "waivers:\n  - policy: '*'\n    resource: '*'\n    reason: all\n"
                 "    owner: o\n    expires: 2999-01-01\n")
    res = ccscan("scan", "fixtures/", "--format", "json", "--waivers", path, *extra)
    assert res.exit_code == code
    if code == 2:
        assert f"{path}:2" in res.stderr and res.stdout == ""


def test_bad_waivers_file_is_exit_2_naming_file_line(ccscan, tmp_path):
    path = write(tmp_path, "waivers:\n  - policy: A-1\n    resource: x\n    owner: o\n"
                 "    expires: 2027-13-01\n")
    res = ccscan("scan", "fixtures/", "--waivers", path)
    assert res.exit_code == 2
    assert f"{path}:2" in res.stderr and "'reason' is a required property" in res.stderr


def test_lint_checks_waiver_files(ccscan, tmp_path):
    path = write(tmp_path, "waivers:\n  - policy: A-1\n    resource: x\n    reason: r\n"
                 "    owner: o\n    expires: 2027-02-30\n  - policy: A-2\n    resource: x\n"
                 "    reason: r\n    owner: o\n    expires: 2001-01-01\n")
    res = ccscan("lint", "policies/", "--waivers", path)
    assert res.exit_code == 2
    assert f"{path}:6: error: expires: '2027-02-30' is not a valid ISO date" in res.stdout
    assert f"{path}:7: warning:" in res.stdout and "expired on 2001-01-01" in res.stdout
