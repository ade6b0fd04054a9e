"""
What `ccscan lint` and `ccscan test` say, in process: type-check warnings with their article,
place and policy, and the closing lines of `ccscan test`.
"""

from __future__ import annotations

from pathlib import Path

from scanner.policy.catalog import load_catalog
from scanner.policy.lint import lint
from scanner.policy.model import LintMessage
from scanner.policy.selftest import summary_lines

POLICY = """\
id: T-TC-1
title: t
severity: low
resource: Microsoft.Storage/storageAccounts
assert:
  allOf:
    - {field: properties.keyPolicy.keyExpirationPeriodInDays, like: '9*'}
    - {field: properties.allowSharedKeyAccess, versionAtLeast: '1.2'}
tests:
  - {name: p, expect: pass, resource: {properties: {allowSharedKeyAccess: true}}}
  - {name: f, expect: fail, resource: {properties: {allowSharedKeyAccess: false}}}
"""

UNTESTED = """\
id: T-TC-{n}
title: t
severity: low
resource: Microsoft.Storage/storageAccounts
assert: {{field: properties.allowSharedKeyAccess, equals: false}}
"""


def test_type_check_warnings_name_the_kind_with_its_article_place_and_policy(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text(POLICY)
    _, messages = lint([p])
    assert messages == [
        LintMessage(str(p), 7, 15, "warning", "operator-type",
                    '"properties.keyPolicy.keyExpirationPeriodInDays": like on an integer field', "T-TC-1"),
        LintMessage(str(p), 8, 15, "warning", "operator-type",
                    '"properties.allowSharedKeyAccess": versionAtLeast on a boolean field', "T-TC-1"),
    ]


def test_the_closing_lines_of_ccscan_test(tmp_path):
    (tmp_path / "a.yaml").write_text(POLICY)
    (tmp_path / "b.yaml").write_text(UNTESTED.format(n=2))
    two = load_catalog([tmp_path])
    assert summary_lines(two, 3, 1) == ["2 policies, 1 without tests", "3 passed, 1 failed"]
    (tmp_path / "c.yaml").write_text(UNTESTED.format(n=3))
    assert summary_lines(load_catalog([tmp_path]), 0, 0)[0] == "3 policies, 2 without tests"
    one = load_catalog([Path(tmp_path / "a.yaml")])
    assert summary_lines(one, 2, 0) == ["1 policy, 0 without tests", "2 passed, 0 failed"]
