"""
The period report as OSCAL assessment-results (JSON, OSCAL 1.1.x model).

One `result` per scan in the period; in each, one observation per failing (policy,
resource) pair and one finding per control (satisfied only when the control passed).
Every scan's bundle is a back-matter resource with its sha256, and each observation's
evidence points at it, so an auditor can go from any finding to the signed bundle.
UUIDs are version 5, derived from the ledger's bundle digests: the same ledger and period
give the same document. SOC 2 control ids are used as objective ids; titles are ccscan's.
"""

from __future__ import annotations

import uuid
from typing import Any

OSCAL_VERSION = "1.1.3"
_NS = uuid.UUID("5b1c7f0e-8a43-4f5e-9a0c-6f1d2e3c4b5a")


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(_NS, "\x1f".join(map(str, parts))))


def assessment_results(report: dict[str, Any]) -> dict[str, Any]:
    """Return the OSCAL document (`{"assessment-results": ...}`) for a period report."""
    period = report["period"]
    scans = report["scans"]
    seed = (report["key_id"], period["from"], period["to"], *(s["sha256"] for s in scans))
    doc_uuid = _uuid("assessment-results", *seed)
    last = scans[-1]["time"] if scans else period["to"]
    return {"assessment-results": {
        "uuid": doc_uuid,
        "metadata": {
            "title": f"ccscan ledger assessment {period['from']} to {period['to']}",
            "last-modified": last,
            "version": str(report["tool"]["version"]),
            "oscal-version": OSCAL_VERSION,
            "remarks": report["clock"],
        },
        # ccscan has no OSCAL assessment plan; the reference names the ledger it read instead
        "import-ap": {"href": "#ccscan-ledger"},
        "results": [_result(report, s) for s in scans],
        "back-matter": {"resources": [_bundle_resource(s) for s in scans]},
    }}


def _bundle_uuid(scan: dict[str, Any]) -> str:
    return _uuid("bundle", scan["sha256"])


def _bundle_resource(scan: dict[str, Any]) -> dict[str, Any]:
    return {
        "uuid": _bundle_uuid(scan),
        "title": f"ccscan evidence bundle #{scan['sequence']} ({scan['scan_id']})",
        "description": f"Signed bundle of the scan at {scan['time']} (signer's clock).",
        "rlinks": [{"href": scan["file"], "media-type": "application/gzip",
                    "hashes": [{"algorithm": "SHA-256", "value": scan["sha256"]}]}],
    }


def _failing_in(control: dict[str, Any], seq: int) -> list[dict[str, Any]]:
    return [e for e in control["exceptions"]
            if e["first_seen"]["sequence"] <= seq <= e["last_seen"]["sequence"]]


def _result(report: dict[str, Any], scan: dict[str, Any]) -> dict[str, Any]:
    seq = scan["sequence"]
    observations: dict[tuple[str, str], dict[str, Any]] = {}
    findings = []
    for c in report["controls"]:
        status = next((t["status"] for t in c["timeline"] if t["sequence"] == seq), "absent")
        related = []
        for e in _failing_in(c, seq):
            key = (e["policy"], e["resource"])
            if key not in observations:
                observations[key] = _observation(scan, *key)
            related.append({"observation-uuid": observations[key]["uuid"]})
        finding: dict[str, Any] = {
            "uuid": _uuid("finding", scan["sha256"], c["framework"], c["id"]),
            "title": f"{c['framework']} {c['id']}: {c['title'] or c['id']}",
            "description": f"ccscan control status in scan #{seq}: {status}.",
            "target": {
                "type": "objective-id",
                "target-id": f"{c['framework']}-{c['id']}",
                "status": {"state": "satisfied" if status == "pass" else "not-satisfied",
                           "reason": {"pass": "pass", "fail": "fail"}.get(status, "other")},
            },
        }
        if related:
            finding["related-observations"] = related
        findings.append(finding)
    result: dict[str, Any] = {
        "uuid": _uuid("result", scan["sha256"]),
        "title": f"Scan #{seq} ({scan['scan_id']})",
        "description": f"ccscan scan {scan['scan_id']}, bundle sha256 {scan['sha256']}.",
        "start": scan["time"],
        "reviewed-controls": {"control-selections": [{"include-all": {}}]},
    }
    if observations:
        result["observations"] = list(observations.values())
    if findings:
        result["findings"] = findings
    return result


def _observation(scan: dict[str, Any], policy: str, resource: str) -> dict[str, Any]:
    return {
        "uuid": _uuid("observation", scan["sha256"], policy, resource),
        "title": f"{policy} failed",
        "description": f"Policy {policy} failed for resource {resource} in scan #{scan['sequence']}.",
        "methods": ["TEST"],
        "subjects": [{"subject-uuid": _uuid("resource", resource), "type": "resource",
                      "title": resource}],
        "relevant-evidence": [{"href": f"#{_bundle_uuid(scan)}",
                               "description": f"bundle #{scan['sequence']} sha256 {scan['sha256']}"}],
        "collected": scan["time"],
    }
