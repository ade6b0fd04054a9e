"""
Compiled policies, frameworks, and the messages lint reports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Check = Callable[[Any, "list | None", Any], bool]
"""A compiled condition: check(doc, reads, element) -> bool; appends (path, value) to reads."""


@dataclass(frozen=True, slots=True)
class LintMessage:
    """
    One problem in a policy or framework file, at a place.
    """

    path: str
    line: int | None
    col: int | None
    severity: Literal["error", "warning"]
    rule: str
    """A short stable name: `schema`, `unknown-operator`, `bad-regex`, `duplicate-id`…"""
    message: str
    policy_id: str | None = None

    def render(self) -> str:
        """`file:line:col: severity: message [rule]`."""
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        return f"{where}: {self.severity}: {self.message} [{self.rule}]"


@dataclass(frozen=True, slots=True)
class TestCase:
    """
    An embedded test: a resource and the outcome the policy must give it.
    """

    name: str
    expect: Literal["pass", "fail", "unknown", "not_applicable"]
    resource: dict[str, Any]
    line: int | None = None
    related: tuple[dict[str, Any], ...] = ()
    """Related resources the case needs (`related:` in the test), indexed for it alone."""


@dataclass(frozen=True, slots=True)
class Policy:
    """
    A policy compiled into closures; evaluation never touches YAML or path strings again.
    """

    id: str
    title: str
    severity: str
    types: tuple[str, ...]
    """Resource types, lower-cased (types compare case-insensitively)."""
    type_names: tuple[str, ...]
    """Resource types as the author wrote them."""
    check: Check
    expectation: str
    """The assertion in words, for messages: `properties.httpsOnly equals True`."""
    where: Check | None = None
    requires: tuple[tuple[str, Callable[[Any], Any]], ...] = ()
    """(path text, getter) for each `requires` path."""
    description: str = ""
    remediation: str = ""
    references: tuple[str, ...] = ()
    frameworks: dict[str, list[str]] = field(default_factory=dict)
    tests: tuple[TestCase, ...] = ()
    file: str = ""
    line: int | None = None
    sha256: str = ""
    """sha256 of the policy document (canonical JSON), recorded in every scan result."""
    source: Any = field(default=None, compare=False, hash=False)
    """The policy document as loaded (for `--explain`, which compiles a tracing twin)."""
    relations: tuple[Any, ...] = ()
    """The `scanner.relindex.Relation`s its conditions follow; empty for single-resource policies."""


@dataclass(frozen=True, slots=True)
class Control:
    id: str
    title: str
    description: str
    policies: tuple[str, ...]
    """Policy ids the framework file maps to this control."""


@dataclass(frozen=True, slots=True)
class Framework:
    """
    A compliance framework (SOC 2 …): its controls and the policies mapped to each.
    """

    id: str
    title: str
    version: str
    controls: tuple[Control, ...]
    file: str = ""
    sha256: str = ""
    source: Any = field(default=None, compare=False, hash=False)
    """The framework document as loaded (positions for messages)."""
    borrowed: bool = False
    """A built-in framework loaded because a policy maps to it, not found under the paths."""
