"""
Run the `tests:` embedded in each policy: `ccscan test`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from scanner.engine import evaluate
from scanner.inventory.resource import Resource
from scanner.policy.catalog import Catalog
from scanner.policy.display import plural
from scanner.policy.model import Policy, TestCase
from scanner.relindex import ACTIVE, RelationIndex, merge_relations, merged


@dataclass(frozen=True, slots=True)
class CaseResult:
    policy: Policy
    case: TestCase
    got: str
    detail: str

    @property
    def ok(self) -> bool:
        return self.got == self.case.expect

    def describe(self) -> str:
        where = f"{self.policy.file}:{self.case.line}" if self.case.line else self.policy.file
        extra = f" ({self.detail})" if self.detail and self.got == "error" else ""
        return (f"{where}: {self.policy.id} test {self.case.name!r}: expected {self.case.expect}, "
                f"got {self.got}{extra}")


def outcome_for(policy: Policy, case: TestCase) -> tuple[str, str]:
    """The outcome `ccscan scan` would give this test resource (type match included)."""
    if str(case.resource.get("type", "")).lower() not in policy.types:
        return "not_applicable", ""
    doc, related = _case_doc(policy, case)
    outcome, _, detail = evaluate(policy, doc, related)
    return outcome, detail


def explain_case(policy: Policy, case: TestCase) -> list[str]:
    """The `--explain` trace of a case, its related resources in the index as in `outcome_for`."""
    from scanner.policy.explain import explain

    doc, related = _case_doc(policy, case)
    token = ACTIVE.set(related)
    try:
        return explain(policy, doc)
    finally:
        ACTIVE.reset(token)


def _case_doc(policy: Policy, case: TestCase) -> tuple[dict, RelationIndex | None]:
    if not (case.related or policy.relations):
        return case.resource, None
    # a scan has an index (maybe empty) for a relational policy: so does a case without `related`
    related = RelationIndex([*policy.relations, *merge_relations(policy.types)])
    for rel in case.related:
        related.add(Resource(rel))
    return merged(case.resource, str(case.resource.get("type", "")).lower(), related), related


def run_tests(catalog: Catalog) -> Iterator[CaseResult]:
    """Yield the result of every embedded test case, policy by policy."""
    for policy in catalog.policies:
        for case in policy.tests:
            got, detail = outcome_for(policy, case)
            yield CaseResult(policy, case, got, detail)


def summary_lines(catalog: Catalog, passed: int, failed: int) -> list[str]:
    """The closing lines of `ccscan test`; the last one is `N passed, N failed`."""
    untested = sum(1 for p in catalog.policies if not p.tests)
    return [f"{plural(len(catalog.policies), 'policy', 'policies')}, {untested} without tests",
            f"{passed} passed, {failed} failed"]
