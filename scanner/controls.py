"""
Roll findings up to framework controls (SOC 2 …).

A control passes only when every mapped policy passed on every applicable resource; a
control with no automated policy is `manual`, never `pass`.
"""

from __future__ import annotations

from typing import Any

from scanner.findings import STATUSES, Finding
from scanner.policy.catalog import Catalog


class ControlTracker:
    """
    Counts statuses per policy while findings stream, then rolls them up per control.
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.per_policy: dict[str, dict[str, int]] = {p.id: dict.fromkeys(STATUSES, 0) for p in catalog.policies}

    def add(self, finding: Finding) -> None:
        self.per_policy[finding.policy_id][finding.status] += 1

    def rollup(self) -> list[dict[str, Any]]:
        """Return one entry per control of every loaded framework, in framework order."""
        out = []
        loaded = set(self.per_policy)
        for fw in self.catalog.frameworks.values():
            for control in fw.controls:
                claimed = {p.id for p in self.catalog.policies if control.id in p.frameworks.get(fw.id, ())}
                mapped = sorted((set(control.policies) | claimed) & loaded)
                counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
                for pid in mapped:
                    for s, n in self.per_policy[pid].items():
                        counts[s] += n
                out.append({
                    "framework": fw.id,
                    "id": control.id,
                    "title": control.title,
                    "status": _status(mapped, counts, bool(control.policies) or bool(claimed)),
                    "policies": mapped,
                    "counts": counts,
                })
        return out


def _status(mapped: list[str], counts: dict[str, int], has_mapping: bool) -> str:
    if not mapped:
        # Mapped policies exist but were not selected for this scan: say so, don't pass.
        return "not_evaluated" if has_mapping else "manual"
    if counts["fail"]:
        return "fail"
    if counts["error"] or counts["unknown"]:
        return "unknown"
    if counts["waived"]:
        return "waived"
    if counts["pass"]:
        return "pass"
    return "not_applicable"
