"""
Compile condition trees into closures, collecting every problem with its location.

A compiled condition is `check(doc, reads, element) -> bool`. `reads` (a list, or None when
no evidence is wanted) receives `(path, observed)` for every field the decision read.
`element` is the current array element inside a `count`'s `where`.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from typing import Any

from scanner.policy.decode import DECODERS, decode_check, decoder
from scanner.policy.model import Check, LintMessage
from scanner.policy.operators import COUNT_OPERATORS, OPERATORS, OperatorValueError
from scanner.policy.paths import (
    EACH,
    MISSING,
    FieldPath,
    PathSyntaxError,
    getter,
    multi_getter,
    parse_path,
)
from scanner.policy.related import (
    COUNT_RELATED_KEYS,
    RELATED_KEYS,
    ROOT,
    SameVia,
    child_refs,
    count_check,
    forward_check,
    parent_ref,
    same_as,
    same_as_reads,
)
from scanner.policy.yamlload import LocDict, Pos
from scanner.relindex import Relation

LOGICAL = ("allOf", "anyOf", "not")
FIELD_OPERATORS = (*OPERATORS, "exists", "sameAs")
KNOWN_KEYS = frozenset((*LOGICAL, "field", "count", "related", "decode", *FIELD_OPERATORS))
TEXT_LIMIT = 400
MAX_CONDITION_DEPTH = 32
"""Nested conditions (`not`, `allOf`, `anyOf`, `count` … `where`); real policies use under 6."""


def _key_pos(node: Any, key: Any, default: Pos | None) -> Pos | None:
    """Where `key` of a loaded mapping was written, else `default` (plain dicts carry no places)."""
    return node.key_pos.get(key, default) if isinstance(node, LocDict) else default


def _never(doc: Any, reads: Any, elem: Any) -> bool:
    return False


def _short(value: Any) -> str:
    # Strings are quoted, not repr'd: a regex shown as repr would double its backslashes.
    # Other values as YAML/JSON (`true`, `["a","b"]`), as the author wrote them, not Python repr.
    text = f"'{value}'" if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


class ConditionCompiler:
    """
    Compiles the conditions of one policy; problems go to `messages`, never raised.
    """

    def __init__(self, file: str, policy_id: str | None, messages: list[LintMessage]) -> None:
        self.file = file
        self.policy_id = policy_id
        self.messages = messages
        self._depth = 0
        self.relations: list[Relation] = []
        self.uses_root = False
        """Some condition is `sameAs`: the policy's check must set the judged resource as ROOT."""
        self._reading: list[list[tuple[Any, ...]]] = []
        """Paths read inside each open relation (or decode), innermost last: not the resource's own."""
        """Per enclosing `related`: the paths read on the related resource (what the index keeps)."""
        """Every relationship the compiled conditions follow (what the engine must index)."""

    def error(self, pos: Pos | None, rule: str, message: str) -> Check:
        line, col = pos if pos else (None, None)
        self.messages.append(
            LintMessage(self.file, line, col, "error", rule, message, self.policy_id)
        )
        return _never

    def compile(self, node: Any, scope: tuple[Any, ...] | None = None) -> tuple[Check, str]:
        """
        Return (check, text) for one condition; `scope` is the array prefix of an enclosing count.
        """
        pos = getattr(node, "pos", None)
        if self._depth >= MAX_CONDITION_DEPTH:
            return self.error(pos, "too-deep", f"conditions nested deeper than {MAX_CONDITION_DEPTH} levels"), "?"
        self._depth += 1
        try:
            return self._compile(node, scope, pos)
        finally:
            self._depth -= 1

    def _compile(self, node: Any, scope: tuple[Any, ...] | None, pos: Pos | None) -> tuple[Check, str]:
        if not isinstance(node, dict) or not node:
            return self.error(pos, "schema", "a condition must be a non-empty mapping"), "?"
        kp = node.key_pos if isinstance(node, LocDict) else {}
        unknown = [k for k in node if k not in KNOWN_KEYS]
        for key in unknown:
            hint = difflib.get_close_matches(str(key), KNOWN_KEYS, n=1)
            tip = f" (did you mean {hint[0]!r}?)" if hint else ""
            self.error(kp.get(key, pos), "unknown-operator", f"unknown operator {key!r}{tip}")
        if unknown:
            return _never, "?"
        logical = [k for k in node if k in LOGICAL]
        if logical:
            if len(node) > 1:
                others = ", ".join(repr(k) for k in node if k != logical[0])
                return self.error(
                    kp.get(logical[0], pos), "schema",
                    f"{logical[0]!r} must stand alone in its mapping (also found {others})",
                ), "?"
            key = logical[0]
            if key == "not":
                check, text = self.compile(node["not"], scope)
                return _not(check), f"not ({text})"
            return self._logical(node, key, scope)
        if "count" in node:
            return self._count(node, scope)
        if "related" in node:
            return self._related(node, scope)
        if "decode" in node:
            return self._decode(node, scope)
        if "field" in node:
            return self._field(node, scope)
        return self.error(pos, "schema", "a condition needs 'field', 'count', 'allOf', 'anyOf' or 'not'"), "?"

    def _logical(self, node: dict[Any, Any], key: str, scope: Any) -> tuple[Check, str]:
        children = node[key]
        pos = _key_pos(node, key, None)
        if not isinstance(children, list) or not children:
            # An empty allOf would pass everything: almost certainly a mistake.
            return self.error(pos, "schema", f"{key!r} needs a non-empty list of conditions"), "?"
        compiled = [self.compile(c, scope) for c in children]
        checks = tuple(c for c, _ in compiled)
        joiner = " and " if key == "allOf" else " or "
        text = joiner.join(f"({t})" if (" and " in t or " or " in t) else t for _, t in compiled)
        if len(checks) == 1:
            return checks[0], text
        return (_all_of(checks) if key == "allOf" else _any_of(checks)), text

    def _path(self, node: dict[Any, Any], key: str) -> FieldPath | None:
        pos = node.value_pos.get(key) if isinstance(node, LocDict) else None
        try:
            parsed = parse_path(node[key])
            if self._reading:
                self._reading[-1].append(parsed.steps)
            return parsed
        except PathSyntaxError as e:
            self.error(pos, "bad-path", str(e))
            return None

    def _one_operator(self, node: dict, allowed: tuple[str, ...], what: str) -> str | None:
        ops = [k for k in node if k in allowed]
        pos = getattr(node, "pos", None)
        if len(ops) != 1:
            found = ", ".join(repr(k) for k in ops) or "none"
            self.error(pos, "schema", f"{what} needs exactly one operator (found {found})")
            return None
        return ops[0]

    def _field(self, node: dict[Any, Any], scope: Any) -> tuple[Check, str]:
        path = self._path(node, "field")
        op = self._one_operator(node, FIELD_OPERATORS, f"field condition on {node['field']!r}")
        if path is None or op is None:
            return _never, "?"
        expected = node[op]
        vpos = node.value_pos.get(op) if isinstance(node, LocDict) else None
        record: Callable[[Any, list], None] | None = None
        if op == "exists":
            flag = _as_bool(expected)
            if flag is None:
                return self.error(vpos, "bad-value", "'exists' takes true or false"), "?"
            pred: Callable[[Any], bool] = (lambda v: True) if flag else (lambda v: False)
            on_missing = not flag
            text = f"{path.text} {'exists' if flag else 'is absent'}"
        elif op == "sameAs":
            parsed = self._same_as(expected, vpos)
            if parsed is None:
                return _never, "?"
            source, parent, via = parsed
            pred, on_missing = same_as(source, parent, via), False
            record = same_as_reads(source, via) if via is not None else None
            self.uses_root = True
            whose = f"the {via.type_keys[0]} its {via.path.text} names" if via else "the resource"
            text = f"{path.text} names {'the parent of ' if parent else ''}{whose}'s {source.text}"
        elif expected is None:
            # `notEquals:` with nothing after it is null: it would pass every present value.
            return self.error(vpos, "bad-value",
                              f"{op!r} has no value (an empty or null YAML value); to test absence use 'exists: false'"), "?"
        else:
            try:
                pred = OPERATORS[op](expected)
            except OperatorValueError as e:
                rule = "bad-regex" if op == "regex" else "bad-value"
                return self.error(vpos, rule, str(e)), "?"
            on_missing = False
            text = f"{path.text} {op} {_short(expected)}"
        relative = _relative_steps(path, scope)
        if relative is not None and scope is not None:
            check = _relative_field(relative, scope + (EACH,), pred, on_missing)
        elif path.has_each:
            check = _each_field(path.text, multi_getter(path.steps), pred, on_missing)
        else:
            check = _field_check(path.text, getter(path.steps), pred, on_missing)
        if record is not None:
            check = _with_same_reads(check, record)
        return check, text

    def _same_as(self, spec: Any, pos: Pos | None) -> tuple[FieldPath, bool, SameVia | None] | None:
        """
        `sameAs: <path>` or `sameAs: {field: <path>, parent: true}`: a path of the judged resource;
        with `via: <path>, type: <type>`, a path of the resource the judged one's `via` names.
        """
        if isinstance(spec, str):
            spec = {"field": spec}
        if not isinstance(spec, dict) or not isinstance(spec.get("field"), str) or any(
                k not in ("field", "parent", "via", "type") for k in spec):
            self.error(pos, "bad-value", "'sameAs' takes a path of the judged resource, or {field: <path>, parent: true}")
            return None
        via: SameVia | None = None
        if "via" in spec or "type" in spec:
            via = self._same_via(spec, pos)
            if via is None:
                return None
        parent = _as_bool(spec.get("parent", False))
        if parent is None:
            self.error(pos, "bad-value", "'sameAs' 'parent' takes true or false")
            return None
        source = self._single_path(spec["field"], pos, "a 'sameAs' path")
        if source is None:
            return None
        if via is not None:  # read on the related type: the index must keep it
            self.relations.extend(Relation(t, keep=(source.steps,)) for t in via.type_keys)
        return source, parent, via

    def _same_via(self, spec: dict, pos: Pos | None) -> SameVia | None:
        """The `via` (a reference field of the judged resource) and `type` of a `sameAs`."""
        if not isinstance(spec.get("via"), str) or "type" not in spec:
            self.error(pos, "bad-value", "'sameAs' 'via' (a reference field of the judged resource) and 'type' (the type it names) go together")
            return None
        type_keys = self._related_type(spec, pos)
        if type_keys is None:
            return None
        path = self._single_path(spec["via"], pos, "a 'sameAs' 'via'")  # read on the judged resource
        return None if path is None else SameVia(path, type_keys)

    def _single_path(self, text: Any, pos: Pos | None, what: str) -> FieldPath | None:
        """A path naming one value (no `[*]`), or None after a lint error saying `what` it is."""
        try:
            path = parse_path(text)
        except PathSyntaxError as e:
            self.error(pos, "bad-path", str(e))
            return None
        if path.has_each:
            self.error(pos, "bad-path", f"{what} cannot use '[*]' ({path.text!r})")
            return None
        return path

    def _count_value_ok(self, node: dict[Any, Any], op: str) -> bool:
        """A count compares with whole numbers (`in`/`notIn`: a non-empty list of them)."""
        expected = node[op]
        if op in ("in", "notIn"):
            ok = isinstance(expected, list) and bool(expected) and all(
                isinstance(x, int) and not isinstance(x, bool) for x in expected)
        else:
            ok = isinstance(expected, int) and not isinstance(expected, bool)
        if not ok:
            vpos = node.value_pos.get(op) if isinstance(node, LocDict) else None
            self.error(vpos, "bad-value",
                       f"count {op!r} needs a whole number{' list' if op in ('in', 'notIn') else ''}")
        return ok

    def _count(self, node: dict[Any, Any], scope: Any) -> tuple[Check, str]:
        spec = node["count"]
        cpos = _key_pos(node, "count", None)
        extra = [k for k in node if k != "count" and k not in COUNT_OPERATORS]
        if extra:
            return self.error(cpos, "schema", f"'count' cannot be combined with {extra[0]!r}"), "?"
        op = self._one_operator(node, COUNT_OPERATORS, "count")
        if isinstance(spec, dict) and "related" in spec and "field" not in spec:
            return self._count_related(node, spec, op, cpos)
        if not isinstance(spec, dict) or "field" not in spec:
            return self.error(cpos, "schema", "'count' needs a mapping with 'field' (and optionally 'where')"), "?"
        bad = [k for k in spec if k not in ("field", "where")]
        if bad:
            kp = _key_pos(spec, bad[0], cpos)
            return self.error(kp, "schema", f"unknown key {bad[0]!r} in 'count' (use 'field' and 'where')"), "?"
        path = self._path(spec, "field")
        if path is None or op is None:
            return _never, "?"
        if not path.steps or path.steps[-1] is not EACH:
            fpos = spec.value_pos.get("field") if isinstance(spec, LocDict) else cpos
            return self.error(fpos, "bad-path", f"count field {path.text!r} must end with '[*]'"), "?"
        expected = node[op]
        if not self._count_value_ok(node, op):
            return _never, "?"
        compare = OPERATORS[op](expected)
        where, wtext = (None, "")
        if "where" in spec:
            where, wtext = self.compile(spec["where"], path.steps[:-1])
        relative = _relative_steps(path, scope)
        if relative is not None and EACH not in relative:
            relative = None  # the enclosing count's own array (`a[*]` inside `a[*]`): count it whole
        if relative is not None and scope is not None:
            elements = multi_getter(relative, scope + (EACH,))
        else:
            elements = multi_getter(path.steps)
        text = f"count of {path.text}{' where ' + wtext if wtext else ''} {op} {_short(expected)}"
        return _count_check(f"count({path.text})", elements, relative is not None, where, compare), text

    def _related_type(self, spec: Any, pos: Pos | None) -> tuple[str, ...] | None:
        t = spec.get("type") if isinstance(spec, dict) else None
        names = [n for n in (t if isinstance(t, list) else [t]) if isinstance(n, str) and n.strip()]
        if not names or len(names) != (len(t) if isinstance(t, list) else 1):
            self.error(pos, "schema", "'related' needs the related resource 'type' (one or a list)")
            return None
        return tuple(n.strip().lower() for n in names)

    def _alone_at_resource(self, node: dict, key: str, scope: Any) -> Check | None:
        """`related`/`decode` stand alone in their mapping, at resource level; else an error."""
        pos = _key_pos(node, key, None)
        if len(node) > 1:
            other = next(k for k in node if k != key)
            return self.error(pos, "schema", f"{key!r} cannot be combined with {other!r}")
        if scope is not None:
            # The element of a field count is not a resource: references start at the resource.
            return self.error(pos, "schema", f"{key!r} cannot be used inside a count over a field")
        return None

    def _related(self, node: dict, scope: Any) -> tuple[Check, str]:
        spec = node["related"]
        rpos = _key_pos(node, "related", None)
        if (refused := self._alone_at_resource(node, "related", scope)) is not None:
            return refused, "?"
        if not isinstance(spec, dict):
            return self.error(rpos, "schema", "'related' needs a mapping with 'type' and 'via' or 'child'"), "?"
        bad = [k for k in spec if k not in RELATED_KEYS]
        if bad:
            kp = _key_pos(spec, bad[0], rpos)
            tip = " ('refersBack' and 'children' belong in a count)" if bad[0] in COUNT_RELATED_KEYS else ""
            return self.error(kp, "schema", f"unknown key {bad[0]!r} in 'related'{tip}"), "?"
        type_keys = self._related_type(spec, rpos)
        if sum(k in spec for k in ("via", "child", "parent")) != 1:
            return self.error(rpos, "schema", "'related' needs exactly one of 'via' (a reference field), 'child' or 'parent: true'"), "?"
        if type_keys is None:
            return _never, "?"
        if "key" in spec and "via" not in spec:
            kpos = _key_pos(spec, "key", rpos)
            return self.error(kpos, "schema", "'key' names the target field a 'via' reference matches: it needs 'via'"), "?"
        where, wtext = (None, "")
        key: FieldPath | None = None
        self._reading.append([])
        try:
            if "key" in spec:  # read on the target: the index keeps it, and looks targets up by it
                key = self._path(spec, "key")
            if "where" in spec:
                where, wtext = self.compile(spec["where"])
        finally:
            keep = tuple(self._reading.pop())
        if "key" in spec and key is None:
            return _never, "?"
        self.relations.extend(Relation(t, key.steps if key else None, keep=keep) for t in type_keys)
        type_key = type_keys[0]
        if "via" in spec:
            path = self._path(spec, "via")
            if path is None:
                return _never, "?"
            refs = multi_getter(path.steps) if path.has_each else getter(path.steps)
            label, many = path.text, path.has_each
        elif "parent" in spec:
            if _as_bool(spec["parent"]) is not True:
                pp = spec.value_pos.get("parent", rpos) if isinstance(spec, LocDict) else rpos
                return self.error(pp, "bad-value", "'parent' takes true"), "?"
            refs, label, many = parent_ref, "parent", False
        else:
            child = spec["child"]
            if not isinstance(child, str) or not child.strip() or child.startswith("/"):
                cp = spec.value_pos.get("child", rpos) if isinstance(spec, LocDict) else rpos
                return self.error(cp, "bad-value", "'child' names the child by its id tail, e.g. 'web' or 'config/web'"), "?"
            segment = child.strip().strip("/")
            if "/" not in segment:  # `child: web` of a `sites/config` target is `config/web`
                segment = f"{type_key.rsplit('/', 1)[-1]}/{segment}"
            refs, label, many = child_refs(segment), f"child {segment}", False
        shown = " or ".join(str(t) for t in (spec["type"] if isinstance(spec["type"], list) else [spec["type"]]))
        by = f" by {key.text}" if key is not None else ""
        text = f"related {shown} ({label}{by}){' where ' + wtext if wtext else ' exists'}"
        return forward_check(label, refs, many, type_keys, where, key), text

    def _decode(self, node: dict, scope: Any) -> tuple[Check, str]:
        spec = node["decode"]
        dpos = _key_pos(node, "decode", None)
        if (refused := self._alone_at_resource(node, "decode", scope)) is not None:
            return refused, "?"
        if not isinstance(spec, dict) or not all(k in spec for k in ("field", "as", "where")):
            return self.error(dpos, "schema", "'decode' needs a mapping with 'field', 'as' and 'where'"), "?"
        bad = [k for k in spec if k not in ("field", "as", "where")]
        if bad:
            kp = _key_pos(spec, bad[0], dpos)
            return self.error(kp, "schema", f"unknown key {bad[0]!r} in 'decode' (use 'field', 'as' and 'where')"), "?"
        if spec["as"] not in DECODERS:
            ap = spec.value_pos.get("as", dpos) if isinstance(spec, LocDict) else dpos
            return self.error(ap, "bad-value", f"'decode' 'as' must be one of {', '.join(DECODERS)}"), "?"
        path = self._path(spec, "field")
        self._reading.append([])  # paths inside the decoded document are not the resource's
        try:
            where, wtext = self.compile(spec["where"])
        finally:
            self._reading.pop()
        if path is None:
            return _never, "?"
        if path.has_each:
            fp = spec.value_pos.get("field", dpos) if isinstance(spec, LocDict) else dpos
            return self.error(fp, "bad-path", "a 'decode' field cannot use '[*]'"), "?"
        text = f"{path.text} decoded as {spec['as']}: {wtext}"
        return decode_check(path.text, getter(path.steps), decoder(spec["as"], path.text), where), text

    def _count_related(self, node: dict, spec: dict, op: str | None, cpos: Pos | None) -> tuple[Check, str]:
        rel = spec["related"]
        bad = [k for k in spec if k not in ("related", "where")]
        if bad:
            kp = _key_pos(spec, bad[0], cpos)
            return self.error(kp, "schema", f"unknown key {bad[0]!r} in 'count' (use 'related' and 'where')"), "?"
        if not isinstance(rel, dict):
            return self.error(cpos, "schema", "'count: related' needs a mapping with 'type' and 'refersBack' or 'children'"), "?"
        rbad = [k for k in rel if k not in COUNT_RELATED_KEYS]
        if rbad:
            kp = _key_pos(rel, rbad[0], cpos)
            return self.error(kp, "schema", f"unknown key {rbad[0]!r} in 'count: related' (use 'type' and 'refersBack' or 'children')"), "?"
        type_keys = self._related_type(rel, cpos)
        children = _as_bool(rel.get("children", False))
        if ("refersBack" in rel) == bool(children):
            return self.error(cpos, "schema", "'count: related' needs exactly one of 'refersBack' (a field of the related type) or 'children: true'"), "?"
        if "from" in rel and "refersBack" not in rel:
            fpos = _key_pos(rel, "from", cpos)
            return self.error(fpos, "schema", "'from' names this resource's field that 'refersBack' holds: it needs 'refersBack'"), "?"
        source: FieldPath | None = None
        if "from" in rel:  # read on this resource, before the related type's reads begin
            source = self._path(rel, "from")
            if source is None:
                return _never, "?"
        if type_keys is None or op is None:
            return _never, "?"
        self._reading.append([])
        try:
            back = self._path(rel, "refersBack") if "refersBack" in rel else None
            where, wtext = (None, "")
            if "where" in spec:
                where, wtext = self.compile(spec["where"])
        finally:
            keep = tuple(self._reading.pop())
        if "refersBack" in rel and back is None:
            return _never, "?"
        expected = node[op]
        if not self._count_value_ok(node, op):
            return _never, "?"
        self.relations.extend(Relation(t, back.steps if back else None, back is None, keep, counted=True)
                              for t in type_keys)
        how = f"referring back by {back.text}" if back else "children"
        if source is not None:
            how += f" to {source.text}"
        shown = " or ".join(str(t) for t in (rel["type"] if isinstance(rel["type"], list) else [rel["type"]]))
        label = f"related {shown} {how}"
        text = f"count of {label}{' where ' + wtext if wtext else ''} {op} {_short(expected)}"
        return count_check(label, type_keys, back, where, OPERATORS[op](expected), source), text


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _relative_steps(path: FieldPath, scope: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    """Steps below the enclosing count's element, or None when the path is not under it."""
    if scope is None:
        return None
    n = len(scope)
    if path.steps[:n] == scope and len(path.steps) > n and path.steps[n] is EACH:
        return path.steps[n + 1 :]
    return None


def _field_check(text: str, get: Callable[[Any], Any], pred: Callable[[Any], bool], on_missing: bool) -> Check:
    def check(doc: Any, reads: Any, elem: Any) -> bool:
        v = get(doc)
        if reads is not None:
            reads.append((text, v))
        if v is MISSING:
            return on_missing
        return pred(v)

    return check


def _each_field(text: str, get: Callable[[Any], Any], pred: Callable[[Any], bool], on_missing: bool) -> Check:
    def check(doc: Any, reads: Any, elem: Any) -> bool:
        values = get(doc)
        if reads is not None:
            reads.append((text, values))
        if values is MISSING or not values:
            return False  # a [*] condition over no elements proves nothing
        for v in values:
            if not (on_missing if v is MISSING else pred(v)):
                return False
        return True

    return check


def _relative_field(
    steps: tuple[Any, ...], prefix: tuple[Any, ...], pred: Callable[[Any], bool], on_missing: bool
) -> Check:
    if EACH in steps:
        get_many = multi_getter(steps, prefix)

        def check_many(doc: Any, reads: Any, elem: Any) -> bool:
            values = get_many(elem)
            if values is MISSING or not values:
                return False
            return all(on_missing if v is MISSING else pred(v) for v in values)

        return check_many
    get = getter(steps, prefix) if steps else (lambda e: MISSING if e is None else e)

    def check(doc: Any, reads: Any, elem: Any) -> bool:
        v = get(elem)
        return on_missing if v is MISSING else pred(v)

    return check


def _count_check(
    text: str,
    elements: Callable[[Any], Any],
    relative: bool,
    where: Check | None,
    compare: Callable[[Any], bool],
) -> Check:
    def check(doc: Any, reads: Any, elem: Any) -> bool:
        items = elements(elem if relative else doc)
        if items is MISSING:
            n = 0
        elif where is None:
            n = sum(1 for x in items if x is not MISSING)
        else:
            n = sum(1 for x in items if x is not MISSING and where(doc, None, x))
        if reads is not None:
            reads.append((text, n))
        return compare(n)

    return check


def _with_same_reads(check: Check, record: Callable[[Any, list], None]) -> Check:
    """`check`, whose evidence also names the related resource a `sameAs` `via` read."""

    def traced(doc: Any, reads: Any, elem: Any) -> bool:
        ok = check(doc, reads, elem)
        if reads is not None:
            record(ROOT.get(), reads)
        return ok

    return traced


def _all_of(checks: tuple[Check, ...]) -> Check:
    def check(doc: Any, reads: Any, elem: Any) -> bool:
        for c in checks:
            if not c(doc, reads, elem):
                return False
        return True

    return check


def _any_of(checks: tuple[Check, ...]) -> Check:
    def check(doc: Any, reads: Any, elem: Any) -> bool:
        for c in checks:
            if c(doc, reads, elem):
                return True
        return False

    return check


def _not(inner: Check) -> Check:
    def check(doc: Any, reads: Any, elem: Any) -> bool:
        return not inner(doc, reads, elem)

    return check
