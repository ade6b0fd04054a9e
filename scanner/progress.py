"""
Progress on stderr for long work, one mechanism for everything: click's progress bar (click is
a core dependency already; rich would add a heavier one for the same line).

Shown only when stderr is a terminal and `-q` was not given, so CI logs and pipes stay clean.
Updates may come from worker threads; the bar is redrawn at most ten times a second.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any, TextIO, TypeVar

T = TypeVar("T")

REDRAW_SECONDS = 0.1


def _nothing() -> Iterator[None]:
    yield from ()


class Progress:
    """
    `azure subscriptions: [####----] 12/40  3456 resources, 812/s` (pages or tasks of a known
    total), or a pulsing bar with a count when the total is unknown (resources of an input).
    """

    def __init__(self, label: str, enabled: bool, total: int | None = None,
                 stream: TextIO | None = None, unit: str = "resources") -> None:
        self._stream = stream or sys.stderr
        self.enabled = bool(enabled) and self._stream.isatty()
        self._label = label
        self._unit = unit
        self._lock = threading.Lock()
        self._count = 0
        self._pending = 0
        self._started = time.monotonic()
        self._last = 0.0
        self._bar: Any = None
        if total is not None:
            self.start(total)

    def start(self, total: int | None) -> None:
        """Begin drawing: `total` steps (lists, pages, tasks), or None when unknown."""
        if not self.enabled or self._bar is not None:
            return
        import click

        self._started = time.monotonic()
        # an unknown total: a generator, whose length click cannot guess (a pulsing bar)
        kwargs: dict[str, Any] = {"length": total} if total is not None else {"iterable": _nothing()}
        self._bar = click.progressbar(label=self._label, file=self._stream, show_pos=total is not None,
                                      item_show_func=lambda _: self._status(), **kwargs)
        self._bar.__enter__()

    def _status(self) -> str:
        elapsed = max(time.monotonic() - self._started, 1e-6)
        return f"{self._count} {self._unit}, {self._count / elapsed:.0f}/s"

    def advance(self, steps: int = 0, items: int = 0) -> None:
        """Count `steps` finished (of the total) and `items` more read."""
        if not self.enabled:
            return
        with self._lock:
            self._count += items
            self._pending += steps
            now = time.monotonic()
            if self._bar is None or now - self._last < REDRAW_SECONDS:
                return
            self._last = now
            self._draw()

    def _draw(self) -> None:
        # update() draws only when it advances; a new count alone is drawn directly
        self._bar.current_item = self._count
        if self._pending:
            self._bar.update(self._pending)
        else:
            self._bar.render_progress()
        self._pending = 0

    def close(self) -> None:
        """Draw the final state and end the line."""
        if not self.enabled or self._bar is None:
            return
        with self._lock:
            self._draw()
            self._bar.__exit__(None, None, None)
            self._bar = None

    def wrap(self, items: Iterable[T]) -> Iterator[T]:
        """Yield `items`, counting each; closes the bar at the end."""
        self.start(None)
        try:
            for item in items:
                self.advance(items=1)
                yield item
        finally:
            self.close()


def input_progress(enabled: bool) -> Any:
    """
    For ScanOptions.wrap_input: a bar per inventory input (resources read, rate), or None
    when progress is off or stderr is no terminal.
    """
    if not enabled or not sys.stderr.isatty():
        return None
    from scanner.terminal import escape

    def wrap(name: str, items: Iterable[T]) -> Iterator[T]:
        return Progress(f"reading {escape(name)}", True).wrap(items)

    return wrap
