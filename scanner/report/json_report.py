"""
`--format json`: the scan result document (schemas/scan-result.schema.json).

Findings are spooled to a temporary file as they arrive, so memory stays flat however many
there are, and are spliced into the document once the summary is known.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from typing import IO

from scanner.findings import Finding, ScanResult
from scanner.report.meta import dumps


class JsonReporter:
    """Writes the scan result JSON: header keys first, then `findings`, one per line."""

    def __init__(self) -> None:
        self.out: IO[str] | None = None
        self.spool: IO[str] | None = None
        self.count = 0

    def start(self, out: IO[str], result: ScanResult) -> None:
        self.out = out
        self.spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - lives until finish()

    def add(self, finding: Finding) -> None:
        assert self.spool is not None
        self.spool.write(",\n" if self.count else "\n")
        self.spool.write(dumps(finding.to_dict()))
        self.count += 1

    def finish(self, result: ScanResult) -> None:
        assert self.out is not None and self.spool is not None
        head = json.dumps(result.header_dict(), ensure_ascii=False, indent=1, default=str)
        self.out.write(head[:-2] + ',\n "findings": [')
        self.spool.seek(0)
        shutil.copyfileobj(self.spool, self.out)
        self.out.write("\n ]\n}\n" if self.count else "]\n}\n")
        self.spool.close()
