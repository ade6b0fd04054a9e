"""
Compile a single condition or policy from plain Python data, for tests.
"""

from __future__ import annotations

import json
import re
from typing import Any

from scanner.policy.compile import ConditionCompiler
from scanner.policy.model import LintMessage


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
