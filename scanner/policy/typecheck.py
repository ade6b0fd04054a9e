"""
Check a policy against the type index: its `resource:` types, every `field`/`requires` path,
operators that cannot apply to a path's kind, and the fields of its test resources.

A policy that names a misspelt type or path checks nothing and passes nothing: that is the
bug this module exists to catch, offline, as Azure Policy refuses an unknown alias.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scanner.policy.display import show
from scanner.policy.model import LintMessage, TestCase
from scanner.policy.paths import EACH, PathSyntaxError, parse_path
from scanner.policy.yamlload import LocDict, Pos, position
from scanner.typeindex import EACH_STEP, KIND_NAMES, TypeIndex, load_index

STRING_OPS = frozenset({"like", "notLike", "match", "notMatch", "matchInsensitively",
                        "notMatchInsensitively", "regex", "versionAtLeast"})
ORDER_OPS = frozenset({"less", "lessOrEquals", "greater", "greaterOrEquals"})
EQUALITY_OPS = frozenset({"equals", "notEquals", "in", "notIn"})


class TypeChecker:
    """
    Checks one policy document; problems go to `messages`.
    """

    def __init__(self, file: str, policy_id: str | None, messages: list[LintMessage]) -> None:
        self.file = file
        self.policy_id = policy_id
        self.messages = messages
        self.index: TypeIndex = load_index()
        self._reported: set[tuple[str, str]] = set()

    def add(self, pos: tuple[int | None, int | None] | None, severity: str, rule: str,
            message: str) -> None:
        line, col = pos if pos else (None, None)
        self.messages.append(LintMessage(self.file, line, col, severity, rule,  # type: ignore[arg-type]
                                         message, self.policy_id))

    def types(self, doc: Any) -> list[str]:
        """
        Check `resource:`; return the index's spelling of each type it knows.
        """
        raw = doc.get("resource")
        names = raw if isinstance(raw, list) else [raw]
        known = []
        for i, name in enumerate(names):
            if not isinstance(name, str):
                continue  # the schema reports it
            pos = position(doc, ["resource", i] if isinstance(raw, list) else ["resource"])
            canonical = self.index.canonical_type(name)
            if canonical is not None:
                known.append(canonical)
                continue
            hint = self.index.suggest_type(name)
            if hint is not None:
                self.add(pos, "error", "unknown-type",
                         f"unknown resource type {show(name)} (did you mean {show(hint)}?)")
            else:
                self.add(pos, "warning", "unindexed-type",
                         f"resource type {show(name)} is not in ccscan's type index: its paths "
                         "cannot be checked")
        return known

    def paths(self, doc: Any, types: list[str]) -> None:
        """Check every path the policy reads against `types` (it must fit at least one)."""
        for text, pos, op, expected, related in _conditions(doc):
            if related is None:
                if types:
                    self._path(types, text, pos, op, expected)
                continue
            # A path inside `related` reads the related resource: check it against that type.
            targets = self.related_types(related, pos)
            if targets:
                self._path(targets, text, pos, op, expected)

    def related_types(self, names: tuple[str, ...], pos: Pos | None) -> list[str]:
        """The index's spelling of each related type; unknown ones are errors (never collected)."""
        known = []
        for name in names:
            canonical = self.index.canonical_type(name)
            if canonical is not None:
                known.append(canonical)
                continue
            hint = self.index.suggest_type(name)
            tip = f" (did you mean {show(hint)}?)" if hint else ""
            key = ("unknown-relation", name)
            if key not in self._reported:
                self._reported.add(key)
                self.add(pos, "error", "unknown-relation",
                         f"related type {show(name)} is not a type ccscan knows or collects{tip}")
        return known if len(known) == len(names) else []

    def _path(self, types: list[str], text: str, pos: Pos | None, op: str | None,
              expected: Any) -> None:
        try:
            parsed = parse_path(text)
        except PathSyntaxError:
            return  # the compiler reports it
        steps = [EACH_STEP if s is EACH else s for s in parsed.steps]
        results = [(t, self.index.check(t, steps)) for t in types]
        good = [(t, r) for t, r in results if r.ok]
        if not good and op == FROM and EACH_STEP in steps:
            # `from` walks a mapping's values with [*] (userAssignedIdentities): any key fits.
            keyed = [("*" if s == EACH_STEP else s) for s in steps]
            good = [(t, r) for t in types if (r := self.index.check(t, keyed)).ok]
        if op == FROM:
            op = None
        if not good:
            t, r = results[0]
            tip = f" (did you mean {show(r.suggestion)}?)" if r.suggestion else ""
            names = " or ".join(t for t, _ in results)
            self.add(pos, "error", "unknown-path",
                     f"{show(text)} is not a path of {names}: {r.problem}{tip}")
            return
        for t, r in good:
            if r.case_only:
                self.add(pos, "warning", "path-case",
                         f"{show(text)} matches {show(r.case_only)} of {t} only when case is "
                         "ignored (AWS describe shapes are case-sensitive)")
        if op is not None:
            kinds = {r.kind for _, r in good}
            if len(kinds) == 1:
                problem = _mismatch(op, next(iter(kinds)), expected)
                if problem:
                    self.add(pos, "warning", "operator-type", f"{show(text)}: {problem}")

    def tests(self, tests: tuple[TestCase, ...], policy_types: list[str]) -> None:
        """
        Warn about test resources whose fields are not paths of their type: a green test on an
        impossible resource is how a typo hides. (`policy_types`: the `resource:` names, whose
        own problems `types` reported.)
        """
        for case in tests:
            rtype = str(case.resource.get("type", ""))
            canonical = self.index.canonical_type(rtype)
            if canonical is None:
                hint = self.index.suggest_type(rtype)
                if hint is not None and rtype not in policy_types:
                    self.add((case.line, None) if case.line else None, "warning", "test-path",
                             f"test {show(case.name)}: unknown resource type {show(rtype)} "
                             f"(did you mean {show(hint)}?)")
                continue
            reported: set[str] = set()
            for steps in _leaves(case.resource, []):
                r = self.index.check(canonical, steps)
                if r.ok or r.problem in reported:
                    continue
                reported.add(r.problem)
                tip = f" (did you mean {show(r.suggestion)}?)" if r.suggestion else ""
                self.add((case.line, None) if case.line else None, "warning", "test-path",
                         f"test {show(case.name)}: the resource is not a possible {canonical}: "
                         f"{r.problem}{tip}")


def _mismatch(op: str, kind: str, expected: Any) -> str | None:
    """Why `op` with `expected` cannot hold on a value of `kind`, or None."""
    name = KIND_NAMES.get(kind, kind)
    values = expected if op in ("in", "notIn") and isinstance(expected, list) else [expected]
    if kind == "b":
        if op in STRING_OPS or op in ORDER_OPS or op in ("contains", "notContains"):
            return f"{op} on a boolean field"
        if op in EQUALITY_OPS and not all(isinstance(v, bool) or str(v).lower() in ("true", "false") for v in values):
            return f"{op} {show(expected)} on a boolean field (true or false)"
    if kind in ("i", "n"):
        if op in STRING_OPS:
            return f"{op} on {_article(name)} field"
        if op in EQUALITY_OPS | ORDER_OPS and any(isinstance(v, bool) or not _numeric(v) for v in values):
            return f"{op} {show(expected)} on {_article(name)} field"
    if kind in ("s", "t") and op in EQUALITY_OPS and any(isinstance(v, bool) for v in values):
        return f"{op} {show(expected)} on a string field (a boolean never equals a string)"
    if kind in ("object", "array", "map") and op in STRING_OPS | ORDER_OPS:
        return f"{op} on {_article(name if kind != 'map' else 'object')} field"
    return None


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _numeric(v: Any) -> bool:
    if isinstance(v, (int, float)):
        return True
    try:
        float(str(v))
    except ValueError:
        return False
    return True


Read = tuple[str, Pos | None, str | None, Any, "tuple[str, ...] | None"]
"""(path, position, operator or None, expected, related types or None for the resource itself)."""


def _conditions(doc: Any) -> Iterator[Read]:
    """Every path the policy reads, with the types it reads them on."""
    for key in ("where", "assert"):
        if key in doc:
            yield from _walk(doc[key], None)
    requires = doc.get("requires")
    if isinstance(requires, list):
        for i, raw in enumerate(requires):
            if isinstance(raw, str):
                yield raw, position(doc, ["requires", i]), None, None, None


FROM = "from"
"""The read of a `count: related` `from` path (its [*] may walk a mapping's values)."""


def _type_names(spec: dict) -> tuple[str, ...] | None:
    t = spec.get("type")
    names = [n for n in (t if isinstance(t, list) else [t]) if isinstance(n, str)]
    return tuple(names) if names and len(names) == (len(t) if isinstance(t, list) else 1) else None


def _walk(node: Any, on: tuple[str, ...] | None, depth: int = 0) -> Iterator[Read]:
    if depth > 200 or not isinstance(node, dict):
        return  # the compiler reports shapes and depth
    vp = node.value_pos if isinstance(node, LocDict) else {}
    for key in ("allOf", "anyOf"):
        if isinstance(node.get(key), list):
            for child in node[key]:
                yield from _walk(child, on, depth + 1)
    if "not" in node:
        yield from _walk(node["not"], on, depth + 1)
    if isinstance(node.get("field"), str):
        ops = [k for k in node if k not in ("field",)]
        op = ops[0] if len(ops) == 1 else None
        yield node["field"], vp.get("field", getattr(node, "pos", None)), op, node.get(op) if op else None, on
        same = node.get("sameAs")
        spos = vp.get("sameAs", getattr(node, "pos", None))
        if isinstance(same, dict) and "via" in same:
            # a path of the resource the judged one's `via` names: checked on that type
            if isinstance(same.get("via"), str):
                yield same["via"], spos, None, None, None
            if isinstance(same.get("field"), str) and (names := _type_names(same)) is not None:
                yield same["field"], spos, None, None, names
        else:
            same = same.get("field") if isinstance(same, dict) else same
            if isinstance(same, str):  # a path of the judged resource, wherever the condition stands
                yield same, spos, None, None, None
    spec = node.get("count")
    if isinstance(spec, dict):
        svp = spec.value_pos if isinstance(spec, LocDict) else {}
        if isinstance(spec.get("field"), str):
            yield spec["field"], svp.get("field", getattr(spec, "pos", None)), None, None, on
        rel = spec.get("related")
        inner = on
        if isinstance(rel, dict) and (names := _type_names(rel)) is not None:
            inner = names
            rvp = rel.value_pos if isinstance(rel, LocDict) else {}
            if isinstance(rel.get("refersBack"), str):
                yield rel["refersBack"], rvp.get("refersBack", getattr(rel, "pos", None)), None, None, names
            if isinstance(rel.get("from"), str):
                yield rel["from"], rvp.get("from", getattr(rel, "pos", None)), FROM, None, on
        if "where" in spec:
            yield from _walk(spec["where"], inner, depth + 1)
    rel = node.get("related")
    if isinstance(rel, dict) and (names := _type_names(rel)) is not None:
        rvp = rel.value_pos if isinstance(rel, LocDict) else {}
        if isinstance(rel.get("via"), str):
            yield rel["via"], rvp.get("via", getattr(rel, "pos", None)), None, None, on
        if isinstance(rel.get("key"), str):
            yield rel["key"], rvp.get("key", getattr(rel, "pos", None)), None, None, names
        if "where" in rel:
            yield from _walk(rel["where"], names, depth + 1)
    dec = node.get("decode")
    if isinstance(dec, dict) and isinstance(dec.get("field"), str):
        dvp = dec.value_pos if isinstance(dec, LocDict) else {}
        # The decoded document has no entry in the type index: only the field itself is checked.
        yield dec["field"], dvp.get("field", getattr(dec, "pos", None)), None, None, on


def _leaves(value: Any, prefix: list[Any], depth: int = 0) -> Iterator[list[Any]]:
    """The path of every leaf of a test resource (arrays as `[*]`); empty containers count."""
    if depth > 50:
        return
    if isinstance(value, dict) and value:
        for k, v in value.items():
            yield from _leaves(v, [*prefix, str(k)], depth + 1)
    elif isinstance(value, list) and value:
        for v in value:
            yield from _leaves(v, [*prefix, EACH_STEP], depth + 1)
    elif prefix:
        yield prefix
