"""
The resource types ccscan knows and the property paths each may have, for `lint` and `test`.

The index (`index.json.gz`, written by `python -m scanner.typeindex.generate`) is a table of
shapes: each maps a key to a ref, where a ref is a primitive code (`s` string, `b` boolean,
`i` integer, `n` number, `t` timestamp, `a` anything), a shape number, `["L", ref]` (array)
or `["M", ref]` (open-ended map: any key). It is read on first use only, so `--help` and
`scan` never pay for it.

Case: ARM type and property names compare case-insensitively (ARM does); AWS describe shapes
are case-sensitive, so an AWS path that matches only when case is ignored is reported.
"""

from __future__ import annotations

import difflib
import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["KIND_NAMES", "PathCheck", "TypeIndex", "load_index"]

INDEX_FILE = Path(__file__).with_name("index.json.gz")

KIND_NAMES = {"s": "string", "b": "boolean", "i": "integer", "n": "number", "t": "timestamp",
              "a": "any value", "object": "object", "array": "array", "map": "map"}

EACH_STEP = "[*]"
"""How callers spell an array step (`[*]` or an index) when they pass plain steps."""


@dataclass(frozen=True, slots=True)
class PathCheck:
    """
    The verdict on one path for one type.
    """

    ok: bool
    kind: str = "a"
    """What the path holds: a primitive code, `object`, `array` or `map` (see KIND_NAMES)."""
    open: bool = False
    """The path runs into an open-ended map or an untyped value, so it cannot be checked."""
    problem: str = ""
    """Why it is not a path of the type, in words."""
    suggestion: str | None = None
    """A full path the author probably meant."""
    case_only: str | None = None
    """(AWS) the path exists with this spelling; it matched only case-insensitively."""


def _kind(ref: Any) -> str:
    if isinstance(ref, int):
        return "object"
    if isinstance(ref, list):
        return "array" if ref[0] == "L" else "map"
    return str(ref)


def _render(steps: list[Any]) -> str:
    out = ""
    for s in steps:
        if s == EACH_STEP or isinstance(s, int):
            out += "[*]" if s == EACH_STEP else f"[{s}]"
        else:
            out += ("." if out else "") + str(s)
    return out


class TypeIndex:
    """
    Lookups over the loaded index document.
    """

    def __init__(self, doc: dict[str, Any]) -> None:
        self.inputs: dict[str, str] = doc["inputs"]
        self.shapes: list[dict[str, Any]] = doc["shapes"]
        self._types: dict[str, dict[str, Any]] = doc["types"]
        self._by_lower = {t.lower(): t for t in self._types}
        self._lower_keys: dict[int, dict[str, str]] = {}
        self._memo: dict[tuple[str, tuple[Any, ...]], PathCheck] = {}

    def type_names(self) -> list[str]:
        return sorted(self._types)

    def canonical_type(self, name: str) -> str | None:
        """The index's spelling of `name` (types compare case-insensitively), or None."""
        return self._by_lower.get(name.lower())

    def suggest_type(self, name: str) -> str | None:
        """The known type `name` most likely misspells, or None when none is close."""
        hit = difflib.get_close_matches(name.lower(), list(self._by_lower), n=1, cutoff=0.9)
        return self._by_lower[hit[0]] if hit else None

    def provider(self, rtype: str) -> str:
        return str(self._types[self._by_lower[rtype.lower()]]["provider"])

    def source(self, rtype: str) -> str:
        return str(self._types[self._by_lower[rtype.lower()]]["source"])

    def _root(self, rtype: str) -> Any:
        return self._types[self._by_lower[rtype.lower()]]["root"]

    def _key(self, shape: int, key: str, case_sensitive: bool) -> tuple[str | None, bool]:
        """(the shape's spelling of `key`, whether it matched only case-insensitively)."""
        keys = self.shapes[shape]
        if key in keys:
            return key, False
        low = self._lower_keys.get(shape)
        if low is None:
            low = self._lower_keys[shape] = {k.lower(): k for k in keys}
        hit = low.get(key.lower())
        return hit, hit is not None and case_sensitive

    def check(self, rtype: str, steps: list[Any]) -> PathCheck:
        """
        Check a path (steps: keys, `[*]` or integer indexes) against `rtype`, a known type.
        """
        memo_key = (rtype.lower(), tuple(steps))
        hit = self._memo.get(memo_key)
        if hit is None:
            hit = self._memo[memo_key] = self._check(rtype, steps)
        return hit

    def _check(self, rtype: str, steps: list[Any]) -> PathCheck:
        case_sensitive = self.provider(rtype) == "aws"
        ref = self._root(rtype)
        spelled: list[Any] = []
        case_only = False
        for i, step in enumerate(steps):
            if ref == "a":
                return PathCheck(True, "a", open=True)
            if isinstance(ref, list) and ref[0] == "M":
                if step == EACH_STEP or isinstance(step, int):
                    return self._bad(rtype, steps, i, spelled, f"{_render(spelled)} is a map, not an array")
                spelled.append(step)
                ref = ref[1]
                if ref == "a" or i == len(steps) - 1:
                    return PathCheck(True, _kind(ref), open=True)
                continue
            if step == EACH_STEP or isinstance(step, int):
                if not (isinstance(ref, list) and ref[0] == "L"):
                    what = KIND_NAMES[_kind(ref)]
                    return self._bad(rtype, steps, i, spelled,
                                     f"{_render(spelled)} is {_article(what)}, not an array")
                spelled.append(step)
                ref = ref[1]
                continue
            if isinstance(ref, list):  # an array, and the path names a key
                return self._bad(rtype, steps, i, spelled,
                                 f"{_render(spelled)} is an array: use {_render(spelled)}[*].{step}")
            if not isinstance(ref, int):
                what = KIND_NAMES[_kind(ref)]
                return self._bad(rtype, steps, i, spelled,
                                 f"{_render(spelled)} is {_article(what)}; it has no field {json.dumps(str(step))}")
            key, ci = self._key(ref, str(step), case_sensitive)
            if key is None:
                where = f"{_render(spelled)} has" if spelled else "the resource has"
                return self._bad(rtype, steps, i, spelled, f"{where} no field {json.dumps(str(step))}")
            case_only = case_only or ci
            spelled.append(key)
            ref = self.shapes[ref][key]
        kind = _kind(ref)
        return PathCheck(True, kind, open=kind == "a",
                         case_only=_render(spelled) if case_only else None)

    def _bad(self, rtype: str, steps: list[Any], at: int, spelled: list[Any], problem: str) -> PathCheck:
        return PathCheck(False, problem=problem, suggestion=self._suggest(rtype, steps, at, spelled))

    def _suggest(self, rtype: str, steps: list[Any], at: int, spelled: list[Any]) -> str | None:
        text = _render(steps).lower()
        norm = text.replace("[*]", "").replace("[", "").replace("]", "")
        known = self.paths(rtype)
        # The path written without its parents (`allowSharedKeyAccess` for
        # `properties.allowSharedKeyAccess`): a known path that ends with it.
        tails = [p for p in known if p.lower().endswith("." + text)]
        if tails:
            return min(tails, key=len)
        # A typo: the known path closest to what was written, among those that share the part
        # that did resolve.
        prefix = _render(spelled).lower()
        pool = [p for p in known if p.lower().startswith(prefix)] or known
        lowered = {p.lower().replace("[*]", ""): p for p in pool}
        hit = difflib.get_close_matches(norm, list(lowered), n=1, cutoff=0.8)
        return lowered[hit[0]] if hit else None

    def paths(self, rtype: str, depth: int = 10) -> list[str]:
        """Every path of `rtype` (arrays as `[*]`), each shape at most once along a path."""
        return _paths(self, self.canonical_type(rtype) or rtype, depth)

    def walk(self, ref: Any, prefix: str, depth: int, seen: tuple[int, ...]) -> Iterator[str]:
        if prefix:
            yield prefix
        if depth == 0:
            return
        if isinstance(ref, int):
            if ref in seen:
                return
            for key, sub in self.shapes[ref].items():
                yield from self.walk(sub, f"{prefix}.{key}" if prefix else key, depth - 1, (*seen, ref))
        elif isinstance(ref, list) and ref[0] == "L":
            yield from self.walk(ref[1], prefix + "[*]", depth, seen)


@cache
def _paths(index: TypeIndex, rtype: str, depth: int) -> list[str]:
    return list(index.walk(index._root(rtype), "", depth, ()))


def _article(what: str) -> str:
    return f"an {what}" if what[0] in "aeiou" else f"a {what}"


@cache
def load_index() -> TypeIndex:
    """
    Read the shipped index (once per process); raise CcscanError (exit 4) if it is unreadable.
    """
    from scanner.errors import CcscanError

    try:
        with gzip.open(INDEX_FILE, "rb") as f:
            doc = json.load(f)
        if not isinstance(doc, dict) or doc.get("format") != 1:
            raise ValueError(f"unsupported index format {doc.get('format') if isinstance(doc, dict) else '?'}")
        return TypeIndex(doc)
    except (OSError, EOFError, ValueError, KeyError, TypeError) as e:
        err = CcscanError(f"the type index {INDEX_FILE} is unreadable ({e}); reinstall ccscan "
                          "or regenerate it (python -m scanner.typeindex.generate)")
        err.exit_code = 4  # a broken installation: never read as a policy verdict
        raise err from e
