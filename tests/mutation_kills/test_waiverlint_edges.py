"""
`ccscan lint --waivers`, in process: key typos at their place (each once), entries that are not
mappings, unknown and broad policy globs, expiry, and files that are not waiver files at all.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from scanner.policy.catalog import load_catalog
from scanner.policy.model import LintMessage
from scanner.policy.waiverlint import lint_waiver_files

POLICIES = (
    'id: T-1\n'
    'title: t\n'
    'severity: low\n'
    'resource: Microsoft.Storage/storageAccounts\n'
    'assert: {field: properties.allowSharedKeyAccess, equals: false}\n'
    '---\n'
    'id: T-2\n'
    'title: t\n'
    'severity: low\n'
    'resource: Microsoft.Storage/storageAccounts\n'
    'assert: {field: properties.allowSharedKeyAccess, equals: false}\n'
)
TYPOS = (
    'waivers:\n'
    '  - "just text"\n'
    '  - policy: T-1\n'
    '    resource: "*x*"\n'
    '    reason: accepted\n'
    '    owner: team@example.com\n'
    '    expire: "2999-01-01"\n'
    '    zzzz: 1\n'
)
MATCHING = (
    'waivers:\n'
    '  - policy: ZZZZ-9\n'
    '    resource: "*"\n'
    '    reason: accepted\n'
    '    owner: team@example.com\n'
    '    expires: "2000-01-01"\n'
    '  - policy: t-2x\n'
    '    resource: "*"\n'
    '    reason: accepted\n'
    '    owner: team@example.com\n'
    '    expires: "2999-01-01"\n'
    '  - policy: "*"\n'
    '    resource: "*x*"\n'
    '    reason: accepted\n'
    '    owner: team@example.com\n'
    '    expires: "2999-01-01"\n'
    '  - policy: "T-*"\n'
    '    resource: "**"\n'
    '    reason: accepted\n'
    '    owner: team@example.com\n'
    '    expires: "2000-01-01"\n'
)
TODAY = date(2026, 1, 1)


def setup(tmp_path: Path, text: str):
    (tmp_path / "pol.yaml").write_text(POLICIES)
    w = tmp_path / "w.yaml"
    w.write_text(text)
    return load_catalog([tmp_path / "pol.yaml"]), w


def msg(w: Path, line, col, severity, rule, message) -> LintMessage:
    return LintMessage(str(w), line, col, severity, rule, message, None)


def test_key_typos_are_reported_once_at_the_key_and_other_entries_still_checked(tmp_path):
    catalog, w = setup(tmp_path, TYPOS)
    assert lint_waiver_files([w], catalog, today=TODAY) == [
        msg(w, 7, 5, "error", "waivers", 'waivers/1: unknown key "expire" (did you mean "expires"?)'),
        msg(w, 8, 5, "error", "waivers", 'waivers/1: unknown key "zzzz"'),
        msg(w, 2, None, "error", "waivers", "waivers/0: 'just text' is not of type 'object'"),
        msg(w, 3, None, "error", "waivers", "waivers/1: 'expires' is a required property"),
    ]


def test_unknown_policies_broad_globs_and_expiry(tmp_path):
    catalog, w = setup(tmp_path, MATCHING)
    unknown = [
        msg(w, 2, None, "error", "waiver-unknown-policy", 'waiver names a policy that does not exist: "ZZZZ-9"'),
        msg(w, 2, None, "warning", "waiver-expired",
            "waiver for ZZZZ-9 * (owner team@example.com) expired on 2000-01-01"),
        msg(w, 7, None, "error", "waiver-unknown-policy",
            'waiver names a policy that does not exist: "t-2x" (did you mean "T-2"?)'),
    ]
    expired = msg(w, 17, None, "warning", "waiver-expired",
                  "waiver for T-* ** (owner team@example.com) expired on 2000-01-01")
    broad = msg(w, 17, None, "error", "waiver-broad",
                'waiver "T-*" on "**" matches every policy and every resource; narrow it or pass '
                "--allow-broad-waivers")
    # "*" on "*x*" (line 12) matches every policy but not every resource: not broad.
    assert lint_waiver_files([w], catalog, today=TODAY) == [*unknown, broad, expired]
    assert lint_waiver_files([w], catalog, allow_broad=True, today=TODAY) == [*unknown, expired]
    assert lint_waiver_files([w], catalog, today=date(1999, 1, 1)) == [unknown[0], unknown[2], broad]


def test_files_that_are_not_waiver_files_are_one_error_each(tmp_path):
    catalog, w = setup(tmp_path, "waivers: [\n")
    assert lint_waiver_files([w], catalog, today=TODAY) == [
        msg(w, 2, 1, "error", "waivers", "invalid YAML: did not find expected node content")]
    w.write_text("- a\n- b\n")
    assert lint_waiver_files([w], catalog, today=TODAY) == [
        msg(w, 1, None, "error", "waivers", "top level: ['a', 'b'] is not of type 'object'")]


def test_a_glob_over_a_one_policy_catalog_is_not_broad(tmp_path):
    # With a single policy, "every policy" is that policy: the waiver is as narrow as its id.
    (tmp_path / "pol.yaml").write_text(POLICIES.split("---\n")[0])
    w = tmp_path / "w.yaml"
    w.write_text('waivers:\n  - policy: "T-*"\n    resource: "*"\n    reason: accepted\n'
                 '    owner: team@example.com\n    expires: "2999-01-01"\n')
    assert lint_waiver_files([w], load_catalog([tmp_path / "pol.yaml"]), today=TODAY) == []
