"""
Field paths (`properties.rules[*].port`): parsing once, and fast getters built from them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class _Missing:
    """The value of an absent (or JSON null) field; distinct from every real value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"

    def __reduce__(self) -> str:
        return "MISSING"  # unpickles as this module's singleton: compared with `is`


MISSING: Any = _Missing()


class _Each:
    """The `[*]` step: a singleton that survives pickling (relation index keys hold path steps
    and travel to Dask workers, where a copy would match no key)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "[*]"

    def __reduce__(self) -> str:
        return "EACH"


EACH: Any = _Each()
"""The `[*]` step."""

_SEGMENT = re.compile(r"""([^.\[\]'"]+)|\['([^']*)'\]|\[(\*|[0-9]{1,9})\]|(\.)""")

MAX_PATH_STEPS = 32
"""Keys, indexes and `[*]`s in one path; real ARM/AWS paths use under 10."""
MAX_PATH_CHARS = 1024
"""Characters in one path: longer is a mistake (or an attack on the parser's budget)."""


class PathSyntaxError(ValueError):
    """A field path that does not parse; the message says where."""


_JSON_TYPES = {dict: "an object", str: "a string", bool: "a boolean", int: "a number", float: "a number"}


class NotAnArray(Exception):
    """
    A `[*]` or `[N]` step met a present value that is not an array.

    The engine maps it to `unknown`: evidence of the wrong shape proves nothing, and treating
    it as "no elements" would let `not`, negated operators and `count ... equals 0` pass.
    """

    def __init__(self, steps: tuple[Any, ...], observed: Any) -> None:
        self.path = steps_text(steps)
        self.observed_type = _JSON_TYPES.get(type(observed), type(observed).__name__)
        super().__init__(f"{self.path} is {self.observed_type}, not an array")


def steps_text(steps: tuple[Any, ...]) -> str:
    """Path text for steps: ('a', EACH, 'b', 0) -> `a[*].b[0]`."""
    out = ""
    for s in steps:
        if s is EACH:
            out += "[*]"
        elif isinstance(s, int):
            out += f"[{s}]"
        elif _SIMPLE_KEY.fullmatch(s):
            out += ("." if out else "") + s
        else:
            out += f"['{s}']"
    return out or "(the element)"


_SIMPLE_KEY = re.compile(r"[^.\[\]'\"]+")


@dataclass(frozen=True, slots=True)
class FieldPath:
    """
    A parsed path: a tuple of steps, each a key (str), an index (int) or EACH.
    """

    text: str
    steps: tuple[Any, ...]

    @property
    def has_each(self) -> bool:
        return EACH in self.steps

    @property
    def last_key(self) -> str | None:
        for step in reversed(self.steps):
            if isinstance(step, str):
                return step
        return None


def parse_path(text: str) -> FieldPath:
    """
    Parse `a.b[*].c`, `tags['cost.center']`, `a[0].b`; raise PathSyntaxError if malformed.
    """
    if not isinstance(text, str) or not text.strip():
        raise PathSyntaxError("a field path must be a non-empty string")
    if len(text) > MAX_PATH_CHARS:
        raise PathSyntaxError(f"field path is {len(text)} characters long, over the {MAX_PATH_CHARS} limit")
    steps: list[Any] = []
    pos = 0
    expect_key = True
    while pos < len(text):
        m = _SEGMENT.match(text, pos)
        if not m:
            raise PathSyntaxError(f"bad field path {text!r} at character {pos + 1}")
        key, quoted, bracket, dot = m.groups()
        if dot:
            if expect_key:
                raise PathSyntaxError(f"bad field path {text!r}: empty segment")
            expect_key = True
        elif key is not None or quoted is not None:
            if not expect_key and key is not None:
                raise PathSyntaxError(f"bad field path {text!r}: missing '.' before {key!r}")
            steps.append(key if key is not None else quoted)
            expect_key = False
        else:
            if not steps:
                raise PathSyntaxError(f"bad field path {text!r}: '[{bracket}]' needs a name before it")
            steps.append(EACH if bracket == "*" else int(bracket))
            expect_key = False
        if len(steps) > MAX_PATH_STEPS:
            raise PathSyntaxError(f"field path {text[:60]!r}... has more than {MAX_PATH_STEPS} segments")
        pos = m.end()
    if expect_key:
        raise PathSyntaxError(f"bad field path {text!r}: ends with '.'")
    return FieldPath(text, tuple(steps))


def _ci_get(d: dict, key: str) -> Any:
    # ARM property names are case-insensitive; a miss retries without case. Most misses are
    # absent keys: `in` over a C-level map of lower-cased keys answers those without a Python
    # loop (3-4x cheaper); only a key present in another case walks the items.
    low = key.lower()
    try:
        if low not in map(str.lower, d):
            return MISSING
    except TypeError:  # a key that is not a string (not from JSON): the loop copes
        pass
    for k, v in d.items():
        if isinstance(k, str) and k.lower() == low:
            return v
    return MISSING


def _step(value: Any, step: Any, steps: tuple[Any, ...], i: int) -> Any:
    if isinstance(step, str):
        if not isinstance(value, dict):
            return MISSING
        v = value.get(step, MISSING)
        if v is MISSING:
            v = _ci_get(value, step)
        return MISSING if v is None else v
    if not isinstance(value, list):
        raise NotAnArray(steps[:i], value)
    if -len(value) <= step < len(value):
        v = value[step]
        return MISSING if v is None else v
    return MISSING


def getter(steps: tuple[Any, ...], prefix: tuple[Any, ...] = ()) -> Callable[[Any], Any]:
    """
    Return `get(doc) -> value | MISSING` for a path without `[*]`.

    `prefix` is where `doc` stands (an array element's path), for NotAnArray messages.
    """
    if all(isinstance(s, str) for s in steps):
        keys = steps

        def get_keys(doc: Any) -> Any:
            # The hot path of every evaluation: a plain subscript per key; misses (KeyError)
            # and non-mappings (TypeError) are the rare, slower branch.
            v = doc
            for k in keys:
                try:
                    v = v[k]
                except KeyError:
                    v = _ci_get(v, k)
                except (TypeError, IndexError):
                    return MISSING
                if v is None or v is MISSING:
                    return MISSING
            return v

        return _direct(keys, get_keys)

    full = prefix + steps

    def get(doc: Any) -> Any:
        v = doc
        for i, s in enumerate(steps):
            v = _step(v, s, full, len(prefix) + i)
            if v is MISSING:
                return MISSING
        return v

    return get


def _direct(keys: tuple[str, ...], walk: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """
    `walk` (get_keys) with its loop unrolled for paths of one to four keys, most policy
    paths: one chained subscript when every key is there as written (~2x cheaper); any
    miss, None or non-mapping on the way falls back to `walk`, which decides as before
    (case-insensitive retry, MISSING).
    """
    misses = (KeyError, TypeError, IndexError)
    if len(keys) == 1:
        (a,) = keys

        def get1(doc: Any) -> Any:
            try:
                v = doc[a]
            except misses:
                return walk(doc)
            return MISSING if v is None else v

        return get1
    if len(keys) == 2:
        a, b = keys

        def get2(doc: Any) -> Any:
            try:
                v = doc[a][b]
            except misses:
                return walk(doc)
            return MISSING if v is None else v

        return get2
    if len(keys) == 3:
        a, b, c = keys

        def get3(doc: Any) -> Any:
            try:
                v = doc[a][b][c]
            except misses:
                return walk(doc)
            return MISSING if v is None else v

        return get3
    if len(keys) == 4:
        a, b, c, d = keys

        def get4(doc: Any) -> Any:
            try:
                v = doc[a][b][c][d]
            except misses:
                return walk(doc)
            return MISSING if v is None else v

        return get4
    return walk


def multi_getter(steps: tuple[Any, ...], prefix: tuple[Any, ...] = ()) -> Callable[[Any], Any]:
    """
    Return `get(doc) -> list | MISSING` for a path with `[*]`: the values at every element
    (MISSING where an element lacks the rest of the path); MISSING when an array is absent.

    Raises NotAnArray when a value at a `[*]` is present but not a list.
    """
    i = steps.index(EACH)
    head, rest = getter(steps[:i], prefix), steps[i + 1 :]
    below = prefix + steps[: i + 1]
    tail = multi_getter(rest, below) if EACH in rest else (getter(rest, below) if rest else None)
    nested = EACH in rest
    where = prefix + steps[:i]

    def get(doc: Any) -> Any:
        arr = head(doc)
        if not isinstance(arr, list):
            if arr is MISSING or arr is None:
                return MISSING
            raise NotAnArray(where, arr)
        if tail is None:
            return [MISSING if v is None else v for v in arr]
        out: list[Any] = []
        for el in arr:
            v = tail(el)
            if nested:
                if v is not MISSING:
                    out.extend(v)
            else:
                out.append(v)
        return out

    return get


def split_prefix(path: FieldPath) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """
    Split `a.b[*].c` at its first `[*]`: (('a','b'), ('c',)).
    """
    i = path.steps.index(EACH)
    return path.steps[:i], path.steps[i + 1 :]
