"""
OCSF output: one Compliance Finding event (class 2003) per finding, one JSON object a line.

Amazon Security Lake, Microsoft Sentinel and Splunk ingest OCSF. Status mapping:
`compliance.status_id` says what the check found (pass -> Pass, fail -> Fail,
unknown -> Warning "did not yield a result due to missing information", error -> Other
"Error"); the event's own `status_id` is the finding's workflow state: New, or
Suppressed for a waived finding (whose compliance status stays Fail/Warning, so the
SIEM still sees the gap and who accepted it). With a baseline, unchanged findings are
Update activities, and failing findings that are gone are Close activities (Resolved).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import IO, Any

from scanner.findings import Finding, ScanResult
from scanner.report.meta import dumps, framework_name, policy_index, relative_path

OCSF_VERSION = "1.5.0"
"""The OCSF schema version the events follow (the one py_ocsf_models validates)."""

CLASS_UID = 2003  # Compliance Finding
CATEGORY_UID = 2  # Findings
ACTIVITY = {"create": (1, "Create"), "update": (2, "Update"), "close": (3, "Close")}
SEVERITY_ID = {"info": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}
SEVERITY_NAME = {1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical"}
COMPLIANCE_STATUS = {
    "pass": (1, "Pass"),
    "fail": (3, "Fail"),
    "unknown": (2, "Warning"),
    "error": (99, "Error"),
}
EVENT_STATUS = {"new": (1, "New"), "suppressed": (3, "Suppressed"), "resolved": (4, "Resolved")}
PROVIDERS = {"azure": "Azure", "aws": "AWS"}
_NAMESPACE = uuid.UUID("5b0f6f0e-3c1d-4b8e-9d55-8b1c3c2f7a01")  # event uids, stable per scan


def epoch_ms(iso: str) -> int:
    """
    Return an ISO 8601 timestamp as epoch milliseconds (now, when it cannot be parsed).
    """
    try:
        dt = datetime.fromisoformat(iso)  # Python 3.11 reads a trailing Z
    except (AttributeError, ValueError):
        dt = datetime.now(UTC)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


def _partition(resource_id: str) -> str | None:
    """Return the AWS partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`)."""
    if resource_id.startswith("arn:"):
        parts = resource_id.split(":", 2)
        return parts[1] if len(parts) > 2 else None
    return None


def _resource_group(resource_id: str) -> str | None:
    """Return the resource group of an ARM id."""
    parts = resource_id.split("/")
    lowered = [p.lower() for p in parts]
    if "resourcegroups" in lowered:
        i = lowered.index("resourcegroups")
        if i + 1 < len(parts):
            return parts[i + 1]
    return None


def _cloud(res: dict[str, Any]) -> dict[str, Any]:
    provider = str(res.get("provider") or "")
    cloud: dict[str, Any] = {"provider": PROVIDERS.get(provider.lower(), provider or "Other")}
    if res.get("location"):
        cloud["region"] = res["location"]
    if res.get("account"):
        account = str(res["account"])
        aws = provider.lower() == "aws"
        cloud["account"] = {
            "uid": account,
            "name": account,
            # OCSF account types have AWS Account (10) but nothing for an Azure subscription
            "type_id": 10 if aws else 99,
            "type": "AWS Account" if aws else "Azure Subscription",
        }
    return cloud


def _resource(res: dict[str, Any]) -> dict[str, Any]:
    rid = str(res.get("id") or "")
    out: dict[str, Any] = {"uid": rid, "type": res.get("type"), "name": res.get("name")}
    if res.get("location"):
        out["region"] = res["location"]
    partition = _partition(rid)
    if partition:
        out["cloud_partition"] = partition
    group = _resource_group(rid)
    if group:
        out["group"] = {"name": group}
    data = {k: res[k] for k in ("provider", "account") if res.get(k)}
    if data:
        out["data"] = data
    return {k: v for k, v in out.items() if v is not None}


class OcsfReporter:
    """
    Write one OCSF Compliance Finding per line; nothing is kept per finding.
    """

    def __init__(self) -> None:
        self._out: IO[str] | None = None
        self._policies: dict[str, dict[str, Any]] = {}
        self._scan_id = ""
        self._time = 0
        self._product: dict[str, Any] = {}

    def start(self, out: IO[str], result: ScanResult) -> None:
        """Remember the scan's identity and policies; OCSF has no header line."""
        self._out = out
        self._policies = policy_index(result)
        self._scan_id = result.scan_id
        self._time = epoch_ms(result.started_at)
        self._product = {
            "name": result.tool.get("name", "ccscan"),
            "vendor_name": "ccscan",
            "version": result.tool.get("version", ""),
        }

    def add(self, finding: Finding) -> None:
        """Write the finding's event."""
        activity = "update" if finding.baseline == "unchanged" else "create"
        self._write(self.event(finding, activity))

    def finish(self, result: ScanResult) -> None:
        """
        Close the baseline's failing findings that are gone from this scan, then flush.

        (One that now passes or is waived already has its event from `add`.)
        """
        for old in (result.extra.get("baseline") or {}).get("resolved", []):
            if old.get("now", "absent") == "absent":
                self._write(self.resolved_event(old))
        if self._out is not None:
            self._out.flush()

    def _write(self, event: dict[str, Any]) -> None:
        assert self._out is not None, "start() first"
        self._out.write(dumps(event) + "\n")

    def event(self, finding: Finding, activity: str = "create") -> dict[str, Any]:
        """
        Return the OCSF event for one finding.
        """
        policy = self._policies.get(finding.policy_id, {})
        original = (finding.waiver or {}).get("original_status", "fail")
        check_status = original if finding.status == "waived" else finding.status
        comp_id, comp_name = COMPLIANCE_STATUS[check_status]
        workflow = "suppressed" if finding.status == "waived" else "new"
        standards = [framework_name(f) for f in finding.frameworks]
        requirements = sorted({c for ids in finding.frameworks.values() for c in ids})
        sev_id = SEVERITY_ID[finding.severity]
        event: dict[str, Any] = self._envelope(finding.id, activity, workflow)
        event.update(
            {
                "message": finding.message,
                "severity_id": sev_id,
                "severity": SEVERITY_NAME[sev_id],
                "status_detail": finding.message,
                "finding_info": {
                    "uid": finding.id,
                    "title": finding.title,
                    "desc": policy.get("description") or finding.message,
                    "types": ["Compliance", "Configuration"],
                    "analytic": {
                        "uid": finding.policy_id,
                        "name": finding.title,
                        "type_id": 1,
                        "type": "Rule",
                    },
                },
                "compliance": _compact({
                    "control": finding.policy_id,
                    "standards": standards or None,
                    "requirements": requirements or None,
                    "status_id": comp_id,
                    "status": comp_name,
                    "status_detail": finding.message,
                    "checks": [
                        _compact({
                            "uid": finding.policy_id,
                            "name": finding.title,
                            "severity_id": sev_id,
                            "severity": SEVERITY_NAME[sev_id],
                            "status_id": comp_id,
                            "status": comp_name,
                            "standards": standards or None,
                        })
                    ],
                }),
                "resources": [_resource(finding.resource)],
                "cloud": _cloud(finding.resource),
                "evidences": [
                    {"name": ev.path, "data": ev.to_dict()} for ev in finding.evidence
                ]
                or None,
                "unmapped": self._unmapped(finding),
            }
        )
        if finding.remediation:
            remediation: dict[str, Any] = {"desc": finding.remediation}
            if policy.get("references"):
                remediation["references"] = list(policy["references"])
            event["remediation"] = remediation
        return _compact(event)

    def resolved_event(self, old: dict[str, Any]) -> dict[str, Any]:
        """
        Return a Close event for a baseline finding that no longer fails.
        """
        sev_id = SEVERITY_ID.get(str(old.get("severity")), 0)
        resource = old.get("resource") or {}
        event = self._envelope(str(old["id"]), "close", "resolved")
        event.update(
            {
                "severity_id": sev_id,
                "severity": SEVERITY_NAME.get(sev_id, "Unknown"),
                "message": "resolved since the baseline scan",
                "finding_info": {"uid": old["id"], "title": old.get("title") or old["id"]},
                "compliance": _compact({
                    "control": old.get("policy_id"),
                    "status_id": COMPLIANCE_STATUS["pass"][0],
                    "status": COMPLIANCE_STATUS["pass"][1],
                }),
                "resources": [_resource(resource)],
                "cloud": _cloud(resource),
                "unmapped": {"ccscan": {"policy_id": old.get("policy_id"),
                                        "baseline": "resolved",
                                        "previous_status": old.get("status")}},
            }
        )
        return _compact(event)

    def _envelope(self, finding_uid: str, activity: str, workflow: str) -> dict[str, Any]:
        activity_id, activity_name = ACTIVITY[activity]
        status_id, status_name = EVENT_STATUS[workflow]
        return {
            "class_uid": CLASS_UID,
            "class_name": "Compliance Finding",
            "category_uid": CATEGORY_UID,
            "category_name": "Findings",
            "activity_id": activity_id,
            "activity_name": activity_name,
            "type_uid": CLASS_UID * 100 + activity_id,
            "type_name": f"Compliance Finding: {activity_name}",
            "time": self._time,
            "status_id": status_id,
            "status": status_name,
            "metadata": {
                "version": OCSF_VERSION,
                "uid": str(uuid.uuid5(_NAMESPACE, f"{self._scan_id}/{finding_uid}/{activity}")),
                "correlation_uid": self._scan_id,
                "product": self._product,
                "profiles": ["cloud"],
            },
        }

    @staticmethod
    def _unmapped(finding: Finding) -> dict[str, Any]:
        extra: dict[str, Any] = {
            "policy_id": finding.policy_id,
            "status": finding.status,
            "frameworks": finding.frameworks,
        }
        source = relative_path(finding.source) or finding.source
        if source:
            extra["source"] = source
        if finding.line is not None:
            extra["line"] = finding.line
        if finding.waiver:
            extra["waiver"] = finding.waiver
        if finding.baseline:
            extra["baseline"] = finding.baseline
        return {"ccscan": extra}


def _compact(d: dict[str, Any]) -> dict[str, Any]:
    """Drop None values (OCSF consumers treat absent and null alike; absent is smaller)."""
    return {k: v for k, v in d.items() if v is not None}
