"""
Reading an untrusted `.tar.gz` without trusting it.

Nothing is ever extracted to disk. Decompression streams through a byte cap (gzip bombs),
the gzip trailer must be present and correct (truncation), and every tar header is checked
before a byte of its member is read: regular files only (no links, devices, directories),
safe relative names (no absolute paths, `..`, backslashes, control characters, duplicates,
case-only duplicates), per-member and total size caps, and a member count cap.
"""

from __future__ import annotations

import hashlib
import re
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from scanner.evidence.errors import VerificationError

_CHUNK = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Limits:
    """
    Caps a bundle must stay within; all in bytes except `members`.
    """

    member_bytes: int = 512 << 20
    """Largest single member (the inventory of a large estate is the biggest)."""
    total_bytes: int = 2 << 30
    """Total decompressed size of the whole tar stream."""
    members: int = 100_000


@dataclass(frozen=True, slots=True)
class MemberData:
    """
    What the second pass learned about one member.
    """

    name: str
    size: int
    sha256: str
    content: bytes | None
    """The bytes, for the members asked for (manifest, envelope, scan result)."""


class _Gunzip:
    """
    A file-like `read(n)` over the decompressed gzip stream, capped at `cap` bytes.
    """

    def __init__(self, raw: BinaryIO, cap: int) -> None:
        self._raw = raw
        self._cap = cap
        self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip wrapper: checks CRC-32 + size
        self._buf = b""
        self.total = 0
        if raw.read(2) != _GZIP_MAGIC:
            raise VerificationError("not a gzip file (a ccscan bundle is a .tar.gz)")
        self._pending = _GZIP_MAGIC

    def read(self, n: int = -1) -> bytes:
        out = bytearray()
        while n < 0 or len(out) < n:
            if not self._buf and not self._fill():
                break
            take = len(self._buf) if n < 0 else min(n - len(out), len(self._buf))
            out += self._buf[:take]
            self._buf = self._buf[take:]
        return bytes(out)

    def drain(self) -> None:
        """Read to the end, so the gzip trailer (CRC, length) is checked."""
        while self._fill():
            self._buf = b""

    def _fill(self) -> bool:
        while not self._buf:
            if self._d.eof:
                if self._d.unused_data or self._raw.read(1):
                    raise VerificationError("unexpected data after the end of the gzip stream")
                return False
            data = self._d.unconsumed_tail or self._pending or self._raw.read(_CHUNK)
            self._pending = b""
            if not data:
                raise VerificationError("truncated gzip stream (the bundle is incomplete)")
            try:
                self._buf = self._d.decompress(data, _CHUNK)
            except zlib.error as e:
                raise VerificationError(f"corrupt gzip data ({e})") from e
            self.total += len(self._buf)
            if self.total > self._cap:
                raise VerificationError(
                    f"decompressed bundle exceeds {self._cap} bytes (possible gzip bomb)"
                )
        return True


def check_name(name: str) -> None:
    """
    Raise VerificationError unless `name` is a plain relative path inside the archive.
    """
    if not name:
        raise VerificationError("member with an empty name")
    if _CONTROL.search(name):
        raise VerificationError(f"member name {name!r} contains control characters")
    if "\\" in name:
        raise VerificationError(f"member name {name!r} contains a backslash")
    if name.startswith("/") or _DRIVE.match(name):
        raise VerificationError(f"member name {name!r} is an absolute path")
    parts = name.split("/")
    if ".." in parts:
        raise VerificationError(f"member name {name!r} contains '..'")
    if any(p in ("", ".") for p in parts):
        raise VerificationError(f"member name {name!r} has an empty or '.' component")


def check_header(info: tarfile.TarInfo, limits: Limits) -> None:
    """
    Raise VerificationError unless `info` is a safe regular file within the size cap.
    """
    check_name(info.name)
    kind = _kind(info)
    if kind:
        raise VerificationError(f"member {info.name!r} is a {kind}, not a regular file")
    if info.size < 0 or info.size > limits.member_bytes:
        raise VerificationError(
            f"member {info.name!r} is {info.size} bytes, over the {limits.member_bytes}-byte cap"
        )


def _kind(info: tarfile.TarInfo) -> str:
    if info.type in (tarfile.REGTYPE, tarfile.AREGTYPE):
        return ""
    if info.issym():
        return "symbolic link"
    if info.islnk():
        return "hard link"
    if info.ischr() or info.isblk():
        return "device"
    if info.isdir():
        return "directory"
    if info.isfifo():
        return "FIFO"
    return f"special member (type {info.type!r})"


def _headers(f: BinaryIO, limits: Limits) -> Iterator[tuple[tarfile.TarFile, tarfile.TarInfo]]:
    """
    Yield each checked header of the tar stream in `f`; the caller may read the member's
    data before asking for the next. Raises VerificationError on the first problem.
    """
    f.seek(0)
    gz = _Gunzip(f, limits.total_bytes)
    seen: set[str] = set()
    total = 0
    try:
        with tarfile.open(fileobj=gz, mode="r|") as tar:  # type: ignore[call-overload]
            for info in tar:
                check_header(info, limits)
                folded = info.name.casefold()
                if folded in seen:
                    raise VerificationError(f"duplicate member {info.name!r}")
                seen.add(folded)
                total += info.size
                if len(seen) > limits.members:
                    raise VerificationError(f"more than {limits.members} members")
                if total > limits.total_bytes:
                    raise VerificationError(
                        f"members total more than {limits.total_bytes} bytes (possible gzip bomb)"
                    )
                yield tar, info
    except tarfile.TarError as e:
        raise VerificationError(f"not a valid tar archive ({e})") from e
    gz.drain()
    if not seen:
        raise VerificationError("the archive has no members")


def list_members(f: BinaryIO, limits: Limits) -> dict[str, int]:
    """
    Pass 1: check every header without keeping any data; return {name: size}.
    """
    return {info.name: info.size for _, info in _headers(f, limits)}


def read_members(
    f: BinaryIO, limits: Limits, keep: Callable[[str], bool]
) -> dict[str, MemberData]:
    """
    Pass 2: hash every member (re-checking each header); keep the content of those `keep`
    selects. Raises VerificationError when a member is shorter than its header says.
    """
    result: dict[str, MemberData] = {}
    for tar, info in _headers(f, limits):
        h, size = hashlib.sha256(), 0
        kept = bytearray() if keep(info.name) else None
        stream = tar.extractfile(info)
        assert stream is not None  # regular files always have a stream
        try:
            while chunk := stream.read(_CHUNK):
                h.update(chunk)
                size += len(chunk)
                if kept is not None:
                    kept += chunk
        except tarfile.TarError as e:
            raise VerificationError(f"member {info.name!r} is truncated ({e})") from e
        if size != info.size:
            raise VerificationError(f"member {info.name!r} is truncated")
        content = bytes(kept) if kept is not None else None
        result[info.name] = MemberData(info.name, size, h.hexdigest(), content)
    return result
