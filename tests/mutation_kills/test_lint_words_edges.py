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

KINDS = (
    'id: T-TC-2\n'
    'title: t\n'
    'severity: low\n'
    'resource: Microsoft.Storage/storageAccounts\n'
    'assert:\n'
    '  allOf:\n'
    '    - {field: properties.allowSharedKeyAccess, notIn: [true, false]}\n'
    "    - {field: properties.allowSharedKeyAccess, equals: 'TRUE'}\n"
    "    - {field: properties.encryption, like: 'x*'}\n"
    "    - {field: tags, like: 'x*'}\n"
    '    - related: {type: Microsoft.KeyVault/vaults, via: properties.encryption.keyvaultproperties.keyvaulturi, where: {field: properties.enableSoftDeleet, equals: true}}\n'
    'tests:\n'
    '  - {name: p, expect: pass, resource: {properties: {allowSharedKeyAccess: true}}}\n'
    '  - {name: f, expect: fail, resource: {properties: {allowSharedKeyAccess: false}}}\n'
)

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


SOFT_DELETE = ('"properties.enableSoftDeleet" is not a path of Microsoft.KeyVault/vaults: '
               'properties has no field "enableSoftDeleet" (did you mean "properties.enableSoftDelete"?)')


def test_type_check_of_booleans_objects_maps_and_related_paths(tmp_path):
    p = tmp_path / "q.yaml"
    p.write_text(KINDS)
    _, messages = lint([p])
    # notIn [true, false] and equals 'TRUE' are fine on a boolean; like is not on an object
    # (nor on a map such as tags); a misspelt path inside a related `where` is found on the
    # related type.
    assert [(m.line, m.col, m.severity, m.rule, m.message) for m in messages] == [
        (9, 15, "warning", "operator-type", '"properties.encryption": like on an object field'),
        (10, 15, "warning", "operator-type", '"tags": like on an object field'),
        (11, 124, "error", "unknown-path", SOFT_DELETE),
    ]
