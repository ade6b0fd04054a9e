"""
A one-line progress display on stderr for live collection, shown only on a terminal.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    """
    `azure: 12/40 lists, 3456 resources`, redrawn at most ten times a second.

    Silent unless enabled and stderr is a TTY, so CI logs and piped output stay clean.
    """

    def __init__(self, enabled: bool, stream: TextIO | None = None, label: str = "azure") -> None:
        self._stream = stream or sys.stderr
        self.enabled = enabled and self._stream.isatty()
        self._label = label
        self._lock = threading.Lock()
        self._tasks = self._done = self._resources = 0
        self._last = 0.0
        self._drawn = False

    def start(self, tasks: int) -> None:
        """Set the number of (subscription, type) lists to read."""
        self._tasks = tasks
        self._draw(force=True)

    def task_done(self) -> None:
        """Count one finished list."""
        self._done += 1
        self._draw(force=self._done == self._tasks)

    def resources(self, n: int) -> None:
        """Count `n` more resources read."""
        self._resources += n
        self._draw()

    def close(self) -> None:
        """End the progress line."""
        if self.enabled and self._drawn:
            self._stream.write("\n")
            self._stream.flush()

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last < 0.1:
                return
            self._last = now
            self._drawn = True
            self._stream.write(
                f"\r{self._label}: {self._done}/{self._tasks} lists, {self._resources} resources"
            )
            self._stream.flush()
