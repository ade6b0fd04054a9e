"""
Hand-built findings and scan results for the format tests, and the independent validators.
"""

from __future__ import annotations

import io
import json
from typing import Any

from scanner.findings import Evidence, Finding, ScanResult, finding_id

AZ_VM = (
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/ai-rg/providers/"
    "Microsoft.Compute/virtualMachines/vm-<&>\"1"
)
AWS_INSTANCE = "arn:aws-us-gov:ec2:us-gov-west-1:123456789012:instance/i-0abc"

POLICIES = [
    {
        "id": "CCS-AZ-VM-001",
        "title": "Virtual machines run as Azure Confidential VMs",
        "severity": "high",
        "file": "policies/azure/vm.yaml",
        "frameworks": {"soc2": ["CC6.1", "CC6.7"]},
        "remediation": "Redeploy as a DCasv5/ECasv5 confidential VM.",
        "references": ["https://learn.microsoft.com/azure/confidential-computing/"],
        "sha256": "0" * 64,
    },
    {
        "id": "CCS-AWS-EC2-001",
        "title": "EC2 instances use Nitro Enclaves or SEV-SNP",
        "severity": "critical",
        "file": "policies/aws/ec2.yaml",
        "frameworks": {"soc2": ["CC6.1"]},
        "remediation": "Enable AMD SEV-SNP.",
        "references": [],
        "sha256": "1" * 64,
    },
    {"id": "CCS-INFO-001", "title": "Tags", "severity": "info", "sha256": "2" * 64},
]


def make_finding(
    status: str = "fail",
    policy: dict[str, Any] | None = None,
    resource_id: str = AZ_VM,
    **kw: Any,
) -> Finding:
    policy = policy or POLICIES[0]
    aws = resource_id.startswith("arn:")
    resource = {
        "id": resource_id,
        "type": "AWS::EC2::Instance" if aws else "Microsoft.Compute/virtualMachines",
        "name": resource_id.rsplit("/", 1)[-1],
        "location": "us-gov-west-1" if aws else "westeurope",
        "account": "123456789012" if aws else "00000000-0000-0000-0000-000000000001",
        "provider": "aws" if aws else "azure",
    }
    defaults: dict[str, Any] = {
        "id": finding_id(policy["id"], resource_id),
        "policy_id": policy["id"],
        "title": policy["title"],
        "severity": policy["severity"],
        "status": status,
        "message": "securityType is TrustedLaunch, expected ConfidentialVM\x01",
        "resource": resource,
        "evidence": (
            Evidence("properties.securityProfile.securityType", "TrustedLaunch"),
            Evidence("properties.securityProfile.uefiSettings.vTpmEnabled", None, present=False),
        ),
        "remediation": policy.get("remediation", ""),
        "frameworks": policy.get("frameworks", {}),
        "source": "fixtures/azure/estate.json",
        "line": 12,
    }
    defaults.update(kw)
    return Finding(**defaults)


def make_result(**kw: Any) -> ScanResult:
    defaults: dict[str, Any] = {
        "scan_id": "scan-0001",
        "tool": {"name": "ccscan", "version": "0.1.0"},
        "started_at": "2026-11-28T12:00:00Z",
        "policies": POLICIES,
    }
    defaults.update(kw)
    return ScanResult(**defaults)


WAIVER = {
    "policy": "CCS-AZ-VM-001",
    "resource": "*/ai-rg/*",
    "reason": "migration in Q1",
    "owner": "platform-team",
    "expires": "2027-03-31",
    "original_status": "fail",
    "file": "waivers.yaml",
    "line": 3,
}


def sample_findings() -> list[Finding]:
    """One of each status across both clouds and three severities."""
    return [
        make_finding("fail"),
        make_finding("pass", resource_id=AZ_VM + "-ok"),
        make_finding("unknown", resource_id=AZ_VM + "-nofield"),
        make_finding("error", resource_id=AZ_VM + "-broken"),
        make_finding("waived", resource_id=AZ_VM + "-legacy", waiver=WAIVER),
        make_finding("fail", policy=POLICIES[1], resource_id=AWS_INSTANCE, source="aws:us-east-1",
                     line=None),
        make_finding("fail", policy=POLICIES[2], frameworks={}, remediation=""),
    ]


def render(reporter: Any, findings: list[Finding], result: ScanResult | None = None) -> str:
    """Drive a reporter through the Reporter protocol and return what it wrote."""
    result = result or make_result()
    out = io.StringIO()
    reporter.start(out, result)
    for f in findings:
        reporter.add(f)
        result.count(f)
    result.finished_at = "2026-11-28T12:00:03.5Z"
    reporter.finish(result)
    return out.getvalue()


def assert_valid_sarif(doc: dict[str, Any], validator: Any) -> None:
    """Check a SARIF log with both the schema and sarif-pydantic's model."""
    from sarif_pydantic import Sarif

    errors = sorted(validator.iter_errors(doc), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
    Sarif.model_validate(doc)


def assert_valid_ocsf(line: str) -> dict[str, Any]:
    """Validate one OCSF line with py_ocsf_models and return the parsed event."""
    from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
    from py_ocsf_models.objects.cloud import Cloud

    event = json.loads(line)
    model = ComplianceFinding.model_validate(event)
    # pydantic ignores unknown keys, so also check we used only attributes the model
    # knows, except the few OCSF 1.5 attributes py_ocsf_models does not model yet.
    known_extra = {("cloud",), ("compliance", "status"), ("compliance", "status_detail")}
    _assert_known(event, type(model), (), known_extra)
    if "cloud" in event:
        Cloud.model_validate(event["cloud"])
    return event


def _assert_known(value: Any, model: Any, at: tuple[str, ...], allowed: set) -> None:
    import typing

    from pydantic import BaseModel

    is_model = isinstance(model, type) and issubclass(model, BaseModel)
    if not is_model or not isinstance(value, dict):
        return
    for key, sub in value.items():
        if at + (key,) in allowed:
            continue
        assert key in model.model_fields, f"{'.'.join(at + (key,))} is not an OCSF attribute"
        ann = model.model_fields[key].annotation
        # unwrap Optional[...] and list[...] to the model class, if any
        for _ in range(3):
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            if args:
                ann = args[0]
        items = sub if isinstance(sub, list) else [sub]
        if key in ("data", "unmapped"):
            continue
        for item in items:
            _assert_known(item, ann, at + (key,), allowed)
