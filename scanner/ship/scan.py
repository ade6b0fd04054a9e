"""
`scan --ship`: the scan also writes its JSON result to a temp file, which is shipped once the
scan has finished, through the same code as `ccscan ship`.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.ship.interface import ShipIncomplete
from scanner.ship.options import ShipPlan, build, ship_files

logger = logging.getLogger(__name__)


@dataclass
class ScanShipping:
    plan: ShipPlan
    _dir: Path | None = None

    @classmethod
    def build(cls, targets: tuple[str, ...], params: dict[str, Any]) -> ScanShipping:
        """Check the shipping configuration before the scan starts (exit 2 on a bad one)."""
        return cls(build(targets, params))

    def add_output(self, outputs: list[Any]) -> tuple[list[Any], Path]:
        """
        Return the output plan plus a JSON result in a private (0700) temp directory, and
        that file's path.
        """
        from scanner.outputs import Output

        self._dir = Path(tempfile.mkdtemp(prefix="ccscan-ship-"))
        path = self._dir / "result.json"
        return [*outputs, Output("json", path)], path

    def discard(self) -> None:
        """Remove the temp result (the scan failed, or it has been shipped)."""
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def ship_after_scan(self, result_file: Path, scan_code: int) -> int:
        """
        Ship the result; return the exit code: the scan's, or 3 when delivery fell short
        (a scan with failing findings keeps 1, as with any incomplete scope).
        """
        try:
            for report in ship_files([result_file], self.plan):
                logger.warning("shipped %d findings to %s in %d batches (%d retries)",
                               report.delivered, report.sink, report.batches, report.retries)
        except ShipIncomplete as e:
            logger.error("%s", e.message)
            return scan_code if scan_code == 1 else 3
        finally:
            self.discard()
        return scan_code
