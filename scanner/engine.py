"""
Evaluate compiled policies over a stream of resources, yielding findings.

The engine knows nothing of output formats: it yields `Finding`s one at a time.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from hashlib import sha256
from typing import Any, Literal

from scanner.findings import (
    OBSERVED,
    Evidence,
    Finding,
    clip_message,
    finding_key,
    show_evidence,
)
from scanner.inventory.resource import Resource
from scanner.policy.catalog import Catalog
from scanner.policy.decode import UndecodableValue
from scanner.policy.model import Policy
from scanner.policy.paths import MISSING, NotAnArray
from scanner.relindex import ACTIVE, MERGES, RelatedMissing, RelationIndex, merged

Outcome = Literal["pass", "fail", "unknown", "error", "not_applicable"]


def evaluate(
    policy: Policy, doc: dict[str, Any], related: RelationIndex | None = None
) -> tuple[Outcome, list[tuple[str, Any]], str]:
    """
    Decide one policy on one resource document.

    Returns (outcome, reads, detail): `reads` lists (path, observed) for every field the
    decision read; `detail` says why (unknown) or names the exception (error). `related`
    is the index a relationship policy's conditions read.
    """
    if not policy.relations or related is None:  # None: the index the caller made active
        return _evaluate(policy, doc)
    token = ACTIVE.set(related)
    try:
        return _evaluate(policy, doc)
    finally:
        ACTIVE.reset(token)


def _evaluate(policy: Policy, doc: dict[str, Any]) -> tuple[Outcome, list[tuple[str, Any]], str]:
    reads: list[tuple[str, Any]] = []
    try:
        if policy.where is not None and not policy.where(doc, reads, None):
            return "not_applicable", reads, ""
        for text, get in policy.requires:
            if get(doc) is MISSING:
                reads.append((text, MISSING))
                return "unknown", reads, f"{text} is absent from the inventory (the policy requires it)"
        return ("pass" if policy.check(doc, reads, None) else "fail"), reads, ""
    except (NotAnArray, RelatedMissing, UndecodableValue) as e:  # a wrong shape or a missing link proves nothing
        return "unknown", reads, str(e)
    except Exception as e:  # noqa: BLE001 - one broken policy or odd resource must not stop the scan
        return "error", reads, f"{type(e).__name__}: {e}"


def _observed(value: Any) -> Any:
    if value is MISSING:
        return None
    if isinstance(value, list):
        return [None if v is MISSING else v for v in value]
    return value


def evidence_of(reads: list[tuple[str, Any]]) -> tuple[Evidence, ...]:
    """
    The evidence of a decision: each path once (first read wins), values as observed.

    Values are raw: the sanitising stage (scanner.sanitise), not the engine, decides what
    is secret, before any finding leaves the scan.
    """
    seen: dict[str, Any] = {}  # (the engine builds one read's evidence itself, without this call)
    for path, value in reads:
        if path not in seen:
            seen[path] = value
    return tuple(
        Evidence(path, None, False) if v is MISSING else Evidence(path, _observed(v), True)
        for path, v in seen.items()
    )


def message_for(policy: Policy, outcome: Outcome, evidence: tuple[Evidence, ...], detail: str) -> str:
    """
    Say what was expected and what was seen.

    A failure's message quotes the evidence after OBSERVED: the sanitising stage rebuilds
    that part from the sanitised evidence.
    """
    if outcome == "pass":
        return _satisfied(policy.expectation)
    if outcome == "fail":
        msg = f"expected {policy.expectation}{OBSERVED}{show_evidence(evidence)}"
    elif outcome == "unknown":
        msg = f"insufficient evidence: {detail}"
    else:
        msg = f"evaluation error: {detail}"
    return clip_message(msg)


@functools.lru_cache(maxsize=1024)  # one per policy: the same text for every passing resource
def _satisfied(expectation: str) -> str:
    return clip_message(f"satisfied: {expectation}")


class _Plan:
    """
    What the engine needs of one policy per resource, read once when the engine is built:
    attribute lookups, the id's policy part and the pass message cost per finding otherwise.
    """

    __slots__ = ("check", "frameworks", "id", "passed", "policy", "prefix", "relational",
                 "remediation", "requires", "severity", "title", "where")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.id = policy.id
        self.prefix = policy.id.encode() + b"\x00"  # finding_id_for_key's policy part
        self.where = policy.where
        self.requires = policy.requires
        self.check = policy.check
        self.relational = bool(policy.relations)
        self.passed = _satisfied(policy.expectation)
        self.title, self.severity = policy.title, policy.severity
        self.remediation, self.frameworks = policy.remediation, policy.frameworks


class Engine:
    """
    Evaluates a catalog's policies against resources, indexed by resource type.
    """

    def __init__(self, catalog: Catalog, related: RelationIndex | None = None) -> None:
        self.index = catalog.index()
        self.related = related
        self.relational = {t: [p for p in ps if p.relations] for t, ps in self.index.items()}
        self.relational = {t: ps for t, ps in self.relational.items() if ps}
        self.plain = {t: [p for p in ps if not p.relations] for t, ps in self.index.items()}
        self._plans = {part: {t: tuple(_Plan(p) for p in ps) for t, ps in table.items()}
                       for part, table in (("all", self.index), ("plain", self.plain),
                                           ("relational", self.relational))}

    def has_relational(self, type_key: str) -> bool:
        """Some policy on this type follows relationships (it must wait for the index)."""
        return type_key in self.relational

    def findings(self, resource: Resource, part: Literal["all", "plain", "relational"] = "all") -> Iterator[Finding]:
        """
        Yield a finding per applicable policy for one resource.

        `part` picks the single-resource policies (`plain`), the relationship ones, or both.
        """
        plans = self._plans[part].get(resource.type_key)
        if not plans:
            return
        doc = resource.doc
        if resource.type_key in MERGES:
            doc = merged(doc, resource.type_key, self.related)
        identity: dict[str, Any] = {}
        key = b""  # the resource part of every finding id, computed once
        related = self.related
        source, line = resource.source, resource.line
        for plan in plans:
            # `_evaluate`, inlined for single-resource policies: it runs once per pair
            if plan.relational:
                outcome, reads, detail = evaluate(plan.policy, doc, related)
                if outcome == "not_applicable":
                    continue
            else:
                reads = []
                detail = ""
                try:
                    if plan.where is not None and not plan.where(doc, reads, None):
                        continue
                    for text, get in plan.requires:
                        if get(doc) is MISSING:
                            reads.append((text, MISSING))
                            outcome = "unknown"
                            detail = f"{text} is absent from the inventory (the policy requires it)"
                            break
                    else:
                        outcome = "pass" if plan.check(doc, reads, None) else "fail"
                except (NotAnArray, RelatedMissing, UndecodableValue) as e:
                    outcome, detail = "unknown", str(e)
                except Exception as e:  # noqa: BLE001 - as in _evaluate
                    outcome, detail = "error", f"{type(e).__name__}: {e}"
            if not identity:
                identity = resource.identity()
                key = finding_key(identity["id"])
            if len(reads) == 1:  # evidence_of's common case, without the call
                path, v = reads[0]
                evidence: tuple[Evidence, ...] = (
                    (Evidence(path, None, False) if v is MISSING else Evidence(path, _observed(v), True)),)
            else:
                evidence = evidence_of(reads)
            # positional: the fields in declaration order (cheaper than keywords, per finding)
            yield Finding(
                sha256(plan.prefix + key).hexdigest()[:32], plan.id, plan.title,
                plan.severity, outcome,  # type: ignore[arg-type]
                plan.passed if outcome == "pass" else message_for(plan.policy, outcome, evidence, detail),
                identity, evidence, plan.remediation, plan.frameworks, source, line,
            )

    def run(self, resources: Iterable[Resource]) -> Iterator[Finding]:
        """Yield the findings of every resource, in input order then policy id order."""
        for resource in resources:
            yield from self.findings(resource)
