"""
`--format json`: the scan result document (schemas/scan-result.schema.json).

Findings are serialised to UTF-8 bytes once and spooled to a temporary file as they arrive,
so memory stays flat however many there are; once the summary is known they are appended to
the document by the kernel (scanner.fdcopy), not read back through Python.
"""

from __future__ import annotations

import codecs
import json
import os
import tempfile
from typing import IO

from scanner.fdcopy import copy_fd
from scanner.findings import Finding, ScanResult, SerialisedFindings
from scanner.report.meta import dumps, dumps_bytes


def finding_bytes(finding: Finding) -> bytes:
    """One finding as it appears in `findings` (also what workers send back: scanner.parallel)."""
    return dumps_bytes(finding.to_dict())


def write_listing(out: IO[str], result: ScanResult) -> None:
    """With `--show-uncovered`: the `not_judged_ids` key, streamed from the scan's temp file."""
    if result.coverage.listing is None:
        return
    out.write(',\n "not_judged_ids": [')
    for i, (kind, rtype, rid) in enumerate(result.coverage.ids()):
        out.write(("," if i else "") + "\n  " + dumps({"kind": kind, "type": rtype, "id": rid}))
    out.write("\n ]")


class JsonReporter:
    """Writes the scan result JSON: header keys first, then `findings`, one per line."""

    def __init__(self) -> None:
        self.out: IO[str] | None = None
        self.spool: IO[bytes] | None = None
        self.count = 0
        self._buf = bytearray()

    def start(self, out: IO[str], result: ScanResult) -> None:
        self.out = out
        self.spool = tempfile.TemporaryFile()  # noqa: SIM115 - lives until finish()

    def add(self, finding: Finding) -> None:
        # Each finding is serialised once, to bytes, and batched: no text layer, no decode.
        buf = self._buf
        buf += b",\n" if self.count else b"\n"
        buf += dumps_bytes(finding.to_dict())  # finding_bytes, inlined: once per finding
        self.count += 1
        if len(buf) >= _BATCH:
            assert self.spool is not None
            self.spool.write(buf)
            buf.clear()

    def add_serialised(self, found: SerialisedFindings) -> None:
        """Take one resource's findings as a worker serialised them (each after `,\\n`)."""
        if not found.codes:
            return
        buf = self._buf
        buf += found.blob if self.count else found.blob[1:]
        self.count += len(found.codes)
        if len(buf) >= _BATCH:
            assert self.spool is not None
            self.spool.write(buf)
            buf.clear()

    def finish(self, result: ScanResult) -> None:
        assert self.out is not None and self.spool is not None
        self.spool.write(self._buf)
        self._buf.clear()
        head = json.dumps(result.header_dict(), ensure_ascii=False, indent=1, default=str)
        self.out.write(head[:-2])
        write_listing(self.out, result)
        self.out.write(',\n "findings": [')
        _append(self.out, self.spool)
        self.out.write("\n ]\n}\n" if self.count else "]\n}\n")
        self.spool.close()


_BATCH = 1 << 20


def _append(out: IO[str], spool: IO[bytes]) -> None:
    """Append the spooled UTF-8 bytes to `out`: in the kernel when `out` is a seekable file."""
    spool.flush()
    size = spool.tell()
    append_fd = getattr(out, "append_fd", None)
    if append_fd is not None:  # an output of the scan (scanner.outputs): it names the file on errors
        append_fd(spool.fileno(), size)
        return
    out.flush()
    try:
        fd = out.fileno() if out.seekable() else -1
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both of the last two
        fd = -1
    if fd >= 0:
        copy_fd(spool.fileno(), fd, size)
        out.seek(0, os.SEEK_END)  # the text layer picks up where the copy left the file
        return
    spool.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    while block := spool.read(_BATCH):
        out.write(decoder.decode(block))
    out.write(decoder.decode(b"", final=True))
