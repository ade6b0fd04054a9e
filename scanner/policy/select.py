"""
Which policies a scan runs: `--check`/`--skip-check` (ids or globs, case-insensitive) and
`--severity` (one or more levels), like Checkov's and Prowler's check selection.

A pattern that matches no loaded policy is a usage error with a did-you-mean: a typo in
`--skip-check` must not silently run the check it meant to skip, and one in `--check` must
not silently run nothing.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Callable, Sequence
from dataclasses import replace

from scanner.errors import UsageError
from scanner.findings import SEVERITIES
from scanner.policy.catalog import Catalog


def severities(values: Sequence[str]) -> set[str]:
    """`("high,critical", "medium")` -> {"high", "critical", "medium"}; raises UsageError."""
    chosen = {v.strip().lower() for value in values for v in value.split(",") if v.strip()}
    unknown = sorted(chosen - set(SEVERITIES))
    if unknown:
        raise UsageError(f"--severity {', '.join(unknown)}: not a severity "
                         f"(choose from {', '.join(SEVERITIES)})")
    return chosen


def _matcher(pattern: str) -> Callable[[str], bool]:
    """Whether a policy id matches `pattern` (case-insensitive). The pattern is read once: a
    plain id (most `--check`s) is a comparison, not a glob run against every policy id."""
    pat = pattern.strip().upper()
    if not any(c in pat for c in "*?["):
        return lambda policy_id: policy_id.upper() == pat
    return lambda policy_id: fnmatch.fnmatchcase(policy_id.upper(), pat)


def _validate(option: str, patterns: Sequence[str], ids: list[str]) -> None:
    for pattern in patterns:
        match = _matcher(pattern)
        if not any(match(i) for i in ids):
            upper = {i.upper(): i for i in ids}
            hint = difflib.get_close_matches(pattern.strip().upper(), list(upper), n=1)
            tip = f" (did you mean {upper[hint[0]]}?)" if hint else " (see `ccscan policies list`)"
            raise UsageError(f"{option} {pattern}: matches no policy{tip}")


def select_policies(catalog: Catalog, checks: Sequence[str] = (), skips: Sequence[str] = (),
                    levels: Sequence[str] = ()) -> Catalog:
    """
    Keep the policies matching any `checks` (all when none), none of `skips`, and of one of
    `levels` (all when none). Raises UsageError for a pattern matching no loaded policy, an
    unknown severity, or a selection that leaves no policy at all.
    """
    ids = [p.id for p in catalog.policies]
    _validate("--check", checks, ids)
    _validate("--skip-check", skips, ids)
    wanted = severities(levels)
    chosen, skipped = [_matcher(c) for c in checks], [_matcher(s) for s in skips]
    keep = [p for p in catalog.policies
            if (not chosen or any(m(p.id) for m in chosen))
            and not any(m(p.id) for m in skipped)
            and (not wanted or p.severity in wanted)]
    if not keep and (checks or skips or levels):
        raise UsageError("the --check/--skip-check/--severity selection leaves no policy to run")
    return replace(catalog, policies=keep)
