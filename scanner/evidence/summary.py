"""
`summary.md`: the human page of a bundle (controls, failures, waivers, inputs).

Built from the streamed findings without holding them all: only the first
`SummaryBuilder.limit` failing and waived findings are listed, the rest are counted.
"""

from __future__ import annotations

from typing import Any

from scanner.findings import SEVERITY_RANK, Finding, ScanResult
from scanner.report.coverage_text import KIND_TEXT, headline

_NOTABLE = ("fail", "error", "unknown")


def _cell(value: Any) -> str:
    """Make a value safe inside a Markdown table cell."""
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ")


class SummaryBuilder:
    """
    Collect what the summary lists while findings stream past.
    """

    def __init__(self, limit: int = 200) -> None:
        self.limit = limit
        self.notable: list[Finding] = []
        self.waived: list[Finding] = []
        self.omitted = {"notable": 0, "waived": 0}

    def add(self, finding: Finding) -> None:
        if finding.status in _NOTABLE:
            self._keep(self.notable, finding, "notable")
        elif finding.status == "waived":
            self._keep(self.waived, finding, "waived")

    def _keep(self, bucket: list[Finding], finding: Finding, kind: str) -> None:
        if len(bucket) < self.limit:
            bucket.append(finding)
        else:
            self.omitted[kind] += 1

    def render(self, result: ScanResult, members: list[str]) -> str:
        """
        Return the Markdown page for a finished scan; `members` are the bundle's other files.
        """
        lines = [f"# ccscan evidence: scan {result.scan_id}", ""]
        tool = result.tool
        lines += [
            f"- Tool: {tool.get('name', 'ccscan')} {tool.get('version', '')}",
            f"- Started: {result.started_at}",
            f"- Finished: {result.finished_at}",
            "- Results: " + ", ".join(f"{k} {v}" for k, v in result.summary.items()),
            "",
        ]
        lines += self._controls(result) + self._findings()
        lines += self._waivers(result.extra.get("waivers"))
        lines += _inputs(result)
        lines += _coverage(result)
        if result.incomplete:
            lines += ["## Incomplete (not everything could be read)", ""]
            lines += [f"- {_cell(i.get('scope'))}: {_cell(i.get('reason'))}" for i in result.incomplete]
            lines.append("")
        lines += ["## Files in this bundle", ""] + [f"- `{m}`" for m in members] + [""]
        lines += [
            (
                "Verify with `ccscan bundle verify BUNDLE --key KEY.pub`: it checks the signature "
                "over manifest.json and every file's sha256 before trusting any of this."
            ),
            "",
        ]
        return "\n".join(lines)

    @staticmethod
    def _controls(result: ScanResult) -> list[str]:
        if not result.controls:
            return []
        out = ["## Controls", "", "| Framework | Control | Status | Policies |", "|---|---|---|---|"]
        for c in result.controls:
            policies = ", ".join(c.get("policies") or []) or "(none: manual)"
            out.append(
                f"| {_cell(c.get('framework'))} | {_cell(c.get('id'))} "
                f"| {_cell(c.get('status'))} | {_cell(policies)} |"
            )
        return out + [""]

    def _findings(self) -> list[str]:
        out = ["## Failures", ""]
        if not self.notable:
            return out + ["No failing, unknown or errored findings.", ""]
        out += ["| Severity | Status | Policy | Resource | Message |", "|---|---|---|---|---|"]
        ranked = sorted(self.notable, key=lambda f: (-SEVERITY_RANK[f.severity], f.policy_id))
        for f in ranked:
            out.append(
                f"| {f.severity} | {f.status} | {_cell(f.policy_id)} "
                f"| {_cell(f.resource.get('id'))} | {_cell(f.message)} |"
            )
        if self.omitted["notable"]:
            out.append(f"\n…and {self.omitted['notable']} more in scan.json.")
        return out + [""]

    def _waivers(self, report: Any) -> list[str]:
        out = []
        if isinstance(report, dict):
            for kind in ("expired", "unused"):
                for w in report.get(kind) or []:
                    out.append(
                        f"- {kind} waiver ({_cell(report.get('file'))}:{w.get('line')}): "
                        f"{_cell(w.get('policy'))} on {_cell(w.get('resource'))}, owner "
                        f"{_cell(w.get('owner'))}, expires {_cell(w.get('expires'))}"
                    )
        if out:
            out = ["## Waivers needing attention", "", *out, ""]
        if not self.waived:
            return out
        out += ["## Waived", "", "| Policy | Resource | Reason | Owner | Expires |", "|---|---|---|---|---|"]
        for f in self.waived:
            w = f.waiver or {}
            out.append(
                f"| {_cell(f.policy_id)} | {_cell(f.resource.get('id'))} | {_cell(w.get('reason'))} "
                f"| {_cell(w.get('owner'))} | {_cell(w.get('expires'))} |"
            )
        if self.omitted["waived"]:
            out.append(f"\n…and {self.omitted['waived']} more in scan.json.")
        return out + [""]


def _coverage(result: ScanResult) -> list[str]:
    cov = result.coverage
    out = ["## Coverage (what no selected policy judged)", "", headline(cov) + ".", ""]
    if not cov.not_judged:
        return out
    out += ["| Kind | Type | Resources | First ids |", "|---|---|---|---|"]
    for kind, types in (("uncovered", cov.uncovered), ("not_applicable", cov.not_applicable)):
        for t in types:
            ids = "<br>".join(_cell(i) for i in t.examples)
            out.append(f"| {kind} | {_cell(t.type)} | {t.count} | {ids} |")
    out += ["", "`uncovered`: " + KIND_TEXT["uncovered"] + "; `not_applicable`: "
            + KIND_TEXT["not_applicable"] + ". scan.json `coverage` has the same"
            + (", and `not_judged_ids` lists every one." if cov.listing is not None else
               " (`ccscan scan --show-uncovered` lists every one)."), ""]
    return out


def _inputs(result: ScanResult) -> list[str]:
    out = ["## Inputs", "", "| Source | Resources | sha256 |", "|---|---|---|"]
    for i in result.inputs:
        out.append(
            f"| {_cell(i.get('source'))} | {_cell(i.get('resources'))} | {_cell(i.get('sha256'))} |"
        )
    return out + [""]
