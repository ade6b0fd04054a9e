"""
How a command ends: whatever stops it becomes one line on stderr and one exit code.

0 ok, 1 failing findings, 2 usage/policy/input error (also an I/O error on a named file),
3 incomplete scan, 4 internal error (a bug: never 1, which pipelines read as "findings"),
130 Ctrl-C (or end of input at a prompt), 128+N signal N, 141 stdout closed early (`ccscan ... | head`), as a shell
reports a process killed by SIGPIPE, but quietly.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from pathlib import Path

import click

from scanner.errors import CcscanError
from scanner.signals import Terminated
from scanner.terminal import escape

EXIT_USAGE = 2
EXIT_INTERNAL = 4
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 128 + 13  # SIGPIPE is 13 on every POSIX system; Windows has no constant

_DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO}
_PACKAGE = str(Path(__file__).resolve().parent)


def _say(line: str) -> None:
    try:
        click.echo(f"ccscan: {line}", err=True)
    except (OSError, ValueError):  # stderr closed too: the exit code is all that is left
        pass


def silence_stdout() -> None:
    """
    Point stdout at /dev/null, so that the interpreter's last flush after a broken pipe does
    not print "Exception ignored ... BrokenPipeError" (the recipe of Python's signal docs).
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real fd (in-process test runners)
        pass


def _where(exc: BaseException) -> str:
    """The innermost ccscan frame of the traceback, `scanner/x.py:12`: enough for a report."""
    spot = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith(_PACKAGE):
            spot = f"scanner{frame.filename[len(_PACKAGE):]}:{frame.lineno}"
    return spot


def exit_code_for(exc: BaseException, verbose: int) -> int:
    """
    Report `exc` on stderr and return the exit code it stands for; -vv adds the traceback.

    Re-raises click's exits and usage errors (click reports those, exit 2) and GeneratorExit;
    another click error (FileError: click's exit 1) is shown here as exit 2. A
    SystemExit is a bug: ccscan exits through click, so it comes from a library calling
    sys.exit() mid-command, and even a 0 would be a false green. Only the exception's type and
    location are shown for a bug, not its text, which may quote an input value.
    """
    if isinstance(exc, (GeneratorExit, click.exceptions.Exit, click.UsageError)):
        raise exc
    if isinstance(exc, click.ClickException):
        exc.show()
        return EXIT_USAGE if exc.exit_code == 1 else exc.exit_code
    if isinstance(exc, BrokenPipeError):
        silence_stdout()
        return EXIT_BROKEN_PIPE
    if verbose > 1:
        traceback.print_exception(exc, file=sys.stderr)
    if isinstance(exc, (KeyboardInterrupt, click.Abort)):  # Abort: Ctrl-C or EOF at a prompt
        _say("interrupted")
        return EXIT_INTERRUPTED
    if isinstance(exc, Terminated):
        _say(str(exc))
        return exc.exit_code
    if isinstance(exc, CcscanError):
        _say(f"error: {escape(exc.diagnostics())}")
        return exc.exit_code
    if isinstance(exc, OSError) and exc.filename is not None:
        # an unreadable input or a full disk is the environment's doing, not a bug
        _say(f"error: {escape(exc.filename)}: {escape(exc.strerror or exc)}")
        return EXIT_USAGE
    if isinstance(exc, OSError) and exc.errno in _DISK_ERRORS:
        # a spool or temp file with no name of its own: still the disk's doing, not a bug
        _say(f"error: cannot use a temporary file: {escape(exc.strerror or exc)}")
        return EXIT_USAGE
    if not isinstance(exc, (Exception, SystemExit)):
        raise exc
    where = _where(exc)
    kind = type(exc).__name__ + (f" at {where}" if where else "")
    _say(f"internal error ({kind}): please report; rerun with -vv for the traceback")
    return EXIT_INTERNAL


def final_code(code: int | str | None) -> int | str | None:
    """
    Flush stdout before the interpreter does, so a closed pipe or a full disk is still ours
    to report; return the exit code to use.
    """
    if type(sys.stdout).__name__ == "_PacifyFlushWrapper":  # click met EPIPE and exits 1
        silence_stdout()
        return EXIT_BROKEN_PIPE
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as e:
        _say(f"error: cannot write standard output: {e.strerror or e}")
        silence_stdout()
        return EXIT_USAGE
    except ValueError:  # stdout already closed by someone else: nothing left to flush
        pass
    return code
