"""
Where each output format goes, written atomically: nothing half-written survives a failed scan.

Every destination is opened (as a temp file beside it) before the scan starts, so an
unwritable `--output` fails at once, not after a long collection.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeVar

from scanner.errors import UsageError
from scanner.report import EXTENSIONS, FORMATS, Reporter

T = TypeVar("T")


@dataclass
class Output:
    format: str
    dest: Path | None
    """None: standard output."""
    stream: IO[str] | None = None


def plan_outputs(
    formats: tuple[str, ...], outputs: tuple[Path, ...], output_dir: Path | None, quiet: bool
) -> list[Output]:
    """
    Pair `--format` with `--output` by position; unpaired formats go to `--output-dir` or stdout.

    Without `--format`: a table on stdout (plus JSON in `--output-dir` when one is given).
    At most one format may go to stdout.
    """
    fmts = list(formats)
    if not fmts:
        fmts = ["json"] if output_dir else ["table"]
        if outputs:
            fmts = ["json"] * len(outputs)
    if len(outputs) > len(fmts):
        raise UsageError(f"{len(outputs)} --output given for {len(fmts)} --format: pair each --output with a --format")
    for f in fmts:
        if f not in FORMATS:
            raise UsageError(f"unknown format {f!r} (choose from {', '.join(FORMATS)})")
    plan: list[Output] = []
    for i, fmt in enumerate(fmts):
        if i < len(outputs):
            plan.append(Output(fmt, outputs[i]))
        elif output_dir is not None:
            plan.append(Output(fmt, output_dir / f"ccscan.{EXTENSIONS.get(fmt, fmt)}"))
        else:
            plan.append(Output(fmt, None))
    if output_dir is not None and not quiet and all(o.dest is not None for o in plan) and "table" not in fmts:
        plan.append(Output("table", None))
    to_stdout = [o.format for o in plan if o.dest is None]
    if len(to_stdout) > 1:
        raise UsageError(f"formats {', '.join(to_stdout)} would all go to stdout: give --output FILE or --output-dir")
    dests = [o.dest.resolve() for o in plan if o.dest is not None]
    if len(set(dests)) != len(dests):
        raise UsageError("two outputs would write the same file")
    return plan


class OutputSet:
    """
    Open every planned output (temp files), then `commit()` them all or `discard()` them all.
    """

    def __init__(self, plan: list[Output]) -> None:
        self.plan = plan
        self.temps: dict[int, str] = {}

    def open(self) -> None:
        for i, out in enumerate(self.plan):
            if out.dest is None:
                out.stream = tempfile.TemporaryFile("w+", encoding="utf-8")
                continue
            parent = out.dest.parent
            if out.dest.is_dir():
                raise UsageError(f"output {out.dest} is a directory")
            try:
                parent.mkdir(parents=True, exist_ok=True)
                fd, name = tempfile.mkstemp(prefix=f".{out.dest.name}.", suffix=".part", dir=parent)
            except OSError as e:
                self.discard()
                raise UsageError(f"cannot write output {out.dest}: {e.strerror or e}") from None
            self.temps[i] = name
            out.stream = os.fdopen(fd, "w", encoding="utf-8")

    def commit(self) -> None:
        for i, out in enumerate(self.plan):
            assert out.stream is not None
            if out.dest is None:
                out.stream.seek(0)
                shutil.copyfileobj(out.stream, sys.stdout)
                sys.stdout.flush()
                out.stream.close()
            else:
                out.stream.close()
                os.chmod(self.temps[i], 0o644)
                os.replace(self.temps[i], out.dest)
        self.temps.clear()

    def discard(self) -> None:
        for out in self.plan:
            if out.stream is not None and not out.stream.closed:
                out.stream.close()
        for name in self.temps.values():
            if os.path.exists(name):
                os.unlink(name)
        self.temps.clear()


def write_outputs(plan: list[Output], color: bool, run: Callable[[list[tuple[Reporter, IO[str]]]], T]) -> T:
    """
    Open every planned output, build its reporter, call `run(pairs)`, then commit all outputs,
    or discard them all if `run` raises. Colour goes only to a terminal-bound table.
    """
    sink = OutputSet(plan)
    sink.open()
    try:
        pairs = []
        for out in plan:
            reporter = FORMATS[out.format]()
            if hasattr(reporter, "color"):
                reporter.color = color and out.dest is None
            assert out.stream is not None
            pairs.append((reporter, out.stream))
        result = run(pairs)
    except BaseException:
        sink.discard()
        raise
    sink.commit()
    return result
