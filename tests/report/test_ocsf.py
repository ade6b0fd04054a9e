"""
OCSF Compliance Finding lines, validated with py_ocsf_models.
"""

from __future__ import annotations

import json

from report_helpers import (
    AWS_INSTANCE,
    assert_valid_ocsf,
    make_finding,
    make_result,
    render,
    sample_findings,
)

from scanner.report.ocsf import OCSF_VERSION, OcsfReporter


def events(findings, result=None):
    lines = render(OcsfReporter(), findings, result).splitlines()
    return [assert_valid_ocsf(line) for line in lines]


def test_every_line_validates_and_one_event_per_finding():
    findings = sample_findings()
    evs = events(findings)
    assert len(evs) == len(findings)
    assert [e["finding_info"]["uid"] for e in evs] == [f.id for f in findings]
    for e in evs:
        assert (e["class_uid"], e["category_uid"], e["type_uid"], e["activity_id"]) == (
            2003, 2, 200301, 1)
        assert e["time"] == 1795867200000  # 2026-11-28T12:00:00Z in epoch ms
        assert e["metadata"]["product"]["name"] == "ccscan"


def test_ocsf_version_is_the_one_validated():
    import py_ocsf_models

    assert OCSF_VERSION == py_ocsf_models.OCSF_VERSION
    (e,) = events([make_finding()])
    assert e["metadata"]["version"] == OCSF_VERSION


def test_status_mapping_uses_the_compliance_status_enum():
    from py_ocsf_models.objects.compliance_status import StatusID

    by_status = {json.loads(json.dumps(e))["unmapped"]["ccscan"]["status"]: e
                 for e in events(sample_findings())}
    assert by_status["pass"]["compliance"]["status_id"] == StatusID.Pass
    assert by_status["fail"]["compliance"]["status_id"] == StatusID.Fail
    assert by_status["unknown"]["compliance"]["status_id"] == StatusID.Warning
    assert by_status["error"]["compliance"]["status_id"] == StatusID.Other
    assert by_status["error"]["compliance"]["status"] == "Error"
    # a waived failure is still a Fail for compliance, but Suppressed as a finding
    waived = by_status["waived"]
    assert waived["compliance"]["status_id"] == StatusID.Fail
    assert (waived["status_id"], waived["status"]) == (3, "Suppressed")
    assert waived["unmapped"]["ccscan"]["waiver"]["owner"] == "platform-team"
    assert by_status["fail"]["status"] == "New"


def test_compliance_resources_cloud_and_evidence():
    (az,) = events([make_finding()])
    assert az["compliance"]["standards"] == ["SOC 2"]
    assert az["compliance"]["requirements"] == ["CC6.1", "CC6.7"]
    assert az["severity_id"] == 4 and az["severity"] == "High"
    res = az["resources"][0]
    assert res["group"] == {"name": "ai-rg"} and res["region"] == "westeurope"
    assert az["cloud"]["provider"] == "Azure"
    assert az["cloud"]["account"]["uid"] == "00000000-0000-0000-0000-000000000001"
    assert az["remediation"]["references"] == [
        "https://learn.microsoft.com/azure/confidential-computing/"]
    paths = {e["name"]: e["data"] for e in az["evidences"]}
    assert paths["properties.securityProfile.securityType"]["observed"] == "TrustedLaunch"
    assert paths["properties.securityProfile.uefiSettings.vTpmEnabled"] == {
        "path": "properties.securityProfile.uefiSettings.vTpmEnabled", "observed": None,
        "missing": True}

    from report_helpers import POLICIES

    (aws,) = events([make_finding(policy=POLICIES[1], resource_id=AWS_INSTANCE)])
    assert aws["resources"][0]["cloud_partition"] == "aws-us-gov"
    assert aws["cloud"]["account"]["type_id"] == 10 and aws["severity_id"] == 5


def test_event_uid_unique_per_event_and_stable_per_scan():
    first = [e["metadata"]["uid"] for e in events(sample_findings())]
    again = [e["metadata"]["uid"] for e in events(sample_findings())]
    other = [e["metadata"]["uid"] for e in events(sample_findings(),
                                                   make_result(scan_id="scan-0002"))]
    assert len(set(first)) == len(first)
    assert first == again
    assert not set(first) & set(other)


def test_baseline_unchanged_is_update_and_resolved_is_close():
    result = make_result()
    resolved = {"id": "f" * 32, "policy_id": "CCS-AZ-VM-001", "title": "t", "severity": "high",
                "status": "fail", "now": "absent",
                "resource": {"id": "/subscriptions/x/vm", "type": "t", "provider": "azure"}}
    now_passing = {**resolved, "id": "e" * 32, "now": "pass"}  # has its own event already
    result.extra["baseline"] = {"resolved": [resolved, now_passing]}
    evs = events([make_finding(baseline="unchanged"), make_finding(baseline="new")], result)
    pairs = [(e["activity_id"], e["type_uid"]) for e in evs]
    assert pairs == [(2, 200302), (1, 200301), (3, 200303)]
    close = evs[2]
    assert close["finding_info"]["uid"] == "f" * 32
    assert (close["status_id"], close["compliance"]["status"]) == (4, "Pass")
