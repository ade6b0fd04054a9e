"""
Where each output format goes, and how it is written: nothing half-written survives a
failed scan, and nothing that is not a regular file is ever replaced.

Every destination is opened before the scan starts, so an unwritable `--output` fails at
once, not after a long collection. A regular file (or a new one) is written to a temp file
beside it and renamed over it at the end, keeping an existing file's mode (a new one gets
0666 less the umask). Anything else, a device (`/dev/null`, `/dev/stdout`), a FIFO or a
symlink, is opened as it is and written in place at the end: renaming over `/dev/stdout`
would replace the device node, and over a symlink, the link.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar, cast

from scanner.atomic import final_mode, replaceable, umask
from scanner.errors import OutputError, UsageError
from scanner.fdcopy import copy_fd
from scanner.report import EXTENSIONS, FORMATS, Reporter

T = TypeVar("T")


@dataclass
class Output:
    format: str
    dest: Path | None
    """None: standard output."""
    stream: IO[str] | None = None


def plan_outputs(
    pairs: list[tuple[str, Path | None]], output_dir: Path | None, quiet: bool
) -> list[Output]:
    """
    Plan the outputs from (format, destination) pairs (scanner.output_pairs); formats without
    a destination go to `--output-dir` or stdout.

    Without any: a table on stdout (plus JSON in `--output-dir` when one is given).
    At most one format may go to stdout.
    """
    if not pairs:
        pairs = [("json", None)] if output_dir else [("table", None)]
    fmts = [f for f, _ in pairs]
    plan: list[Output] = []
    for fmt, dest in pairs:
        if dest is not None:
            plan.append(Output(fmt, dest))
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


class _Checked:
    """
    A text stream whose write errors (disk full, quota, I/O) name the output they hit.

    Reporters only call write(), flush() and append_fd().
    """

    def __init__(self, inner: IO[str], label: str) -> None:
        self.inner = inner
        self.label = label

    def write(self, text: str) -> int:
        try:
            return self.inner.write(text)
        except OSError as e:
            raise OutputError(f"cannot write {self.label}: {e.strerror or e}") from None

    def flush(self) -> None:
        try:
            self.inner.flush()
        except OSError as e:
            raise OutputError(f"cannot write {self.label}: {e.strerror or e}") from None

    def append_fd(self, src: int, size: int) -> None:
        """Append `size` bytes of file `src` (UTF-8 text) in the kernel: every output is a file."""
        try:
            self.inner.flush()
            copy_fd(src, self.inner.fileno(), size)
            self.inner.seek(0, os.SEEK_END)  # the text layer goes on after the copied bytes
        except OSError as e:
            raise OutputError(f"cannot write {self.label}: {e.strerror or e}") from None


class OutputSet:
    """
    Open every planned output, then `commit()` them all or `discard()` them all.
    """

    def __init__(self, plan: list[Output]) -> None:
        self.plan = plan
        self.temps: dict[int, str] = {}
        """Atomic outputs: plan index -> temp file beside the destination."""
        self.direct: dict[int, int] = {}
        """Outputs written in place (devices, FIFOs, symlinks): plan index -> open fd."""

    def open(self) -> None:
        try:
            for i, out in enumerate(self.plan):
                self._open(i, out)
        except BaseException:
            self.discard()
            raise

    def _open(self, i: int, out: Output) -> None:
        if out.dest is None or not replaceable(out.dest):
            # open until commit()/discard(): no `with` can span them
            out.stream = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
            if out.dest is not None:
                self.direct[i] = self._open_in_place(out.dest)
            return
        parent = out.dest.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{out.dest.name}.", suffix=".part", dir=parent)
        except OSError as e:
            raise UsageError(f"cannot write output {out.dest}: {e.strerror or e}") from None
        self.temps[i] = name
        out.stream = os.fdopen(fd, "w", encoding="utf-8")

    @staticmethod
    def _open_in_place(dest: Path) -> int:
        if dest.is_dir():
            raise UsageError(f"output {dest} is a directory")
        try:
            # no O_TRUNC: a symlinked regular file keeps its content until the scan succeeds
            return os.open(dest, os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        except OSError as e:
            raise UsageError(f"cannot write output {dest}: {e.strerror or e}") from None

    def streams(self) -> list[IO[str]]:
        """The stream each planned output's reporter writes to, in plan order."""
        return [cast(IO[str], _Checked(cast(IO[str], o.stream),
                                       f"output {o.dest}" if o.dest else "standard output"))
                for o in self.plan]

    def commit(self) -> None:
        """
        Flush and sync every temp file, then rename them into place and copy the buffered
        ones out; raises OutputError (nothing renamed) if a temp file cannot be completed.
        """
        mask = umask()
        try:
            for i, name in self.temps.items():
                out = self.plan[i]
                assert out.stream is not None and out.dest is not None
                stream = out.stream
                stream.flush()
                os.fsync(stream.fileno())
                stream.close()
                os.chmod(name, final_mode(out.dest, mask))
        except OSError as e:
            self.discard()
            raise OutputError(f"cannot write output {out.dest}: {e.strerror or e}") from None
        for i, name in self.temps.items():
            out = self.plan[i]
            assert out.dest is not None
            try:
                os.replace(name, out.dest)
            except OSError as e:
                self.discard()
                raise OutputError(f"cannot write output {out.dest}: {e.strerror or e}") from None
        self.temps.clear()
        for i, out in enumerate(self.plan):
            if i in self.direct or out.dest is None:
                self._copy_out(i, out)

    def _copy_out(self, i: int, out: Output) -> None:
        assert out.stream is not None
        out.stream.seek(0)
        if out.dest is None:
            try:
                shutil.copyfileobj(out.stream, sys.stdout)
                sys.stdout.flush()
            except BrokenPipeError:
                raise  # a reader that stopped early: the guard ends quietly
            except OSError as e:
                raise OutputError(f"cannot write standard output: {e.strerror or e}") from None
            finally:
                out.stream.close()
            return
        fd = self.direct.pop(i)
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                os.ftruncate(fd, 0)
            out.stream.flush()
            copy_fd(out.stream.fileno(), fd, os.fstat(out.stream.fileno()).st_size)  # bytes, in the kernel
        except BrokenPipeError:
            raise  # `-o /dev/stdout | head`: as quiet as stdout itself
        except OSError as e:
            raise OutputError(f"cannot write output {out.dest}: {e.strerror or e}") from None
        finally:
            os.close(fd)
            out.stream.close()

    def discard(self) -> None:
        for out in self.plan:
            if out.stream is not None and not out.stream.closed:
                out.stream.close()
        for name in self.temps.values():
            Path(name).unlink(missing_ok=True)
        self.temps.clear()
        for fd in self.direct.values():
            os.close(fd)
        self.direct.clear()


def write_outputs(plan: list[Output], color: bool, run: Callable[[list[tuple[Reporter, IO[str]]]], T]) -> T:
    """
    Open every planned output, build its reporter, call `run(pairs)`, then commit all outputs,
    or discard them all if `run` raises. Colour goes only to a terminal-bound table.
    """
    sink = OutputSet(plan)
    sink.open()
    try:
        pairs: list[tuple[Any, IO[str]]] = []
        for out, stream in zip(plan, sink.streams(), strict=True):
            reporter = FORMATS[out.format]()
            if hasattr(reporter, "color"):
                reporter.color = color and out.dest is None
            pairs.append((reporter, stream))
        result = run(pairs)
        sink.commit()  # inside: a signal during the renames still removes what is left
    except BaseException:
        sink.discard()
        raise
    return result
