"""
`scan --bundle --sign-key --ledger DIR`: chain the new bundle to the last one and append it.

The lock (flock on DIR/.lock) is held from reading the head of the chain until the new
bundle is in place, so two scans at once get sequences n and n+1, never both n. The bundle
is copied to a temp file beside its final name, fsynced, and renamed into place; the
index line follows (fsynced). A crash in between leaves a bundle without an index line,
which `ledger verify` reports; the next append still chains to it (the head is read from
the bundles themselves, not from the index).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from scanner.errors import UsageError
from scanner.evidence.statement import Link
from scanner.ledger.layout import (
    BUNDLES,
    INDEX,
    LOCK,
    bundle_name,
    file_sha256,
    parse_cadence,
    sequence_of,
)
from scanner.ledger.timestamp import NoTimestamp, TimestampAuthority


class LedgerAppender:
    """
    Append signed bundles to the ledger at `directory` (created if its parent exists).
    """

    def __init__(self, directory: Path, cadence: str = "1d",
                 tsa: TimestampAuthority | None = None) -> None:
        self.directory = Path(directory)
        self.cadence = cadence
        self.cadence_seconds = parse_cadence(cadence)
        self.tsa = tsa or NoTimestamp()

    def check(self) -> None:
        """Before the scan: raise UsageError unless the ledger can be written."""
        d = self.directory
        if d.exists() and not d.is_dir():
            raise UsageError("--ledger: not a directory", d)
        if not d.exists() and not d.parent.is_dir():
            raise UsageError("--ledger: the parent directory does not exist", d)
        bundles = d / BUNDLES
        if bundles.exists() and not bundles.is_dir():
            raise UsageError(f"--ledger: {BUNDLES} is not a directory", d)

    @contextmanager
    def appending(self) -> Iterator[Link]:
        """
        Hold the ledger lock; yield the link the new bundle must sign. Raises UsageError
        when the ledger cannot be written (the bundle itself is still at its --bundle path).
        """
        try:
            (self.directory / BUNDLES).mkdir(parents=True, exist_ok=True)
            lock = open(self.directory / LOCK, "a+b")  # noqa: SIM115  # held across the yield
        except OSError as e:
            raise UsageError(f"--ledger: cannot append: {e.strerror}", self.directory) from e
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # waits for a concurrent append to finish
            try:
                yield self._next_link()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _next_link(self) -> Link:
        head = _head(self.directory / BUNDLES)
        if head is None:
            return Link(1, None, self.cadence, self.cadence_seconds)
        seq, path = head
        return Link(seq + 1, file_sha256(path), self.cadence, self.cadence_seconds)

    def commit(self, bundle: Path, link: Link, result: Any) -> Path:
        """With the lock held: copy `bundle` into the ledger as `link.sequence`."""
        try:
            return self._commit(bundle, link, result)
        except OSError as e:
            raise UsageError(f"--ledger: cannot append: {e.strerror}", self.directory) from e

    def _commit(self, bundle: Path, link: Link, result: Any) -> Path:
        target = self.directory / BUNDLES / bundle_name(link.sequence)
        if target.exists():  # the head moved without the lock: never overwrite evidence
            raise UsageError("--ledger: bundle already exists (was the lock bypassed?)", target)
        fd, tmp = tempfile.mkstemp(prefix=".append.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out, open(bundle, "rb") as src:
                shutil.copyfileobj(src, out)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o444)  # evidence: read-only once appended
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
        sha = file_sha256(target)
        line = {
            "sequence": link.sequence,
            "file": f"{BUNDLES}/{target.name}",
            "sha256": sha,
            "scan_id": result.scan_id,
            "scan_started_at": result.started_at,
            "scan_finished_at": result.finished_at,
            "appended_at": _wall_clock(),
            "timestamp": self.tsa.stamp(sha),
        }
        with open(self.directory / INDEX, "a", encoding="utf-8") as index:
            _append_line(index, line)
        _fsync_dir(self.directory)
        return target


def _head(bundles: Path) -> tuple[int, Path] | None:
    found = [(s, p) for p in bundles.iterdir() if (s := sequence_of(p.name)) is not None]
    return max(found) if found else None


def _append_line(fh: IO[str], line: dict[str, Any]) -> None:
    fh.write(json.dumps(line, sort_keys=True, separators=(",", ":")) + "\n")
    fh.flush()
    os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _wall_clock() -> str:
    # The real append time, deliberately not SOURCE_DATE_EPOCH: it is what tells an auditor
    # that a bundle was appended long after its scan claims to have run.
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
