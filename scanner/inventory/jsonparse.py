"""
Parse untrusted JSON the same way with orjson (the `fast` extra) and without it.

Both parsers are held to one set of rules, so a core install and a fast one read every
file alike (README "Input files: limits and parser parity"):

- nesting deeper than MAX_DEPTH is refused (json would hit Python's recursion limit,
  orjson its own 1024; everything downstream recurses over documents, so depth is bounded
  once, here, at load);
- NaN, Infinity and numbers too large for a double are refused (json accepts them);
- a lone UTF-16 surrogate escape (`"\\ud800"`) is refused (json accepts it);
- integers outside the 64-bit range become the nearest float, as orjson reads them;
- a duplicate key keeps its last value, as both parsers do (RFC 8259 leaves it open);
- a UTF-8 byte order mark at the start is allowed.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64
"""Deepest nesting of arrays/objects accepted; real ARM/AWS documents stay under 20."""
_LOCATE_LIMIT = 64 * 1024**2
"""Only documents up to this size get a line for a depth error (the locator is pure Python)."""

_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1
_MAYBE_SURROGATE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)
_BARE = re.compile(r'"(?:[^"\\]|\\.)*"|[^\s"\[\]{},:]+', re.DOTALL)
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)

try:
    import orjson

    _fast: Any = orjson.loads
except ImportError:  # pragma: no cover - depends on the install
    _fast = None


class JsonError(ValueError):
    """
    A document that is not JSON under the rules above; `line`/`col` are 1-based where known.
    """

    def __init__(self, message: str, line: int | None = None, col: int | None = None,
                 token: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col
        self.token = token
        """The literal a parse hook refused, so that `_slow` can find its line."""


def _refuse_constant(name: str) -> Any:
    raise JsonError(f"{name} is not a JSON number", token=name)


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise JsonError(f"number {text[:20]}… is too large for a double", token=text)
    return value


def _int(text: str) -> int | float:
    # Beyond 64 bits orjson yields a float; so does this, for parity (and no 4300-digit limit).
    if len(text) <= 19:
        return int(text)
    value = int(text) if len(text) <= 21 else None
    if value is not None and _INT_MIN <= value <= _INT_MAX:
        return value
    return _float(text)


_decoder = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_float, parse_int=_int)


def loads(data: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """
    Return the parsed document; raise JsonError (with line and column) when it breaks a rule.
    """
    if _fast is None:
        return _slow(_text(data), max_depth)
    if isinstance(data, bytes):
        raw: bytes | str = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    else:
        raw = data.removeprefix("\ufeff")
    try:
        doc = _fast(raw)
    except ValueError as fast_error:
        # Re-parse with json to give the same message and line as a core install would;
        # should json accept what orjson refused, orjson's own words are reported.
        try:
            _slow(_text(data), max_depth)
        except JsonError as e:
            raise e from None
        raise JsonError(getattr(fast_error, "msg", str(fast_error)),
                        getattr(fast_error, "lineno", None),
                        getattr(fast_error, "colno", None)) from None
    _check_depth(doc, raw, max_depth)
    return doc


def _text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise JsonError(f"not UTF-8 text (byte 0x{data[e.start]:02x})", line) from None


def _slow(text: str, max_depth: int) -> Any:
    try:
        doc = _decoder.decode(text)
    except json.JSONDecodeError as e:
        raise JsonError(e.msg, e.lineno, e.colno) from None
    except JsonError as e:
        raise JsonError(e.message, *_token_position(text, e.token)) from None
    except RecursionError:
        raise _too_deep(text, max_depth) from None
    _check_depth(doc, text, max_depth)
    if _MAYBE_SURROGATE.search(text) and _has_lone_surrogate(doc):
        raise JsonError("a string holds a lone UTF-16 surrogate (\\ud800-\\udfff), not text",
                        _surrogate_line(text))
    return doc


def _token_position(text: str, token: str) -> tuple[int | None, int | None]:
    if len(text) <= _LOCATE_LIMIT:
        for m in _BARE.finditer(text):
            if m.group() == token:
                line = text.count("\n", 0, m.start()) + 1
                return line, m.start() - text.rfind("\n", 0, m.start())
    return None, None


def _check_depth(doc: Any, raw: bytes | str, max_depth: int) -> None:
    # Fewer `[`/`{` in the text than the limit (most JSONL records) cannot nest deeper than it.
    if isinstance(raw, bytes):
        # one pass in C (deleting the openers) costs half of two `count` passes, per record
        openers = len(raw) - len(raw.translate(None, b"[{"))
    else:
        openers = raw.count("[") + raw.count("{")
    if openers <= max_depth:
        return
    # Level by level, without recursion: the check must not itself hit the recursion limit.
    level = [doc] if isinstance(doc, (dict, list)) else []
    depth = 0
    while level:
        depth += 1
        if depth > max_depth:
            raise _too_deep(raw, max_depth)
        nxt = []
        for node in level:
            for child in node.values() if isinstance(node, dict) else node:
                if isinstance(child, (dict, list)):
                    nxt.append(child)
        level = nxt


def _too_deep(raw: bytes | str, max_depth: int) -> JsonError:
    return JsonError(f"nested deeper than {max_depth} levels (arrays/objects)",
                     _depth_line(raw, max_depth))


def _depth_line(raw: bytes | str, max_depth: int) -> int | None:
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if len(data) > _LOCATE_LIMIT:
        return None
    depth = 0
    for m in _TOKEN.finditer(data):
        tok = m.group()
        if tok in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                return data.count(b"\n", 0, m.start()) + 1
        elif tok in (b"]", b"}"):
            depth -= 1
    return None


def _has_lone_surrogate(doc: Any) -> bool:
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if _is_broken(node):
                return True
        elif isinstance(node, dict):
            for k, v in node.items():
                if _is_broken(k):
                    return True
                stack.append(v)
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _is_broken(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _surrogate_line(text: str) -> int | None:
    # Walk the escapes in order (an escaped backslash followed by `ud800` is no surrogate):
    # a high surrogate must be followed at once by a low one.
    pending = pending_end = -1
    for m in _ESCAPE.finditer(text):
        code = int(m.group(1), 16) if m.group(1) else -1
        if pending >= 0:
            if 0xDC00 <= code <= 0xDFFF and m.start() == pending_end:
                pending = -1
                continue
            break
        if 0xD800 <= code <= 0xDBFF:
            pending, pending_end = m.start(), m.end()
        elif 0xDC00 <= code <= 0xDFFF:
            pending = m.start()
            break
    return text.count("\n", 0, pending) + 1 if pending >= 0 else None
