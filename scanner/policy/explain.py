"""
`--explain`: the evaluation trace of one policy on one resource, readable.

Each condition is shown with its path, the observed value (redacted) and whether it held, as
`conftest verify --trace` or `opa test -v` do. The trace comes from a twin of the policy
compiled with a tracing wrapper around every condition; the verdict printed is the engine's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from scanner.engine import evaluate
from scanner.policy.compile import ConditionCompiler
from scanner.policy.display import show
from scanner.policy.model import Check, Policy
from scanner.policy.paths import (
    EACH,
    MISSING,
    NotAnArray,
    PathSyntaxError,
    getter,
    multi_getter,
    parse_path,
)
from scanner.relindex import ACTIVE, merged

Event = tuple[int, str, bool | None, list[tuple[str, Any]]]
"""(depth, label, held — None for a heading without a verdict —, reads while it ran)."""


class Trace(list):  # type: ignore[type-arg]
    """The `reads` list of one evaluation, plus one event per condition evaluated."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[Event | None] = []


class TracingCompiler(ConditionCompiler):
    """
    Compiles as ConditionCompiler does, wrapping each condition to record an event when it
    is handed a Trace. A top-level `count` with a `where` also traces its `where` on each
    element (the compiled count runs it per element without a Trace, for speed).
    """

    def __init__(self, file: str, policy_id: str | None) -> None:
        super().__init__(file, policy_id, [])
        self.depth = 0

    def compile(self, node: Any, scope: tuple[Any, ...] | None = None) -> tuple[Check, str]:
        depth = self.depth
        self.depth += 1
        per_element = None
        try:
            check, text = super().compile(node, scope)
            spec = node.get("count") if isinstance(node, dict) else None
            if scope is None and isinstance(spec, dict) and "where" in spec and "field" in spec:
                per_element = self._elements(spec, depth)
        finally:
            self.depth = depth
        if scope is not None and isinstance(node, dict) and isinstance(node.get("field"), str):
            return _traced_relative(check, _label(node, text), depth, node["field"], scope), text
        return _traced(check, _label(node, text), depth, per_element), text

    def _elements(self, spec: dict, depth: int) -> tuple[Callable[[Any], Any], Check] | None:
        try:
            path = parse_path(spec["field"])
        except PathSyntaxError:
            return None
        if not path.steps or path.steps[-1] is not EACH:
            return None
        self.depth = depth + 2
        where, _ = self.compile(spec["where"], path.steps[:-1])
        return multi_getter(path.steps), where


def _plain(value: Any) -> str:
    """Text from a policy or inventory as is when printable; JSON-escaped otherwise (no raw
    control characters reach a terminal)."""
    text = str(value)
    return text if text.isprintable() else show(text)


def _label(node: Any, text: str) -> str:
    """How a condition reads in the trace: values as YAML/JSON, logical nodes by their key."""
    if not isinstance(node, dict):
        return text
    for key in ("allOf", "anyOf", "not"):
        if key in node:
            return key
    ops = [k for k in node if k not in ("field", "count")]
    if len(ops) != 1:
        return text
    op, value = ops[0], node[ops[0]]
    if "count" in node and isinstance(node["count"], dict):
        spec = node["count"]
        where = " where ..." if "where" in spec else ""
        rel = spec.get("related")
        what = f"related {_plain(rel.get('type'))}" if isinstance(rel, dict) else _plain(spec.get("field"))
        return f"count of {what}{where} {op} {show(value)}"
    if "field" in node:
        if op == "exists":
            return f"{_plain(node['field'])} {'exists' if str(value).lower() == 'true' else 'is absent'}"
        return f"{_plain(node['field'])} {op} {show(value)}"
    return text


ELEMENT_LIMIT = 20
"""Elements of one `count` traced one by one; the rest are summed up in a line."""


def _traced(check: Check, label: str, depth: int,
            per_element: tuple[Callable[[Any], Any], Check] | None = None) -> Check:
    def traced(doc: Any, reads: Any, elem: Any) -> bool:
        if not isinstance(reads, Trace):
            return check(doc, reads, elem)
        i = len(reads.events)
        reads.events.append(None)
        start = len(reads)
        held = check(doc, reads, elem)
        reads.events[i] = (depth, label, held, list(reads[start:]))
        if per_element is not None:
            _trace_elements(doc, reads, depth, *per_element)
        return held

    return traced


def _trace_elements(doc: Any, trace: Trace, depth: int, elements: Callable[[Any], Any],
                    where: Check) -> None:
    items = elements(doc)
    if items is MISSING:
        return
    for n, el in enumerate(items):
        if n == ELEMENT_LIMIT:
            trace.events.append((depth + 1, f"... and {len(items) - n} more elements", None, []))
            break
        if el is MISSING:
            continue
        i = len(trace.events)
        trace.events.append(None)
        counted = where(doc, trace, el)
        trace.events[i] = (depth + 1, f"element [{n}]: {'counted' if counted else 'not counted'}",
                           None, [])


def _traced_relative(check: Check, label: str, depth: int, field: str,
                     scope: tuple[Any, ...]) -> Check:
    """A condition inside a count's `where`: its value is read from the current element."""
    try:
        steps = parse_path(field).steps
    except PathSyntaxError:
        steps = ()
    n = len(scope)
    relative = steps[n + 1:] if steps[:n] == scope and len(steps) > n and steps[n] is EACH else None
    get = None
    if relative is not None:
        get = multi_getter(relative) if EACH in relative else (getter(relative) if relative else None)

    def traced(doc: Any, reads: Any, elem: Any) -> bool:
        if not isinstance(reads, Trace):
            return check(doc, reads, elem)
        held = check(doc, reads, elem)
        seen = [] if relative is None else [(field, get(elem) if get else elem)]
        reads.events.append((depth, label, held, seen))
        return held

    return traced


def _observed(value: Any, path: str = "") -> str:
    # A trace prints observed values: they go through the one sanitising stage's value rules,
    # judged with the whole path as context, like a finding's evidence.
    from scanner.sanitise import sanitise_value

    if value is MISSING:
        return "(missing)"
    if isinstance(value, list):
        value = [None if v is MISSING else v for v in value]
    return show(sanitise_value(value, path or None))


def _lines(events: list[Event | None], indent: str) -> Iterator[str]:
    done = [e for e in events if e is not None]
    for n, (depth, label, held, reads) in enumerate(done):
        if held is None:
            yield f"{indent}{'  ' * depth}{label}"
            continue
        leaf = n + 1 >= len(done) or done[n + 1][0] <= depth
        verdict = "holds" if held else "does not hold"
        seen = ""
        if reads and (leaf or label.startswith("count of")):
            seen = "; observed " + ", ".join(
                _observed(v, p) if len(reads) == 1 else f"{p} = {_observed(v, p)}" for p, v in reads)
        yield f"{indent}{'  ' * depth}{label}: {verdict}{seen}"


def explain(policy: Policy, resource: dict[str, Any]) -> list[str]:
    """
    The trace of `policy` on `resource`: a heading with the engine's outcome, then the
    applicability (`where`), each `requires` path and the assertion, condition by condition.
    """
    outcome, _, detail = evaluate(policy, resource)
    rid, rtype = _plain(resource.get("id", "?")), _plain(resource.get("type", "?"))
    out = [f"{policy.id} on {rid} ({rtype}): {outcome}"
           + (f" ({detail})" if detail else "")]
    if str(resource.get("type", "")).lower() not in policy.types:
        out.append(f"  type is not one of {', '.join(policy.type_names)}: not applicable")
        return out
    doc = policy.source if isinstance(policy.source, dict) else {}
    compiler = TracingCompiler(policy.file, policy.id)
    if "where" in doc:
        trace = Trace()
        held = _run(compiler.compile(doc["where"])[0], resource, trace)
        out.append(f"  where: {_said(held, 'applies', 'does not apply')}")
        out.extend(_lines(trace.events, "    "))
        if held is not True:
            return out
    for text, get in policy.requires:
        value = get(resource)
        out.append(f"  requires {text}: " + ("missing -> unknown" if value is MISSING else "present"))
        if value is MISSING:
            return out
    if "assert" in doc:
        trace = Trace()
        held = _run(compiler.compile(doc["assert"])[0], resource, trace)
        out.append(f"  assert: {_said(held, 'holds', 'does not hold')}")
        out.extend(_lines(trace.events, "    "))
    return out


def _run(check: Any, resource: dict[str, Any], trace: Trace) -> bool | str:
    """Run a traced check; what stopped it (an array path over a non-array) as text."""
    try:
        return bool(check(resource, trace, None))
    except NotAnArray as e:
        return f"stopped: {e}"
    except Exception as e:  # noqa: BLE001 - the engine reports it as `error`; the trace says where
        from scanner.sanitise import sanitise_text  # an exception may quote an observed value

        return f"stopped: {type(e).__name__}: {sanitise_text(str(e))}"


def _said(held: bool | str, yes: str, no: str) -> str:
    return held if isinstance(held, str) else (yes if held else no)


def explain_observer(policies: list[Policy], policy_id: str, write: Any) -> Any:
    """
    A scan resource observer that writes the trace of `policy_id` on every resource of its
    types (`ccscan scan --explain ID`); raises UsageError for an id the scan does not run.
    """
    from scanner.errors import UsageError

    match = [p for p in policies if p.id.lower() == policy_id.lower()]
    if not match:
        raise UsageError(f"--explain: no policy {policy_id!r} in this scan (see `ccscan policies list`)")
    policy = match[0]

    def observe(resource: Any) -> None:
        doc = resource.doc
        type_key = str(doc.get("type", "")).lower()
        if type_key in policy.types:
            # The scan's relation index (set for the scan's duration): what the engine merges.
            doc = merged(doc, type_key, ACTIVE.get())
            write("\n".join(explain(policy, doc)))

    return observe


__all__ = ["Trace", "TracingCompiler", "explain", "explain_observer"]
