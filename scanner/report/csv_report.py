"""
`--format csv`: one row per finding, for people who read reports in a spreadsheet.

Columns are fixed (`COLUMNS`) so that saved filters and pivot tables keep working across
versions. Cells are made safe against CSV (formula) injection the way OWASP advises: a cell
whose first character is `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
single quote, so a spreadsheet shows it as text instead of evaluating it (a resource named
`=HYPERLINK(...)` stays a name). Quoting follows RFC 4180 (`csv` module, minimal quoting,
CRLF row ends); embedded newlines, quotes and commas stay inside their quoted cell.
Rows are written as findings arrive; nothing is kept per finding.
"""

from __future__ import annotations

import csv
from typing import IO, Any

from scanner.findings import Finding, ScanResult
from scanner.report.meta import dumps, framework_name

COLUMNS: tuple[str, ...] = (
    "finding_id", "status", "severity", "policy_id", "title",
    "resource_id", "resource_type", "resource_name", "location", "account", "provider",
    "message", "evidence", "remediation", "frameworks", "source", "line",
    "waiver", "baseline",
)
"""The header row, in order; documented in README ("CSV report")."""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""First characters a spreadsheet may treat as the start of a formula (OWASP)."""


def safe_cell(value: Any) -> str:
    """
    Return `value` as a cell that no spreadsheet evaluates: a leading quote before a
    formula-starting character.
    """
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def frameworks_text(frameworks: dict[str, list[str]]) -> str:
    """Return `SOC 2 CC6.1; SOC 2 CC6.7` for {"soc2": ["CC6.1", "CC6.7"]}."""
    return "; ".join(f"{framework_name(f)} {c}" for f, ids in frameworks.items() for c in ids)


def row(finding: Finding) -> list[str]:
    """Return the CSV cells of one finding, in `COLUMNS` order, already made safe."""
    res = finding.resource
    waiver = ""
    if finding.waiver:
        w = finding.waiver
        waiver = dumps({k: w[k] for k in ("owner", "expires", "reason", "original_status")
                        if k in w})
    cells = [
        finding.id, finding.status, finding.severity, finding.policy_id, finding.title,
        res.get("id", ""), res.get("type", ""), res.get("name", ""), res.get("location", ""),
        res.get("account", ""), res.get("provider", ""),
        finding.message, dumps([e.to_dict() for e in finding.evidence]), finding.remediation,
        frameworks_text(finding.frameworks), finding.source,
        "" if finding.line is None else finding.line, waiver, finding.baseline or "",
    ]
    return [safe_cell(c) for c in cells]


class CsvReporter:
    """Write the header at `start`, then one row per finding as it arrives."""

    def __init__(self) -> None:
        self._writer: Any = None
        self._out: IO[str] | None = None

    def start(self, out: IO[str], result: ScanResult) -> None:
        self._out = out
        self._writer = csv.writer(out, lineterminator="\r\n")
        self._writer.writerow(COLUMNS)

    def add(self, finding: Finding) -> None:
        assert self._writer is not None, "start() first"
        self._writer.writerow(row(finding))

    def finish(self, result: ScanResult) -> None:
        assert self._out is not None, "start() first"
        self._out.flush()
