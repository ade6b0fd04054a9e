"""
SIGTERM and SIGHUP end a command the way Ctrl-C does: by an exception, so every cleanup
(`finally`, `except BaseException`: temp and `.part` files, bundle spools) runs.

CI runners stop a job with SIGTERM and a closed SSH session sends SIGHUP; dying on the
default handler would leave half-written temp files behind.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

HANDLED = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n))


class Terminated(BaseException):
    """
    The process received SIGTERM or SIGHUP.

    A BaseException, like KeyboardInterrupt, so `except Exception` handlers let it through.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(f"terminated by {signal.Signals(signum).name}")
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """128 + the signal number, as a shell reports a process killed by it."""
        return 128 + self.signum


def _stop(signum: int, frame: FrameType | None) -> None:
    # The first signal starts the cleanup; a second one must not cut it short.
    for sig in HANDLED:
        signal.signal(sig, signal.SIG_IGN)
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


def install() -> Callable[[], None]:
    """
    Route SIGINT, SIGTERM and SIGHUP to exceptions; return a function restoring the old handlers.

    A signal the parent set to be ignored (`nohup`) stays ignored. Outside the main thread
    (where Python cannot set handlers) nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous: dict[int, Any] = {}
    for sig in HANDLED:
        old = signal.getsignal(sig)
        if old is signal.SIG_IGN:
            continue
        previous[sig] = old
        signal.signal(sig, _stop)

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)

    return restore
