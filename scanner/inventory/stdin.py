"""
An inventory read from standard input (`-` or `/dev/stdin`): read once into a temp file,
then read like any file, JSON or JSONL as the content says. Findings and errors name it `-`.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from scanner.errors import InputError
from scanner.inventory import jsonparse
from scanner.inventory.files import InventoryFile
from scanner.inventory.resource import Resource

NAMES = ("-", "/dev/stdin")
DISPLAY = "-"


def is_stdin(path: Path | str) -> bool:
    """True for `-` and `/dev/stdin`."""
    return str(path) in NAMES


def _looks_like_jsonl(spool: IO[bytes]) -> bool:
    # JSONL: its first non-blank line is a whole JSON value and another line follows.
    # A pretty-printed JSON document's first line (`{` or `[`) is not a whole value.
    spool.seek(0)
    first = b""
    for raw in spool:
        if raw.strip():
            if first:
                return True
            first = raw
            try:
                jsonparse.loads(raw)
            except jsonparse.JsonError:
                return False
    return False


_STDIN_SPOOL: Path | None = None
"""Standard input is read once per process: a second pass (relationship policies read the
inputs twice) reads this spool again. Removed at exit."""


def _spool(source: IO[bytes]) -> Path:
    if source.isatty():  # nothing piped: waiting for the user to type JSON would look like a hang
        raise InputError("standard input is a terminal: pipe an inventory into `ccscan scan -`", DISPLAY)
    with tempfile.NamedTemporaryFile("w+b", prefix="ccscan-stdin-", delete=False) as spool:
        try:
            shutil.copyfileobj(source, spool)
        except OSError as e:
            os.unlink(spool.name)
            raise InputError(f"cannot read standard input: {e.strerror or e}", DISPLAY) from None
        suffix = ".jsonl" if _looks_like_jsonl(spool) else ".json"
    spooled = Path(spool.name + suffix)
    os.replace(spool.name, spooled)
    return spooled


def _stdin_spool() -> Path:
    global _STDIN_SPOOL
    if _STDIN_SPOOL is None:
        _STDIN_SPOOL = _spool(sys.stdin.buffer)
        atexit.register(_STDIN_SPOOL.unlink, missing_ok=True)
    return _STDIN_SPOOL


class StdinInventory(InventoryFile):
    """Standard input, spooled to a temp file; `source` and errors say `-`."""

    display = DISPLAY

    def __init__(self, input_format: str = "auto", stream: IO[bytes] | None = None) -> None:
        spooled = _spool(stream) if stream is not None else _stdin_spool()
        super().__init__(spooled, input_format)
        self.spooled = spooled

    def __iter__(self) -> Iterator[Resource]:
        try:
            yield from super().__iter__()
        except InputError as e:
            if e.path is not None and e.path == str(self.spooled):
                raise InputError(e.message, DISPLAY, e.line, e.col) from None
            raise
        finally:
            self.path = Path(DISPLAY)
            if self.spooled != _STDIN_SPOOL:  # a given stream's spool; stdin's is kept for pass 2
                self.spooled.unlink(missing_ok=True)
