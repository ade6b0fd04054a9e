"""
`--format table`: a report for people, fitting the terminal (80 to 250 columns).

Policies are grouped, the worst (severity, then failures) first, with up to a few failing
resources each; only counts and those few examples are kept in memory. Count columns grow
with their largest number, so 10k+ counts never run into each other; titles wrap instead of
being cut. The table ends with the verdict (counts of failures by severity), then how to see
the rest.
"""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass, field
from typing import IO

from scanner.findings import SEVERITIES, SEVERITY_RANK, STATUSES, Finding, ScanResult
from scanner.report.coverage_text import write_table_block
from scanner.terminal import escape

WIDTH = 100
"""Used when the width cannot be told (no terminal, no COLUMNS)."""
MIN_WIDTH, MAX_WIDTH = 80, 250
EXAMPLES = 5
COUNTS = (("PASS", "pass"), ("FAIL", "fail"), ("UNKN", "unknown"), ("ERR", "error"), ("WAIV", "waived"))
_COLORS = {"fail": "31", "error": "35", "unknown": "33", "pass": "32", "waived": "36",
           "manual": "2", "not_evaluated": "2", "not_applicable": "2"}


def terminal_width() -> int:
    """COLUMNS or the terminal's width, clamped to 80..250 (100 when neither is known)."""
    return max(MIN_WIDTH, min(MAX_WIDTH, shutil.get_terminal_size((WIDTH, 24)).columns))


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

    def __init__(self, color: bool = False, width: int | None = None) -> None:
        self.color = color
        self.width = width
        """None: the terminal's (terminal_width)."""
        self.out: IO[str] | None = None
        self.rows: dict[str, _PolicyRow] = {}
        self.new_failing = 0
        """Failing findings a baseline did not have (`--baseline`)."""

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
        if finding.baseline == "new" and finding.status == "fail":
            self.new_failing += 1
        if finding.status in ("fail", "error", "unknown") and len(row.examples) < EXAMPLES:
            row.examples.append(finding)

    def finish(self, result: ScanResult) -> None:
        assert self.out is not None
        w = self.out.write
        width = self.width or terminal_width()
        n_res = sum(i.get("resources", 0) for i in result.inputs)
        # every text below may come from an inventory or a policy: escaped (scanner.terminal)
        w(f"ccscan {escape(result.tool['version'])}  scan {escape(result.scan_id)}\n")
        w(f"{n_res} resources from {len(result.inputs)} inputs, {len(result.policies)} policies\n\n")
        rows = [r for r in self.rows.values() if any(r.counts.values())]
        rank: dict[str, int] = {str(k): v for k, v in SEVERITY_RANK.items()}
        rows.sort(key=lambda r: (-(r.counts["fail"] + r.counts["error"] > 0), -rank.get(r.severity, 0),
                                 -r.counts["fail"], r.id))
        # every column as wide as its widest cell, plus one space: 12345 never touches 67890
        cw = {k: max(len(h), *(len(str(r.counts[k])) for r in rows), 1) + 1 for h, k in COUNTS} if rows \
            else {k: len(h) + 1 for h, k in COUNTS}
        idw = max([len("POLICY"), *(len(escape(r.id)) for r in rows)]) + 2
        lead = 9 + idw + sum(cw.values()) + 2
        title_w = max(20, width - lead)
        w(f"{'SEVERITY':<9}{'POLICY':<{idw}}" + "".join(f"{h:>{cw[k]}}" for h, k in COUNTS) + "  TITLE\n")
        for r in rows:
            c = r.counts
            status = "fail" if c["fail"] else "error" if c["error"] else "unknown" if c["unknown"] else "pass"
            title = textwrap.wrap(escape(r.title), title_w, break_long_words=True) or [""]
            line = (f"{escape(r.severity):<9}{escape(r.id):<{idw}}"
                    + "".join(f"{c[k]:>{cw[k]}}" for _, k in COUNTS) + f"  {title[0]}")
            w(self.paint(line, status) + "\n")
            for more_title in title[1:]:
                w(" " * lead + more_title + "\n")
            for f in r.examples:
                where = escape(f.source) + (f":{f.line}" if f.line else "")
                mark = {"fail": "✗", "error": "!", "unknown": "?"}[f.status]
                new = " NEW" if f.baseline == "new" else ""
                name = _clip(escape(f.resource["name"] or f.resource["id"]), 40)
                room = max(10, width - 9 - len(name) - len(new))
                if len(where) > room:  # keep the end: the file name and line matter most
                    where = "…" + where[-(room - 1):]
                w(f"   {self.paint(mark, f.status)}{self.paint(new, 'fail')} {name}  ({where})\n")
                w(textwrap.indent(textwrap.fill(escape(f.message), width - 7), "       ") + "\n")
            more = c["fail"] + c["error"] + c["unknown"] - len(r.examples)
            if more > 0:
                w(f"     … and {more} more\n")
        if result.controls:
            w("\nControls\n")
            ctl_w = max(8, *(len(escape(ctl["id"])) + 1 for ctl in result.controls))
            fw_w = max(6, *(len(escape(ctl["framework"])) + 1 for ctl in result.controls))
            for ctl in result.controls:
                indent = 2 + fw_w + ctl_w + 15
                lines = textwrap.wrap(escape(ctl["title"]), max(20, width - indent)) or [""]
                status = self.paint(f"{escape(ctl['status']):<15}", ctl["status"])
                w(f"  {escape(ctl['framework']):<{fw_w}}{escape(ctl['id']):<{ctl_w}}{status}{lines[0]}\n")
                for more_title in lines[1:]:
                    w(" " * indent + more_title + "\n")
        for inc in result.incomplete:
            w(self.paint(f"\nINCOMPLETE {escape(inc['scope'])}: {escape(inc['reason'])}", "error") + "\n")
        write_table_block(w, result.coverage, self.paint, width)
        w("\n")
        for line in self._ending(result, width):
            w(line + "\n")

    def _ending(self, result: ScanResult, width: int) -> list[str]:
        """The verdict line first, then the totals and how to see the rest."""
        s = result.summary
        by_sev = result.by_severity
        if s["fail"]:
            counts = ", ".join(f"{by_sev[sev]['fail']} {sev}" for sev in reversed(SEVERITIES)
                               if by_sev.get(sev, {}).get("fail"))
            verdict = self.paint(f"FAIL: {s['fail']} failing finding(s): {counts}", "fail")
        elif s["error"] or s["unknown"] or result.incomplete:
            verdict = self.paint("NOT PROVEN: no failure, but findings without evidence or an "
                                 "incomplete scan", "unknown")
        else:
            verdict = self.paint("PASS: no failing finding", "pass")
        total = (f"Summary: {s['pass']} pass, {s['fail']} fail, {s['unknown']} unknown, "
                 f"{s['error']} error, {s['waived']} waived")
        lines = [verdict, total]
        baseline = result.extra.get("baseline")
        if isinstance(baseline, dict):
            lines.append(f"{self.new_failing} new failing finding(s) since baseline "
                         f"{escape(baseline.get('scan_id', ''))} ({baseline.get('unchanged', 0)} unchanged, "
                         f"{len(baseline.get('resolved', ()))} resolved)")
        if s["unknown"]:
            note = (f"{s['unknown']} finding(s) unknown: the inventory lacks fields these policies "
                    "require; unknown is never a pass (--fail-on-unknown to fail on them)")
            lines.append(self.paint(textwrap.fill(note, width), "unknown"))
        more = "More: --format json (or -o result.json / result.html) lists every finding with its evidence"
        if result.coverage.not_judged and result.coverage.listing is None:
            more += "; --show-uncovered lists resources no policy judged"
        lines.append(textwrap.fill(more + ".", width, break_on_hyphens=False))
        return lines
