"""
Compile a single condition or policy from plain Python data, for tests.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from scanner.inventory.resource import Resource
from scanner.policy.compile import ConditionCompiler
from scanner.policy.model import LintMessage
from scanner.policy.related import with_root
from scanner.policy.yamlload import load_documents
from scanner.relindex import ACTIVE, RelationIndex


def compile_file_condition(path: Path) -> tuple[Any, list[LintMessage]]:
    """(check, lint messages) of the `cond:` of a YAML file, with the file's lines and columns."""
    (doc,) = load_documents(path)
    messages: list[LintMessage] = []
    check, _ = ConditionCompiler(str(path), "P", messages).compile(doc["cond"])
    return check, messages


def compile_condition(cond: dict[str, Any]):
    messages: list[LintMessage] = []
    check, text = ConditionCompiler("t.yaml", "T-1", messages).compile(cond)
    return check, text, messages


def holds(cond: dict[str, Any], doc: dict[str, Any]) -> bool:
    check, _, messages = compile_condition(cond)
    assert not messages, [m.message for m in messages]
    return check(doc, [], None)


def plain_id(value: Any) -> str:
    # Letters, digits and dashes only: mutmut re-selects tests by node id, and a dict repr's
    # quotes and brackets make those ids fragile.
    return re.sub(r"[^A-Za-z0-9]+", "-", json.dumps(value)).strip("-")


def compile_related(cond: Any, policy_id: str = "T-1") -> tuple[Any, list, list[LintMessage]]:
    """(check, the relations it follows, lint messages); the check sets its root for `sameAs`."""
    messages: list[LintMessage] = []
    compiler = ConditionCompiler("t.yaml", policy_id, messages)
    check, _ = compiler.compile(cond)
    return (with_root(check) if compiler.uses_root else check), compiler.relations, messages


def run_related(cond: dict[str, Any], doc: dict[str, Any], related: list[dict[str, Any]]) -> tuple[bool, list]:
    """Evaluate one condition with `related` in the index; raise what the check raises."""
    check, relations, messages = compile_related(cond)
    assert not messages, [m.message for m in messages]
    index = RelationIndex(relations)
    for r in related:
        index.add(Resource(r))
    reads: list = []
    token = ACTIVE.set(index)
    try:
        return check(doc, reads, None), reads
    finally:
        ACTIVE.reset(token)
