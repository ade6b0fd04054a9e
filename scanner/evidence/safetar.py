"""
Reading an untrusted `.tar.gz` without trusting it.

Nothing is ever extracted to disk. Decompression streams through a byte cap (gzip bombs),
the gzip trailer must be present and correct (truncation), and every tar header is checked
before a byte of its member is read: regular files only (no links, devices, directories),
safe relative names (no absolute paths, `..`, backslashes, control characters, duplicates,
case-only duplicates), per-member and total size caps, and a member count cap. Extended
(PAX/GNU long-name) headers are capped before tarfile reads them, and nothing may follow the
end-of-archive marker but zero padding: a second tar or trailing bytes are refused, not ignored.

`check_name` and `name_key` are also what the writer uses, so a bundle ccscan writes always
passes its own verifier.
"""

from __future__ import annotations

import hashlib
import re
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from scanner.evidence.errors import VerificationError

_CHUNK = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"
_DRIVE = re.compile(r"^[A-Za-z]:")
# C0, DEL and C1 (0x9b is a one-byte CSI): none belongs in a name shown on a terminal
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
NAME_BYTES = 1024
"""Longest member name (UTF-8 bytes) either side accepts."""
_EXTENDED = (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE,
             tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK)
_CHAIN = 4
# not in typeshed's tarfile stubs, but stable since Python 3.2
_EOF_HEADER: type[Exception] = getattr(tarfile, "EOFHeaderError")  # noqa: B009
_EMPTY_HEADER: type[Exception] = getattr(tarfile, "EmptyHeaderError")  # noqa: B009
"""Most extended headers in a row before one member (tarfile recurses per header)."""


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
    header_bytes: int = 1 << 20
    """Largest PAX/GNU extended header; tarfile reads one whole into memory."""


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
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:  # tarfile decodes undecodable bytes to lone surrogates
        raise VerificationError(f"member name {name!r} is not valid UTF-8") from None
    if size > NAME_BYTES:
        raise VerificationError(f"member name {name[:60]!r}… is over {NAME_BYTES} bytes")
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


def name_key(name: str) -> str:
    """
    Return the key under which two member names count as the same (case-insensitive, as on
    macOS and Windows: extracting both there would let one overwrite the other).
    """
    return name.casefold()


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
        with tarfile.open(  # type: ignore[call-overload]
            fileobj=gz, mode="r|", tarinfo=_checked_tarinfo(limits)
        ) as tar:
            for info in tar:
                check_header(info, limits)
                folded = name_key(info.name)
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
            _check_end(tar)
    except tarfile.TarError as e:
        raise VerificationError(f"not a valid tar archive ({e})") from e
    gz.drain()
    if not seen:
        raise VerificationError("the archive has no members")


def _checked_tarinfo(limits: Limits) -> type[tarfile.TarInfo]:
    """
    A TarInfo that refuses oversized or chained extended headers before tarfile reads them,
    and turns every header problem into an error (tarfile itself silently stops at garbage
    after the first member, which would hide everything behind it).
    """

    class CheckedTarInfo(tarfile.TarInfo):
        @classmethod
        def fromtarfile(cls, tar: tarfile.TarFile) -> Any:
            try:
                return super().fromtarfile(tar)
            except _EOF_HEADER:
                tar._ccscan_end = True  # type: ignore[attr-defined]  # a zero block: the end
                raise
            except _EMPTY_HEADER:
                raise VerificationError("the tar archive has no end-of-archive marker") from None
            except tarfile.HeaderError as e:
                raise VerificationError(f"not a valid tar archive (bad header: {e})") from None

        def _proc_member(self, tar: tarfile.TarFile) -> tarfile.TarInfo:
            chain = getattr(tar, "_ccscan_chain", 0)
            if self.type in _EXTENDED:
                if self.size > limits.header_bytes:
                    raise VerificationError(
                        f"extended tar header of {self.size} bytes, over the "
                        f"{limits.header_bytes}-byte cap"
                    )
                if chain >= _CHAIN:
                    raise VerificationError(f"more than {_CHAIN} extended tar headers in a row")
                tar._ccscan_chain = chain + 1  # type: ignore[attr-defined]
            elif self.type == tarfile.GNUTYPE_SPARSE:
                raise VerificationError(f"member {self.name!r} is a sparse file")
            else:
                tar._ccscan_chain = 0  # type: ignore[attr-defined]
            return super()._proc_member(tar)  # type: ignore[misc]

    return CheckedTarInfo


def _check_end(tar: tarfile.TarFile) -> None:
    """
    After the last member: the end-of-archive marker (two zero blocks) and then only zero
    padding. A second archive or any other byte after the marker is refused.
    """
    if not getattr(tar, "_ccscan_end", False):
        raise VerificationError("the tar archive has no end-of-archive marker")
    zeros = 0
    stream = tar.fileobj
    assert stream is not None
    while chunk := stream.read(_CHUNK):
        if chunk.count(0) != len(chunk):
            raise VerificationError(
                "data after the tar end-of-archive marker (a second archive or trailing bytes)"
            )
        zeros += len(chunk)
    if zeros < tarfile.BLOCKSIZE:  # the first zero block was read as the end; POSIX wants two
        raise VerificationError("the tar end-of-archive marker is cut short")


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
