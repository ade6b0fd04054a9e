"""
Deterministic `.tar.gz` writing: the same members give the same bytes, on any machine.

Members are sorted by name; every header has mtime `SOURCE_DATE_EPOCH` (or 0), uid/gid 0,
empty user/group names and mode 0644; the gzip header has mtime 0, no file name, and a
fixed OS byte (CPython always writes 255).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scanner import settings

_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Member:
    """
    One file of the bundle: its path inside the archive and where its bytes are.
    """

    name: str
    data: bytes | None = None
    """The content, for small members built in memory."""
    file: Path | None = None
    """A file holding the content, for members too big to hold (the inventory)."""

    def open(self) -> io.BufferedIOBase:
        """Return a binary stream of the content."""
        if self.data is not None:
            return io.BytesIO(self.data)
        assert self.file is not None
        return open(self.file, "rb")

    def digest(self) -> tuple[str, int]:
        """Return (sha256 hex, size) of the content."""
        h, size = hashlib.sha256(), 0
        with self.open() as f:
            while chunk := f.read(_CHUNK):
                h.update(chunk)
                size += len(chunk)
        return h.hexdigest(), size


def source_date_epoch() -> int | None:
    """
    Return `SOURCE_DATE_EPOCH` as an int, or None when unset (SettingError when malformed).
    """
    return settings.source_date_epoch()


def write_tarball(out: str | Path, members: list[Member], mtime: int = 0) -> None:
    """
    Write `members` to `out` as a deterministic tar.gz, atomically (temp file + rename).

    Raises ValueError on duplicate member names.
    """
    names = [m.name for m in members]
    if len(set(names)) != len(names):
        raise ValueError("duplicate member names")
    out = Path(out)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent or ".")
    try:
        # filename="" keeps the temp file's name out of the gzip header
        with (
            os.fdopen(fd, "wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) as gz,
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
        ):
            for member in sorted(members, key=lambda m: m.name.encode("utf-8")):
                _add(tar, member, mtime)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _add(tar: tarfile.TarFile, member: Member, mtime: int) -> None:
    info = tarfile.TarInfo(member.name)
    info.type = tarfile.REGTYPE
    info.mode = 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = mtime
    with member.open() as f:
        f.seek(0, io.SEEK_END)
        info.size = f.tell()
        f.seek(0)
        tar.addfile(info, f)
