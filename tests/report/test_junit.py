"""
JUnit XML output, parsed back with junitparser.
"""

from __future__ import annotations

from junitparser import Error, Failure, JUnitXml, Skipped
from report_helpers import AZ_VM, make_finding, make_result, render, sample_findings

from scanner.report.junit import JunitReporter


def parse(text, tmp_path):
    path = tmp_path / "junit.xml"
    path.write_text(text, encoding="utf-8")
    return JUnitXml.fromfile(str(path))


def test_one_suite_per_policy_one_case_per_resource(tmp_path):
    findings = sample_findings()
    xml = parse(render(JunitReporter(), findings), tmp_path)
    suites = {s.name: s for s in xml}
    assert set(suites) == {f.policy_id for f in findings}
    vm = suites["CCS-AZ-VM-001"]
    assert (vm.tests, vm.failures, vm.errors, vm.skipped) == (5, 1, 1, 2)
    cases = {c.name: c for c in vm}
    assert set(cases) == {f.resource["id"] for f in findings if f.policy_id == "CCS-AZ-VM-001"}
    assert all(c.classname == "CCS-AZ-VM-001" for c in vm)
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == (7, 3, 1, 2)


def test_failure_carries_message_and_evidence(tmp_path):
    xml = parse(render(JunitReporter(), sample_findings()), tmp_path)
    vm = next(s for s in xml if s.name == "CCS-AZ-VM-001")
    case = next(c for c in vm if c.name == AZ_VM)  # <&>" in the id survive escaping
    (failure,) = case.result
    assert isinstance(failure, Failure)
    assert failure.message.startswith("securityType is TrustedLaunch")
    assert failure.type == "high"
    assert 'properties.securityProfile.securityType = "TrustedLaunch"' in failure.text
    assert "vTpmEnabled = <missing>" in failure.text
    assert "Remediation: Redeploy" in failure.text
    kinds = {c.name.rsplit("-", 1)[-1]: type(c.result[0]) if c.result else None for c in vm}
    assert kinds["ok"] is None
    assert kinds["broken"] is Error
    assert kinds["legacy"] is Skipped and kinds["nofield"] is Skipped
    legacy = next(c for c in vm if c.name.endswith("legacy"))
    assert "platform-team until 2027-03-31" in legacy.result[0].message


def test_incomplete_scopes_show_as_errors(tmp_path):
    result = make_result(incomplete=[{"scope": "region eu-west-3", "reason": "AccessDenied"}])
    xml = parse(render(JunitReporter(), [make_finding("pass")], result), tmp_path)
    suite = next(s for s in xml if s.name == "ccscan.incomplete")
    (case,) = list(suite)
    assert case.name == "region eu-west-3" and isinstance(case.result[0], Error)
    assert xml.errors == 1


def test_many_findings_stream_through_the_spool(tmp_path):
    findings = [make_finding("fail" if i % 3 else "pass", resource_id=f"{AZ_VM}-{i}")
                for i in range(500)]
    rep = JunitReporter()
    xml = parse(render(rep, findings), tmp_path)
    (suite,) = list(xml)
    assert suite.tests == 500 and suite.failures == sum(1 for i in range(500) if i % 3)
    assert [c.name for c in suite] == [f.resource["id"] for f in findings]
