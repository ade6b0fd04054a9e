"""
How lint and trace messages print values: regexes in single quotes only when that is
faithful, non-ASCII text as written, anything JSON cannot hold as its text.
"""

from __future__ import annotations

import pytest

from scanner.policy.display import plural, show


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("a\\d", "'a\\d'"),  # a regex keeps its one backslash
        ("it's\\d", '"it\'s\\\\d"'),  # a quote inside: JSON instead
        ("a\\\x01", '"a\\\\\\u0001"'),  # a control character: JSON escapes it
        ("é", '"é"'),  # not \u00e9
        ({1, 2}, '"{1, 2}"'),  # not JSON: its text
        (True, "true"),
    ],
    ids=["regex", "quote", "control", "non-ascii", "set", "bool"],
)
def test_show(value, shown):
    assert show(value) == shown


def test_plural():
    assert [plural(1, "policy", "policies"), plural(2, "policy", "policies"),
            plural(0, "error")] == ["1 policy", "2 policies", "0 errors"]


def test_show_a_value_json_refuses():
    looped: list = []
    looped.append(looped)  # json.dumps: "Circular reference detected"
    assert show(looped) == "[[...]]"
