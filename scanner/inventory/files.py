"""
Read inventory files (JSON, or JSONL streamed line by line) into Resources.

Each problem is an InputError naming the file and, where known, the line: nothing is
half-read silently, and a file that matches no shape is an error, never an empty scan.
"""

from __future__ import annotations

import gc
import hashlib
import json
import mmap
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.inventory import jsonparse, jsonstream
from scanner.inventory.formats import FORMATS, ShapeError, canonical, detect, normalise
from scanner.inventory.resource import Resource
from scanner.settings import max_json_bytes, stream_json_bytes
from scanner.walk import find_files

INVENTORY_SUFFIXES = (".json", ".jsonl")
MAX_JSON_BYTES = 2 * 1024**3
"""A whole-file JSON inventory is parsed in memory: refuse anything larger (use JSONL).
CCSCAN_MAX_JSON_BYTES overrides it, read when a file is read (scanner.settings)."""
STREAM_JSON_BYTES = 64 * 1024**2
"""A whole-file JSON inventory larger than this is streamed (scanner.inventory.jsonstream), so
memory stays flat; smaller ones are parsed at once (faster). CCSCAN_STREAM_JSON_BYTES overrides it."""
MAX_LINE_BYTES = 64 * 1024**2
"""One JSONL record; a line longer than this is not a resource."""

def discover(paths: Sequence[Path]) -> list[Path]:
    """
    Return the inventory files under `paths` (directories recursively), in a stable order.
    """
    return find_files(paths, INVENTORY_SUFFIXES, "inventory", InputError)


def _parse(data: bytes, path: Path) -> Any:
    gc_was_enabled = gc.isenabled()
    gc.disable()  # parsing allocates millions of containers; the cyclic GC only slows it down
    try:
        return _loads(data, path)
    except MemoryError:
        raise _out_of_memory(path, len(data)) from None
    finally:
        if gc_was_enabled:
            gc.enable()


def _loads(data: bytes, path: Path, line: int | None = None) -> Any:
    # `line` is the JSONL line number: the error is reported there, not at line 1 of the record.
    try:
        return jsonparse.loads(data)
    except jsonparse.JsonError as e:
        where, col = (line, None) if line is not None else (e.line, e.col)
        prefix = "" if e.message.startswith("not UTF-8") else "invalid JSON: "
        raise InputError(prefix + e.message, path, where, col) from None


def _out_of_memory(path: Path, size: int) -> InputError:
    # Never "invalid JSON": the file may be fine, the machine too small for it.
    return InputError(f"out of memory reading this {size}-byte JSON document (write JSONL, or "
                      "lower CCSCAN_STREAM_JSON_BYTES so that it is streamed)", path)


class InventoryFile:
    """
    One inventory file. Iterating yields its resources (JSONL streams); afterwards `sha256`,
    `count`, `format` and `incomplete` (from a snapshot header) are set.
    """

    def __init__(self, path: Path, input_format: str = "auto") -> None:
        if input_format != "auto" and input_format not in FORMATS:
            raise InputError(f"unknown input format {input_format!r} (choose from {', '.join(FORMATS)})")
        self.path = path
        self.input_format = input_format
        self.sha256 = ""
        self.count = 0
        self.format = input_format
        self.header: dict[str, Any] = {}
        self.incomplete: list[dict[str, str]] = []

    def __iter__(self) -> Iterator[Resource]:
        if self.path.suffix.lower() == ".jsonl":
            yield from self._read_jsonl()
        else:
            yield from self._read_json()

    def _resource(self, doc: Any, line: int | None) -> Resource:
        if not isinstance(doc, dict):
            raise InputError(f"resource #{self.count + 1} is not a JSON object", self.path, line)
        for key in ("id", "type"):
            if not isinstance(doc.get(key), str) or not doc[key]:
                raise InputError(f"resource #{self.count + 1} has no {key!r}", self.path, line)
        self.count += 1
        return Resource(doc, self.display or str(self.path), line)

    display: str | None = None
    """The name findings give as their source, when not the path (standard input: `-`)."""

    def _read_json(self) -> Iterator[Resource]:
        try:
            size = self.path.stat().st_size
        except OSError as e:
            raise InputError(f"cannot read file: {e.strerror or e}", self.path) from None
        if size > stream_json_bytes(STREAM_JSON_BYTES) and jsonstream.available():
            yield from self._read_streamed(size)
            return
        try:
            if size > (limit := max_json_bytes(MAX_JSON_BYTES)):
                raise InputError(
                    f"file is {size} bytes, over the {limit}-byte limit for one JSON "
                    "document (write JSONL, or raise CCSCAN_MAX_JSON_BYTES)", self.path)
            data = self.path.read_bytes()
        except OSError as e:
            raise InputError(f"cannot read file: {e.strerror or e}", self.path) from None
        if not data.strip():
            raise InputError("empty file", self.path)
        self.sha256 = hashlib.sha256(data).hexdigest()
        parsed = _parse(data, self.path)
        shape = self._shape_of(parsed)
        self.format = shape
        yield from self._normalised(shape, parsed, _LineFinder(data))

    def _normalised(self, shape: str, parsed: Any, lines: _LineFinder) -> Iterator[Resource]:
        docs = normalise(shape, parsed)
        while True:
            try:
                doc = next(docs, None)
            except ShapeError as e:
                raise InputError(f"not an inventory: resource #{self.count + 1}: {e}",
                                 self.path) from None
            except jsonstream.StreamError as e:
                raise InputError(e.message, self.path, e.line) from None
            if doc is None:
                break
            yield self._resource(doc, lines.find(doc.get("id")))

    def _read_streamed(self, size: int) -> Iterator[Resource]:
        if size == 0:
            raise InputError("empty file", self.path)
        try:
            skimmed = jsonstream.skim(self.path)
        except jsonstream.StreamError as e:
            raise InputError(e.message, self.path, e.line) from None
        except MemoryError:
            raise _out_of_memory(self.path, size) from None
        except OSError as e:
            raise InputError(f"cannot read file: {e.strerror or e}", self.path) from None
        if skimmed.doc is None:
            raise InputError("empty file", self.path)
        self.sha256 = skimmed.sha256
        parsed = skimmed.doc
        try:
            shape = self._shape_of(parsed)
        except jsonstream.StreamError as e:
            raise InputError(e.message, self.path, e.line) from None
        self.format = shape
        if isinstance(parsed, dict):
            # Only the array the shape reads stays lazy; any other big array is read in full,
            # as the in-memory path would (a header or an unknown shape may look at it).
            keep = _streamed_key(shape, parsed)
            for key in skimmed.lazy_keys:
                if key != keep:
                    parsed[key] = self._materialised(parsed[key])
        elif isinstance(parsed, list) and shape not in _TOP_ARRAY_SHAPES:
            parsed = self._materialised(parsed)  # a shape that may index its array
        with self.path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            try:
                yield from self._normalised(shape, parsed, _LineFinder(_Mapped(mm)))  # type: ignore[arg-type]
            except MemoryError:
                raise _out_of_memory(self.path, size) from None

    def _materialised(self, lazy: list[Any]) -> list[Any]:
        try:
            return [*lazy]
        except jsonstream.StreamError as e:
            raise InputError(e.message, self.path, e.line) from None

    def _shape_of(self, parsed: Any) -> str:
        """The detected (or forced) shape; a snapshot's header is taken on the way."""
        try:
            shape = detect(parsed) if self.input_format == "auto" else self.input_format
            if shape == "snapshot":
                self._take_header(parsed)
        except ShapeError as e:
            raise InputError(f"not an inventory: {e}", self.path) from None
        return shape

    def _take_header(self, header: Any) -> None:
        if not isinstance(header, dict):  # `--input-format snapshot` forced on an array
            raise ShapeError(f"a snapshot is a JSON object with a header, not a {type(header).__name__}")
        self.header = {k: v for k, v in header.items() if k != "resources"}
        incomplete = header.get("incomplete") or []
        if not isinstance(incomplete, list):
            raise ShapeError("snapshot header 'incomplete' must be a list")
        for n, i in enumerate(incomplete):
            # Dropping an entry would turn an incomplete scan (exit 3) into a clean one.
            if not isinstance(i, dict):
                raise ShapeError(f"snapshot header 'incomplete' entry #{n + 1} must be an object "
                                 f"with scope and reason, not a JSON {type(i).__name__}")
        self.incomplete = [
            {"scope": str(i.get("scope", "")), "reason": str(i.get("reason", ""))}
            for i in incomplete
        ]

    def _read_jsonl(self) -> Iterator[Resource]:
        digest = hashlib.sha256()
        self.format = "jsonl"
        try:
            f = self.path.open("rb")
        except OSError as e:
            raise InputError(f"cannot read file: {e.strerror or e}", self.path) from None
        with f:
            yield from self.jsonl_records(_hashed_lines(f, digest), seen_any=False)
        if not self.format_seen_any:
            raise InputError("empty file", self.path)
        self.sha256 = digest.hexdigest()

    format_seen_any = False
    """After `jsonl_records`: whether any non-blank line was read (a header counts)."""

    def jsonl_records(self, lines: Iterable[tuple[int, bytes]], seen_any: bool) -> Iterator[Resource]:
        """
        The resources of JSONL `lines` ((line number, raw line) pairs, in order); `seen_any`
        says whether a non-blank line came before them (only the first can be a header).
        Shared by the whole-file read and the workers' chunks (scanner.parallel).
        """
        source = self.display or str(self.path)
        for lineno, raw in lines:
            if len(raw) > MAX_LINE_BYTES:
                raise InputError(f"line longer than {MAX_LINE_BYTES} bytes", self.path, lineno)
            if raw[:1] != b"{" and not raw.strip():  # a record's first byte spares the copy
                continue
            try:
                obj = _loads(raw, self.path, lineno)
            except InputError:
                if not raw.endswith(b"\n"):
                    raise InputError("truncated JSON at the end of the file (incomplete last record)",
                                     self.path, lineno) from None
                raise
            if not seen_any and isinstance(obj, dict) and "ccscan_snapshot" in obj:
                seen_any = self.format_seen_any = True
                self.format = "snapshot"
                try:
                    self._take_header(obj)
                except ShapeError as e:
                    raise InputError(str(e), self.path, lineno) from None
                continue
            seen_any = self.format_seen_any = True
            try:
                doc = canonical(obj, owned=True)  # parsed for this line alone: no copy
            except (ShapeError, KeyError, TypeError, AttributeError) as e:
                raise InputError(f"not a resource: {e}", self.path, lineno) from None
            rid, rtype = doc.get("id"), doc.get("type")
            if type(rid) is str and type(rtype) is str and rid and rtype:  # _resource's checks, inlined
                self.count += 1
                yield Resource(doc, source, lineno)
            else:
                yield self._resource(doc, lineno)  # raises, naming the field


def _hashed_lines(f: Any, digest: Any) -> Iterator[tuple[int, bytes]]:
    lineno = 0
    while True:
        raw = f.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        lineno += 1
        digest.update(raw)
        yield lineno, raw


_ARRAY_OF = {"snapshot": "resources", "arm-list": "value", "resource-graph": "data",
             "aws-ec2-instances": "Reservations", "aws-ec2-volumes": "Volumes"}


_TOP_ARRAY_SHAPES = frozenset({"arm", "az-cli", "aws-config"})
"""Shapes whose normaliser only iterates a top-level array (it may stay streamed)."""


def _streamed_key(shape: str, doc: dict[str, Any]) -> str | None:
    """The top-level key whose array the normaliser of `shape` iterates (None: none, or unknown)."""
    if shape == "aws-config":
        # As formats._config chooses: the first of these that holds anything.
        return next((k for k in ("configurationItems", "baseConfigurationItems", "Results")
                     if doc.get(k)), None)
    return _ARRAY_OF.get(shape)


class _LineFinder:
    """
    Find the line of each resource in a pretty-printed JSON file by its id, scanning forward
    (resources appear in file order), so SARIF and table output can point at them.

    An id need not be in the file literally: it may be written with `\\/` or `\\uXXXX`
    escapes, or be an ARN that a loader built (then its last part, the instance or volume
    id, is in the file). Each spelling is tried, the one that worked last time first. A
    search that fails reads to the end of the file, so failures share a budget of eight times
    the file's size (one per spelling): past it, resources get no line, and reading stays
    linear (bench/linefinder.py).
    """

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offset = 0
        self.line = 1
        self.multiline = data.count(b"\n", 0, 65536) > 1
        self.budget = 8 * len(data)
        self.prefer = 0

    def find(self, rid: Any) -> int | None:
        if not self.multiline or not isinstance(rid, str) or self.budget <= 0:
            return None
        tried: set[bytes] = set()
        for i in (self.prefer, *(i for i in range(_SPELLINGS) if i != self.prefer)):
            needle = _spelling(rid, i)  # one at a time: the preferred one nearly always hits
            if needle in tried:
                continue
            tried.add(needle)
            at = self.data.find(needle, self.offset)
            if at >= 0:
                self.prefer = i
                self.line += self.data.count(b"\n", self.offset, at)
                self.offset = at
                return self.line
            self.budget -= len(self.data) - self.offset
            if self.budget <= 0:
                return None
        return None


_SPELLINGS = 8


class _Mapped:
    """
    A memory-mapped file as `_LineFinder` reads it (find, count, len); the pages behind the
    finder are dropped as it moves on, so a streamed file is not kept resident as it is read.
    """

    _DROP = 64 * 1024**2

    def __init__(self, mm: mmap.mmap) -> None:
        self.mm = mm
        self.dropped = 0

    def __len__(self) -> int:
        return len(self.mm)

    def find(self, needle: bytes, start: int) -> int:
        return self.mm.find(needle, start)

    def count(self, sub: bytes, start: int, end: int) -> int:
        if start - self.dropped > self._DROP and hasattr(mmap, "MADV_DONTNEED"):
            upto = start - start % mmap.PAGESIZE
            self.mm.madvise(mmap.MADV_DONTNEED, self.dropped, upto - self.dropped)
            self.dropped = upto
        return self.mm[start:end].count(sub)


def _spelling(rid: str, i: int) -> bytes:
    """
    Spelling `i` of `rid` (or, for an ARN, of its last part) in a JSON file: the id or its
    last part, escaped to ASCII or raw UTF-8, with `/` as is or as `\\/`.
    """
    key_first = not rid.startswith("arn:")
    key = rid if (i < 4) == key_first else rid.rsplit("/", 1)[-1]
    text = json.dumps(key, ensure_ascii=not i & 1)
    return (text.replace("/", "\\/") if i & 2 else text).encode()


def read_inventories(paths: Sequence[Path], input_format: str = "auto") -> list[InventoryFile]:
    """Return an InventoryFile per file under `paths` (not yet read); `-` is standard input, first."""
    from scanner.inventory.stdin import StdinInventory, is_stdin

    if sum(is_stdin(p) for p in paths) > 1:
        raise InputError("standard input can be read only once: give `-` once", "-")
    first: list[InventoryFile] = [StdinInventory(input_format) for p in paths if is_stdin(p)]
    rest = [p for p in paths if not is_stdin(p)]
    return [*first, *(InventoryFile(p, input_format) for p in discover(rest))] if rest else first
