"""
Check selection: the exact words of each usage error (exit 2), and a --skip-check alone that
leaves nothing to run.
"""

from __future__ import annotations

import pytest

from scanner.errors import UsageError
from scanner.policy.select import select_policies
from scanner.scan import load_policies

CATALOG = load_policies(None)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"levels": ["bogus,worse"]},
         "--severity bogus, worse: not a severity (choose from info, low, medium, high, critical)"),
        ({"checks": ["QQQQQQQQQQQQQQQQQQ"]},
         "--check QQQQQQQQQQQQQQQQQQ: matches no policy (see `ccscan policies list`)"),
        ({"checks": ["ccs-az-vm-0011"]},
         "--check ccs-az-vm-0011: matches no policy (did you mean CCS-AZ-VM-001?)"),
        ({"skips": ["*"]}, "the --check/--skip-check/--severity selection leaves no policy to run"),
    ],
    ids=["unknown-severities", "no-hint", "hint", "skip-everything"],
)
def test_selection_usage_errors(kwargs, message):
    with pytest.raises(UsageError) as e:
        select_policies(CATALOG, **kwargs)
    assert str(e.value) == message


def test_a_glob_of_star_question_mark_and_class_matches_by_fnmatch():
    chosen = select_policies(CATALOG, checks=["ccs-az-vm-0?[1]*"])
    assert [p.id for p in chosen.policies] == ["CCS-AZ-VM-001"]
