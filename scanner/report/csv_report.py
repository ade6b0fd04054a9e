"""
`--format csv`: one row per finding, for people who read reports in a spreadsheet.

Columns are fixed (`COLUMNS`) so that saved filters and pivot tables keep working across
versions. Cells are made safe against CSV (formula) injection the way OWASP advises: a cell
whose first character is `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
single quote, so a spreadsheet shows it as text instead of evaluating it (a resource named
`=HYPERLINK(...)` stays a name). Quoting follows RFC 4180 (`csv` module, minimal quoting,
CRLF row ends); embedded newlines, quotes and commas stay inside their quoted cell.
Rows are written as findings arrive; nothing is kept per finding. Last come the rows of
what no selected policy judged (status `uncovered` / `not_applicable`, no finding id).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO, Any

from scanner.findings import Finding, ScanResult
from scanner.report.coverage_text import KIND_TEXT
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


def not_judged_rows(result: ScanResult) -> Iterator[list[str]]:
    """
    Rows for what no selected policy judged, status `uncovered` or `not_applicable` (no
    finding id, policy or severity): one per type with its count and first ids, or with
    `--show-uncovered` one per resource.
    """
    cov = result.coverage
    if cov.listing is not None:
        for kind, rtype, rid in cov.ids():
            yield _not_judged_row(kind, rid, rtype, f"not judged: {KIND_TEXT[kind]}")
        return
    for kind, types in (("uncovered", cov.uncovered), ("not_applicable", cov.not_applicable)):
        for t in types:
            message = f"{t.count} resource(s) of this type not judged: {KIND_TEXT[kind]}"
            if t.examples:
                message += f"; first: {', '.join(t.examples)}"
            yield _not_judged_row(kind, "", t.type, message)


def _not_judged_row(kind: str, rid: str, rtype: str, message: str) -> list[str]:
    cells = dict.fromkeys(COLUMNS, "")
    cells.update(status=kind, resource_id=rid, resource_type=rtype, message=message)
    return [safe_cell(cells[c]) for c in COLUMNS]


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
        assert self._writer is not None
        self._writer.writerows(not_judged_rows(result))
        self._out.flush()
