"""
Read a large whole-file JSON inventory without holding the document in memory.

`{"value": [...]}`, `{"data": [...]}`, snapshots, ARM arrays, AWS describe and Config outputs
keep their resources in one array; parsing the whole file first would hold every resource
at once (1M resources: ~10 GB). Here the file is read twice with ijson's C parser (yajl):

1. a skim over the parse events checks the rules of `jsonparse` (depth, NaN, overflowing
   numbers, lone surrogates), hashes the bytes, builds every top-level value except the big
   resource arrays, and counts their items;
2. the resources of the array the shape reads are then built one at a time.

The parser differs from `jsonparse` in two ways only (README "Large JSON files are
streamed"): an integer outside the signed 64-bit range is refused (the in-memory path reads
it as a float), and errors name a line but no column, in yajl's words.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from scanner.inventory import jsonparse

try:
    import ijson

    _backend: Any = ijson.get_backend("yajl2_c")
except (ImportError, ValueError):  # pragma: no cover - depends on the install
    _backend = None

BIG_KEYS = frozenset({"resources", "value", "data", "Reservations", "Volumes",
                      "configurationItems", "baseConfigurationItems", "Results"})
"""Top-level keys whose array holds the resources of some shape: these are not built in pass 1."""
BUF = 64 * 1024
_CANDIDATE = re.compile(rb"\\u[dD][89a-fA-F]")
_STRING = re.compile(rb'"(?:[^"\\\n]|\\.)*"')
_STARTS = frozenset({"start_map", "start_array"})
_ENDS = frozenset({"end_map", "end_array"})


def available() -> bool:
    """True when ijson's C backend is installed (otherwise large files are parsed in memory)."""
    return _backend is not None


class StreamError(ValueError):
    """A rule broken in a streamed file; `line` is 1-based where known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _Reader:
    """
    The file as ijson reads it: the BOM dropped, every byte hashed, escapes that may be
    UTF-16 surrogates noticed (yajl turns a lone one into `?`).
    """

    def __init__(self, f: IO[bytes]) -> None:
        self.f = f
        self.digest = hashlib.sha256()
        self.first = True
        self.candidate = False  # a `\ud8..`-`\udf..` escape somewhere: check surrogates
        self.blank = True  # nothing but whitespace read so far
        self._tail = b""

    def read(self, n: int = -1) -> bytes:
        data = self.f.read(n)
        self.digest.update(data)
        if not self.candidate and _CANDIDATE.search(self._tail + data):
            self.candidate = True
        self._tail = data[-6:]
        if self.blank and data.strip(b" \t\r\n\xef\xbb\xbf"):
            self.blank = False
        if self.first and data:  # ijson calls read(0) first, to see bytes from text
            self.first = False
            if data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
        return data


class Lazy(list):  # type: ignore[type-arg]
    """
    A big top-level array, in place of its items: iterating reads them from the file (pass 2).
    A list subclass, so that shape detection and the normalisers take it as the array it is.
    """

    def __init__(self, path: Path, prefix: str, count: int, digest: str) -> None:
        super().__init__()
        self.path = path
        self.prefix = prefix
        self.total = count
        self.digest = digest

    def __len__(self) -> int:
        return self.total

    def __bool__(self) -> bool:
        return self.total > 0

    def __iter__(self) -> Iterator[Any]:
        with self.path.open("rb") as f:
            reader = _Reader(f)
            seen = 0
            try:
                for item in _backend.items(reader, self.prefix, use_float=True, buf_size=BUF):
                    seen += 1
                    yield item
            except (ijson.JSONError, UnicodeDecodeError) as e:
                raise StreamError(f"file changed while being read ({_first_line(e)})") from None
            if seen != self.total or reader.digest.hexdigest() != self.digest:
                raise StreamError("file changed while being read (the second pass read other bytes)")

    def __getitem__(self, index: Any) -> Any:  # only detect() looks at item 0 of a top-level array
        if index != 0:
            raise TypeError("a streamed array is read in order only")
        for item in self:
            return item
        raise IndexError(index)


class Skim:
    """Result of pass 1: the document with its big arrays as `Lazy`, and the file's sha256."""

    def __init__(self, doc: Any, sha256: str, lazy_keys: list[str]) -> None:
        self.doc = doc
        self.sha256 = sha256
        self.lazy_keys = lazy_keys


def skim(path: Path, max_depth: int = jsonparse.MAX_DEPTH) -> Skim:
    """
    Pass 1 over `path`: check the rules, build the small top-level values; raise StreamError.
    """
    with path.open("rb") as f:
        reader = _Reader(f)
        try:
            doc, counts = _walk(_backend.parse(reader, use_float=True, buf_size=BUF), max_depth)
        except _TooDeep:
            raise StreamError(f"invalid JSON: nested deeper than {max_depth} levels (arrays/objects)",
                              _depth_line(path, max_depth)) from None
        except UnicodeDecodeError:
            # yajl's C backend fails on a lone low surrogate: find its line.
            line = _lone_surrogate_line(path) if reader.candidate else None
            raise StreamError("invalid JSON: a string holds a lone UTF-16 surrogate "
                              "(\\ud800-\\udfff) or is not text", line) from None
        except ijson.JSONError as e:
            if not reader.blank:
                raise _syntax(e, _error_line(path)) from None
            raise StreamError("empty file") from None
    if reader.candidate:
        line = _lone_surrogate_line(path)
        if line is not None:
            raise StreamError("invalid JSON: a string holds a lone UTF-16 surrogate (\\ud800-\\udfff), not text", line)
    sha = reader.digest.hexdigest()
    if isinstance(doc, dict):
        for key, n in counts.items():
            doc[key] = Lazy(path, f"{key}.item", n, sha)
    elif doc is _TOP_ARRAY:
        doc = Lazy(path, "item", counts[""], sha)
    return Skim(doc, sha, list(counts))


class _TooDeep(Exception):
    pass


_TOP_ARRAY = object()


def _walk(events: Iterator[tuple[str, str, Any]], max_depth: int) -> tuple[Any, dict[str, int]]:
    # Depth is checked on every event; values are built only outside the big arrays, whose
    # items are only counted (an item starts at each event seen at depth 2).
    depth = 0
    doc: Any = None
    counts: dict[str, int] = {}
    key = ""
    skipping = False
    builder: Any = None
    seen: set[str] = set()
    for _prefix, event, value in events:
        if event in _STARTS:
            depth += 1
            if depth > max_depth:
                raise _TooDeep
            if depth == 1:
                if event == "start_array":
                    doc, skipping, key = _TOP_ARRAY, True, ""
                    counts[""] = 0
                else:
                    doc = {}
                continue
            if depth == 2 and skipping and doc is _TOP_ARRAY:
                counts[""] += 1
                continue
            if depth == 2 and event == "start_array" and key in BIG_KEYS:
                skipping = True
                counts[key] = 0
                continue
            if depth == 3 and skipping and doc is not _TOP_ARRAY:
                counts[key] += 1
                continue
        elif event in _ENDS:
            depth -= 1
            if depth == 1 and skipping and doc is not _TOP_ARRAY:
                skipping = False
                continue
            if depth == 0:
                continue
        elif event == "map_key" and depth == 1:
            if value in BIG_KEYS and value in seen:
                # Pass 2 would read both arrays where the in-memory parser keeps the last one.
                raise StreamError(f"the top-level key {value!r} appears twice")
            seen.add(value)
            key = value
            continue
        elif depth == 0:  # a scalar document
            doc = value
            continue
        if skipping:
            if depth == (1 if doc is _TOP_ARRAY else 2) and event not in _ENDS:
                counts[key] += 1  # a scalar item
            continue
        # A small top-level value: built with ijson's builder, then stored under its key.
        if builder is None:
            builder = ijson.ObjectBuilder()
        builder.event(event, value)
        if depth == 1:
            doc[key] = builder.value
            builder = None
    return doc, counts


def _first_line(e: Exception) -> str:
    text = e.args[0] if e.args else str(e)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(text).strip().splitlines()[0] if str(text).strip() else type(e).__name__


_WORDS = {
    "invalid bytes in UTF8 string.": "not UTF-8 text",
    "premature EOF": "invalid JSON: truncated: the file ends inside the document",
    "integer overflow": "invalid JSON: an integer outside the 64-bit range (a streamed file "
                        "cannot hold one)",
    "numeric (floating point) overflow": "invalid JSON: a number too large for a double",
}


def _syntax(e: Exception, line: int | None) -> StreamError:
    message = _first_line(e).removeprefix("parse error: ").removeprefix("lexical error: ")
    at = _at_caret(e)
    for name in ("NaN", "Infinity", "-Infinity"):
        if at.startswith(name):  # as jsonparse words it
            return StreamError(f"invalid JSON: {name} is not a JSON number", line)
    if e.args and isinstance(e.args[0], bytes):  # ijson: the context is not UTF-8
        return StreamError("not UTF-8 text", line)
    return StreamError(_WORDS.get(message.strip(), f"invalid JSON: {message}"), line)


def _at_caret(e: Exception) -> str:
    # yajl's message: the words, a line of context, then `(right here) ------^` under it.
    text = e.args[0] if e.args else ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lines = str(text).splitlines()
    if len(lines) < 3 or "^" not in lines[2]:
        return ""
    return lines[1][max(lines[2].index("^") - 1, 0):]  # yajl points past the first character


def _error_line(path: Path) -> int | None:
    """
    The line of a syntax error: the file is parsed again, one line at a time (a token cannot
    span lines), until the parser fails. Only run once a file has been found broken.
    """
    sink = _Sink()
    coro = _backend.basic_parse_coro(sink, use_float=True)
    n, line = 0, b""
    try:
        for n, line in _lines(path):
            if n == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")
            coro.send(line)
    except (ijson.JSONError, UnicodeDecodeError):
        return max(n, 1)
    try:
        coro.close()
    except ijson.JSONError:  # the end of the file came too soon: the error is on its last line
        return n + 1 if line.endswith(b"\n") else max(n, 1)
    return None


class _Sink:
    """A coroutine target that drops events: `_error_line` only wants the failure."""

    def send(self, _event: Any) -> None:
        pass


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    # A JSON string cannot hold a raw newline, so every line starts outside a string: lines
    # can be tokenised one at a time.
    with path.open("rb") as f:
        yield from enumerate(f, 1)


def _depth_line(path: Path, max_depth: int) -> int | None:
    depth = 0
    for n, line in _lines(path):
        for m in jsonparse._TOKEN.finditer(line):
            tok = m.group()
            if tok in (b"[", b"{"):
                depth += 1
                if depth > max_depth:
                    return n
            elif tok in (b"]", b"}"):
                depth -= 1
    return None


def _lone_surrogate_line(path: Path) -> int | None:
    for n, line in _lines(path):
        if not _CANDIDATE.search(line):
            continue
        for m in _STRING.finditer(line):
            token = m.group()
            if _CANDIDATE.search(token) and _is_broken(token):
                return n
    return None


def _is_broken(token: bytes) -> bool:
    try:
        json.loads(token).encode("utf-8")
    except UnicodeEncodeError:
        return True
    except ValueError:
        return False  # not a whole string token: the parser has already accepted the file
    return False
