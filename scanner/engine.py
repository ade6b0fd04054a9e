"""
Evaluate compiled policies over a stream of resources, yielding findings.

The engine knows nothing of output formats: it yields `Finding`s one at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Literal

from scanner.findings import Evidence, Finding, finding_id_for_key, finding_key
from scanner.inventory.resource import Resource
from scanner.policy.catalog import Catalog
from scanner.policy.model import Policy
from scanner.policy.paths import MISSING, NotAnArray
from scanner.redact import redact

Outcome = Literal["pass", "fail", "unknown", "error", "not_applicable"]
MESSAGE_LIMIT = 600


def evaluate(policy: Policy, doc: dict[str, Any]) -> tuple[Outcome, list[tuple[str, Any]], str]:
    """
    Decide one policy on one resource document.

    Returns (outcome, reads, detail): `reads` lists (path, observed) for every field the
    decision read; `detail` says why (unknown) or names the exception (error).
    """
    reads: list[tuple[str, Any]] = []
    try:
        if policy.where is not None and not policy.where(doc, reads, None):
            return "not_applicable", reads, ""
        for text, get in policy.requires:
            if get(doc) is MISSING:
                reads.append((text, MISSING))
                return "unknown", reads, f"{text} is absent from the inventory (the policy requires it)"
        return ("pass" if policy.check(doc, reads, None) else "fail"), reads, ""
    except NotAnArray as e:  # evidence of the wrong shape is insufficient, never a pass
        return "unknown", reads, str(e)
    except Exception as e:  # one broken policy or odd resource must not stop the scan
        return "error", reads, f"{type(e).__name__}: {e}"


def _observed(value: Any) -> Any:
    if value is MISSING:
        return None
    if isinstance(value, list):
        return [None if v is MISSING else v for v in value]
    return value


def evidence_of(reads: list[tuple[str, Any]]) -> tuple[Evidence, ...]:
    """
    The evidence of a decision: each path once (first read wins), values redacted.
    """
    seen: dict[str, Any] = {}
    for path, value in reads:
        if path not in seen:
            seen[path] = value
    out = []
    for path, v in seen.items():
        if v is MISSING:
            out.append(Evidence(path, None, False))
        elif v.__class__ is bool or path.startswith("count("):
            # Flags and the engine's own counts are never secrets: skip the redaction rules.
            out.append(Evidence(path, v, True))
        else:
            out.append(Evidence(path, redact(_observed(v), path), True))
    return tuple(out)


def _show(e: Evidence) -> str:
    if not e.present:
        return f"{e.path} is absent"
    text = repr(e.observed)
    return f"{e.path}={text if len(text) <= 120 else text[:117] + '...'}"


def message_for(policy: Policy, outcome: Outcome, evidence: tuple[Evidence, ...], detail: str) -> str:
    """
    Say what was expected and what was seen.
    """
    if outcome == "pass":
        msg = f"satisfied: {policy.expectation}"
    elif outcome == "fail":
        seen = "; ".join(_show(e) for e in evidence) or "nothing"
        msg = f"expected {policy.expectation}; observed {seen}"
    elif outcome == "unknown":
        msg = f"insufficient evidence: {detail}"
    else:
        msg = f"evaluation error: {detail}"
    return msg if len(msg) <= MESSAGE_LIMIT else msg[: MESSAGE_LIMIT - 3] + "..."


class Engine:
    """
    Evaluates a catalog's policies against resources, indexed by resource type.
    """

    def __init__(self, catalog: Catalog) -> None:
        self.index = catalog.index()

    def findings(self, resource: Resource) -> Iterator[Finding]:
        """Yield a finding per applicable policy for one resource."""
        policies = self.index.get(resource.type_key)
        if not policies:
            return
        doc = resource.doc
        identity: dict[str, Any] = {}
        key = b""  # the resource part of every finding id, computed once
        for policy in policies:
            outcome, reads, detail = evaluate(policy, doc)
            if outcome == "not_applicable":
                continue
            if not identity:
                identity = resource.identity()
                key = finding_key(identity["id"])
            evidence = evidence_of(reads)
            yield Finding(
                id=finding_id_for_key(policy.id, key),
                policy_id=policy.id,
                title=policy.title,
                severity=policy.severity,  # type: ignore[arg-type]
                status=outcome,
                message=message_for(policy, outcome, evidence, detail),
                resource=identity,
                evidence=evidence,
                remediation=policy.remediation,
                frameworks=policy.frameworks,
                source=resource.source,
                line=resource.line,
            )

    def run(self, resources: Iterable[Resource]) -> Iterator[Finding]:
        """Yield the findings of every resource, in input order then policy id order."""
        for resource in resources:
            yield from self.findings(resource)
