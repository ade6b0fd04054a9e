"""
Generated scan results for the shipping tests and bench/ship.py: many findings, written the
way `--format json` writes them (through the real JsonReporter).
"""

from __future__ import annotations

from pathlib import Path

from scanner.findings import Evidence, Finding, ScanResult, finding_id
from scanner.report.json_report import JsonReporter


def many_findings(path: Path, n: int, scan_id: str = "scan-generated",
                  accounts: int = 3, regions: tuple[str, ...] = ("westeurope", "eastus")) -> Path:
    """Write a scan result with `n` findings (a mix of statuses) spread over accounts and regions."""
    result = ScanResult(scan_id=scan_id, tool={"name": "ccscan", "version": "0.1.0"},
                        started_at="2026-11-28T12:00:00Z",
                        policies=[{"id": "CCS-AZ-VM-001", "title": "Confidential VMs",
                                   "severity": "high"}])
    reporter = JsonReporter()
    with path.open("w", encoding="utf-8") as out:
        reporter.start(out, result)
        for i in range(n):
            account = f"00000000-0000-0000-0000-{i % accounts:012d}"
            rid = f"/subscriptions/{account}/resourceGroups/rg{i % 50}/providers/Microsoft.Compute/virtualMachines/vm{i}"
            status = ("fail", "pass", "unknown", "fail")[i % 4]
            f = Finding(
                id=finding_id("CCS-AZ-VM-001", rid), policy_id="CCS-AZ-VM-001",
                title="Virtual machines run as Azure Confidential VMs", severity="high",
                status=status, message=f"securityType is TrustedLaunch, expected ConfidentialVM ({i})",
                resource={"id": rid, "type": "Microsoft.Compute/virtualMachines", "name": f"vm{i}",
                          "location": regions[i % len(regions)], "account": account,
                          "provider": "azure"},
                evidence=(Evidence("properties.securityProfile.securityType", "TrustedLaunch"),),
                remediation="Redeploy as a DCasv5/ECasv5 confidential VM.",
                frameworks={"soc2": ["CC6.1", "CC6.7"]}, source="generated.json", line=i + 1,
            )
            reporter.add(f)
            result.count(f)
        result.finished_at = "2026-11-28T12:00:09Z"
        reporter.finish(result)
    return path
