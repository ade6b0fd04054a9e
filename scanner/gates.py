"""
What decides pass/fail of a scan beyond the findings themselves: waivers and a baseline.

`Gates.load` reads both files before anything is scanned (a bad file is exit 2 at once);
`attach` hooks them into the scan's finding stream; `exit_code` applies `--fail-on-new`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.baseline import Baseline
from scanner.errors import UsageError
from scanner.findings import ScanResult, exit_code
from scanner.waivers import WaiverSet, load_waivers


@dataclass
class Gates:
    """
    The waivers and baseline of one scan (either may be absent).
    """

    waivers: WaiverSet | None = None
    baseline: Baseline | None = None
    fail_on_new: bool = False

    @classmethod
    def load(
        cls,
        waivers_file: Path | None = None,
        allow_broad_waivers: bool = False,
        baseline_file: Path | None = None,
        fail_on_new: bool = False,
    ) -> Gates:
        """
        Load and validate the files. Raises InputError (bad file) or UsageError
        (`--fail-on-new` without `--baseline`).
        """
        if fail_on_new and baseline_file is None:
            raise UsageError("--fail-on-new needs --baseline FILE (an earlier scan result)")
        waivers = None
        if waivers_file is not None:
            waivers = WaiverSet(load_waivers(waivers_file, allow_broad_waivers),
                                file=Path(waivers_file).as_posix())
        baseline = Baseline.load(baseline_file) if baseline_file is not None else None
        return cls(waivers, baseline, fail_on_new)

    def attach(self, options: Any) -> None:
        """
        Add the finding transforms (waivers first, so the baseline compares final
        statuses) and the finishers that put `waivers`/`baseline` into the scan result.
        """
        if self.waivers is not None:
            ws = self.waivers
            options.finding_transforms.append(ws.apply)
            options.finishers.append(lambda r: r.extra.__setitem__("waivers", ws.report()))
        if self.baseline is not None:
            bl = self.baseline
            options.finding_transforms.append(bl.apply)
            options.finishers.append(lambda r: r.extra.__setitem__("baseline", bl.finish()))

    def exit_code(self, result: ScanResult, fail_on: str, fail_on_unknown: bool) -> int:
        """
        Return the scan's exit code: only new failures count with `--fail-on-new`.
        """
        if self.fail_on_new and self.baseline is not None:
            return self.baseline.exit_code(result, fail_on, fail_on_unknown)
        return exit_code(result, fail_on, fail_on_unknown)

    def warnings(self) -> list[str]:
        """
        Return the lines to log on stderr after the scan (expired and unused waivers).
        """
        return self.waivers.warnings() if self.waivers is not None else []
