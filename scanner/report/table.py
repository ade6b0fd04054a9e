"""
`--format table`: a report for people, readable in a 100-column terminal.

Policies are grouped, the worst (severity, then failures) first, with up to a few failing
resources each; only counts and those few examples are kept in memory.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import IO

from scanner.findings import SEVERITY_RANK, STATUSES, Finding, ScanResult
from scanner.report.coverage_text import write_table_block
from scanner.terminal import escape

WIDTH = 100
EXAMPLES = 5
_COLORS = {"fail": "31", "error": "35", "unknown": "33", "pass": "32", "waived": "36",
           "manual": "2", "not_evaluated": "2", "not_applicable": "2"}


def _clip(text: str, width: int) -> str:
    # not textwrap.shorten: a name without spaces would come out as "[...]", hiding which one
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass
class _PolicyRow:
    id: str
    title: str
    severity: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    examples: list[Finding] = field(default_factory=list)


class TableReporter:
    """Human-readable summary table."""

    def __init__(self, color: bool = False) -> None:
        self.color = color
        self.out: IO[str] | None = None
        self.rows: dict[str, _PolicyRow] = {}

    def paint(self, text: str, status: str) -> str:
        code = _COLORS.get(status)
        return f"\033[{code}m{text}\033[0m" if self.color and code else text

    def start(self, out: IO[str], result: ScanResult) -> None:
        self.out = out
        for p in result.policies:
            self.rows[p["id"]] = _PolicyRow(p["id"], p["title"], p["severity"])

    def add(self, finding: Finding) -> None:
        row = self.rows.setdefault(
            finding.policy_id, _PolicyRow(finding.policy_id, finding.title, finding.severity)
        )
        row.counts[finding.status] += 1
        if finding.status in ("fail", "error", "unknown") and len(row.examples) < EXAMPLES:
            row.examples.append(finding)

    def finish(self, result: ScanResult) -> None:
        assert self.out is not None
        w = self.out.write
        n_res = sum(i.get("resources", 0) for i in result.inputs)
        # every text below may come from an inventory or a policy: escaped (scanner.terminal)
        w(f"ccscan {escape(result.tool['version'])}  scan {escape(result.scan_id)}\n")
        w(f"{n_res} resources from {len(result.inputs)} inputs, {len(result.policies)} policies\n\n")
        rows = [r for r in self.rows.values() if any(r.counts.values())]
        rows.sort(key=lambda r: (-(r.counts["fail"] + r.counts["error"] > 0), -SEVERITY_RANK.get(r.severity, 0),
                                 -r.counts["fail"], r.id))
        w(f"{'SEVERITY':<9}{'POLICY':<22}{'PASS':>5}{'FAIL':>5}{'UNKN':>5}{'ERR':>4}{'WAIV':>5}  TITLE\n")
        for r in rows:
            c = r.counts
            status = "fail" if c["fail"] else "error" if c["error"] else "unknown" if c["unknown"] else "pass"
            title = textwrap.shorten(escape(r.title), WIDTH - 57, placeholder="…")
            line = (f"{escape(r.severity):<9}{escape(r.id):<22}{c['pass']:>5}{c['fail']:>5}{c['unknown']:>5}"
                    f"{c['error']:>4}{c['waived']:>5}  {title}")
            w(self.paint(line, status) + "\n")
            for f in r.examples:
                where = escape(f.source) + (f":{f.line}" if f.line else "")
                mark = {"fail": "✗", "error": "!", "unknown": "?"}[f.status]
                name = _clip(escape(f.resource["name"] or f.resource["id"]), 40)
                room = WIDTH - 9 - len(name)
                if len(where) > room:  # keep the end: the file name and line matter most
                    where = "…" + where[-(room - 1):]
                w(f"   {self.paint(mark, f.status)} {name}  ({where})\n")
                w(textwrap.indent(textwrap.fill(escape(f.message), WIDTH - 7), "       ") + "\n")
            more = c["fail"] + c["error"] + c["unknown"] - len(r.examples)
            if more > 0:
                w(f"     … and {more} more\n")
        if result.controls:
            w("\nControls\n")
            for ctl in result.controls:
                title = textwrap.shorten(escape(ctl["title"]), WIDTH - 34, placeholder="…")
                status = self.paint(f"{escape(ctl['status']):<15}", ctl["status"])
                w(f"  {escape(ctl['framework']):<6}{escape(ctl['id']):<8}{status}{title}\n")
        for inc in result.incomplete:
            w(self.paint(f"\nINCOMPLETE {escape(inc['scope'])}: {escape(inc['reason'])}", "error") + "\n")
        write_table_block(w, result.coverage, self.paint)
        s = result.summary
        w(f"\nSummary: {s['pass']} pass, {s['fail']} fail, {s['unknown']} unknown, "
          f"{s['error']} error, {s['waived']} waived\n")
        if s["unknown"]:
            note = (f"{s['unknown']} finding(s) unknown: the inventory lacks fields these policies "
                    "require; unknown is never a pass (--fail-on-unknown to fail on them)")
            w(self.paint(textwrap.fill(note, WIDTH), "unknown") + "\n")
