"""
What `ccscan lint` says from the type check, in process: unknown related types (each named
once, with a hint when one is close), operator checks inside a related `where`, numbers,
numeric strings, and the fields of deeply nested test resources.
"""

from __future__ import annotations

from scanner.policy.lint import lint
from scanner.policy.model import TestCase as Case
from scanner.policy.typecheck import TypeChecker

TYPECHECK_RULES = ("unknown-relation", "unknown-path", "operator-type", "test-path", "path-case",
                   "unknown-type", "unindexed-type")

RELATED = """\
id: T-TC-R
title: t
severity: low
resource: Microsoft.Storage/storageAccounts
assert:
  allOf:
    - related: {type: [microsoft.keyvault/VAULTS, Microsoft.KeyVault/vaultz, Example.Nothing/here], via: properties.encryption.keyvaultproperties.keyvaulturi, where: {field: properties.enableSoftDeleet, equals: true}}
    - count: {related: {type: Microsoft.KeyVault/vaultz, refersBack: properties.x}, where: {field: properties.y, equals: 1}}
      greater: 0
"""


def _lint(tmp_path, text: str, name: str = "p.yaml"):
    p = tmp_path / name
    p.write_text(text)
    _, messages = lint([p])
    return [(m.line, m.col, m.severity, m.rule, m.message) for m in messages if m.rule in TYPECHECK_RULES]


def test_unknown_related_types_are_errors_named_once_with_a_hint_and_their_paths_unchecked(tmp_path):
    # The first type is known (case aside): the loop goes on to the other two. The misspelt
    # one is named once although the count names it again. A related condition with an
    # unknown type checks no path, so the misspelt enableSoftDeleet is not reported.
    assert _lint(tmp_path, RELATED) == [
        (7, 175, "error", "unknown-relation",
         'related type "Example.Nothing/here" is not a type ccscan knows or collects'),
        (7, 175, "error", "unknown-relation",
         ('related type "Microsoft.KeyVault/vaultz" is not a type ccscan knows or collects'
         ' (did you mean "Microsoft.KeyVault/vaults"?)')),
    ]


RELATED_OPS = """\
id: T-TC-U
title: t
severity: low
resource: Microsoft.Storage/storageAccounts
assert:
  allOf:
    - related: {type: Microsoft.KeyVault/vaults, via: properties.encryption.keyvaultproperties.keyvaulturi, where: {field: properties.enableSoftDelete, like: 'x*'}}
    - related: {type: [Microsoft.KeyVault/vaults, Microsoft.Storage/storageAccounts], via: properties.encryption.keyvaultproperties.keyvaulturi, where: {field: properties.enableSoftDeleet, equals: true}}
"""


def test_a_related_where_checks_operators_and_paths_on_every_listed_type(tmp_path):
    assert _lint(tmp_path, RELATED_OPS) == [
        (7, 124, "warning", "operator-type", '"properties.enableSoftDelete": like on a boolean field'),
        (8, 161, "error", "unknown-path",
         ('"properties.enableSoftDeleet" is not a path of Microsoft.KeyVault/vaults or '
         'Microsoft.Storage/storageAccounts: properties has no field "enableSoftDeleet" '
         '(did you mean "properties.enableSoftDelete"?)')),
    ]


NUMBERS = """\
id: T-TC-K
title: t
severity: low
resource: AWS::CloudWatch::Alarm
assert:
  allOf:
    - {field: properties.Threshold, like: '1*'}
    - {field: properties.Threshold, equals: '5'}
    - {field: properties.Threshold, equals: 'abc'}
    - {field: properties.EvaluationPeriods, in: ['7', 'x']}
    - {field: properties.EvaluationPeriods, notIn: ['7', '8']}
"""


def test_numbers_and_integers_take_numeric_strings_only(tmp_path):
    # '5', '7' and '8' read as numbers: no warning; 'abc' and 'x' do not.
    assert _lint(tmp_path, NUMBERS) == [
        (7, 15, "warning", "operator-type", '"properties.Threshold": like on a number field'),
        (9, 15, "warning", "operator-type", '"properties.Threshold": equals "abc" on a number field'),
        (10, 15, "warning", "operator-type", '"properties.EvaluationPeriods": in ["7", "x"] on an integer field'),
    ]


def _nested_keys(n: int) -> str:
    """A resource whose one leaf is `zzz.a.a...` n keys deep."""
    inner = "1"
    for _ in range(n - 1):
        inner = "{a: " + inner + "}"
    return "{zzz: " + inner + "}"


def _nested_lists(n: int) -> str:
    """A resource whose one leaf is `properties.zzz[*][*]...`, n steps in all."""
    inner = "1"
    for _ in range(n - 2):
        inner = "[" + inner + "]"
    return "{properties: {zzz: " + inner + "}}"


DEEP = """\
id: T-TC-L
title: t
severity: low
resource: Microsoft.Storage/storageAccounts
assert: {field: properties.allowSharedKeyAccess, equals: false}
tests:
""" + "".join(f"  - {{name: {name}, expect: fail, resource: {res}}}\n" for name, res in (
    ("d50", _nested_keys(50)), ("d51", _nested_keys(51)),
    ("l50", _nested_lists(50)), ("l51", _nested_lists(51)),
    ("arr", "{properties: {networkAcls: {ipRules: [{valeu: 10.0.0.1}]}}}"),
))

NOT_POSSIBLE = "the resource is not a possible Microsoft.Storage/storageAccounts"


def test_test_resource_fields_are_checked_fifty_steps_deep_and_inside_array_items(tmp_path):
    # Leaves deeper than 50 steps (keys or array items) are not walked; 50 are.
    assert _lint(tmp_path, DEEP) == [
        (7, None, "warning", "test-path", f'test "d50": {NOT_POSSIBLE}: the resource has no field "zzz"'),
        (9, None, "warning", "test-path",
         f'test "l50": {NOT_POSSIBLE}: properties has no field "zzz" (did you mean "properties"?)'),
        (11, None, "warning", "test-path",
         (f'test "arr": {NOT_POSSIBLE}: properties.networkAcls.ipRules[*] has no field "valeu" '
         '(did you mean "properties.networkAcls.ipRules[*].value"?)')),
    ]


def test_a_test_case_without_a_line_gets_a_message_without_a_position():
    messages: list = []
    case = Case("t1", "pass", {"type": "Microsoft.Storage/storageAcounts"}, None, ())
    TypeChecker("p.yaml", "T-TC-N", messages).tests((case,), ["Microsoft.Storage/storageAccounts"])
    assert [(m.path, m.line, m.col, m.severity, m.rule, m.message) for m in messages] == [
        ("p.yaml", None, None, "warning", "test-path",
         ('test "t1": unknown resource type "Microsoft.Storage/storageAcounts" '
         '(did you mean "Microsoft.Storage/storageAccounts"?)')),
    ]


FROM_MAP = """\
id: T-TC-F
title: t
severity: low
resource: Microsoft.Web/sites
assert:
  allOf:
    - {field: 'identity.userAssignedIdentities[*].principalId', exists: true}
    - count:
        related: {type: Microsoft.Authorization/roleAssignments, refersBack: properties.principalId,
                  from: 'identity.userAssignedIdentities[*].principalId'}
      greaterOrEquals: 1
    - count:
        related: {type: Microsoft.Network/privateEndpoints, refersBack: 'properties.customDnsConfigs[*].ipAddresses[*]',
                  from: 'properties.siteConfig.ipSecurityRestrictions[*].ipAddress'}
      greaterOrEquals: 1
"""


def test_only_a_from_path_may_walk_a_maps_values_with_each(tmp_path):
    # A condition's [*] over a map is an error; the same path as a `from` is fine, and so is
    # a `from` whose [*] walks an array.
    assert _lint(tmp_path, FROM_MAP) == [
        (7, 15, "error", "unknown-path",
         ('"identity.userAssignedIdentities[*].principalId" is not a path of Microsoft.Web/sites: '
          'identity.userAssignedIdentities is a map, not an array (did you mean "identity.userAssignedIdentities"?)')),
    ]


KINDS = """\
id: T-TC-M
title: t
severity: low
resource: Microsoft.Storage/storageAccounts
assert:
  allOf:
    - {field: properties.allowSharedKeyAccess, contains: x}
    - {field: properties.allowSharedKeyAccess, notContains: x}
    - {field: properties.allowSharedKeyAccess, lessOrEquals: 1}
    - {field: properties.allowSharedKeyAccess, equals: 'false'}
    - {field: properties.allowSharedKeyAccess, in: [true, false]}
    - {field: properties.allowSharedKeyAccess, equals: [true]}
    - {field: properties.keyPolicy.keyExpirationPeriodInDays, equals: true}
    - {field: properties.creationTime, equals: true}
    - {field: properties.networkAcls.ipRules, like: 'x*'}
    - {field: qqqqqqqqqq, exists: true}
"""


def test_operators_that_cannot_hold_on_each_kind_of_field(tmp_path):
    # 'false' and in [true, false] suit a boolean; a list given to equals does not. A
    # timestamp is a string. A path with no close match gets no "did you mean".
    assert _lint(tmp_path, KINDS) == [
        (7, 15, "warning", "operator-type", '"properties.allowSharedKeyAccess": contains on a boolean field'),
        (8, 15, "warning", "operator-type", '"properties.allowSharedKeyAccess": notContains on a boolean field'),
        (9, 15, "warning", "operator-type", '"properties.allowSharedKeyAccess": lessOrEquals on a boolean field'),
        (12, 15, "warning", "operator-type",
         '"properties.allowSharedKeyAccess": equals [true] on a boolean field (true or false)'),
        (13, 15, "warning", "operator-type",
         '"properties.keyPolicy.keyExpirationPeriodInDays": equals true on an integer field'),
        (14, 15, "warning", "operator-type",
         '"properties.creationTime": equals true on a string field (a boolean never equals a string)'),
        (15, 15, "warning", "operator-type", '"properties.networkAcls.ipRules": like on an array field'),
        (16, 15, "error", "unknown-path",
         '"qqqqqqqqqq" is not a path of Microsoft.Storage/storageAccounts: the resource has no field "qqqqqqqqqq"'),
    ]


AWS_CASE = """\
id: T-TC-C
title: t
severity: low
resource: AWS::CloudWatch::Alarm
assert: {field: properties.threshold, greater: 1}
"""


def test_an_aws_path_that_matches_only_when_case_is_ignored_is_a_warning_at_its_place(tmp_path):
    assert _lint(tmp_path, AWS_CASE) == [
        (5, 17, "warning", "path-case",
         ('"properties.threshold" matches "properties.Threshold" of AWS::CloudWatch::Alarm only when '
         'case is ignored (AWS describe shapes are case-sensitive)')),
    ]


WALKED = """\
id: T-TC-W
title: t
severity: low
resource: Microsoft.Storage/storageAccounts
where: {field: properties.minimumTlsVersio, exists: true}
assert:
  anyOf:
    - {field: properties.allowSharedKeyAcess, equals: false}
    - not: {field: properties.supportsHttpsTrafficOnli, equals: false}
tests:
  - {name: a, expect: pass, resource: {type: Example.Nothing/here}}
  - {name: b, expect: pass, resource: {properties: {allowSharedKeyAccess: false, bogus: 1}}}
  - {name: c, expect: fail, resource: {zzz: {a: 1, b: 2}}}
"""


def test_paths_in_where_any_of_and_not_and_every_test_case_are_checked(tmp_path):
    # Test "a" has a type the index does not know and nothing close: no warning, and the
    # next cases are still checked; "b" has a good field before the bad one; "c" has two
    # leaves with one problem, reported once.
    assert _lint(tmp_path, WALKED) == [
        (5, 16, "error", "unknown-path",
         ('"properties.minimumTlsVersio" is not a path of Microsoft.Storage/storageAccounts: '
          'properties has no field "minimumTlsVersio" (did you mean "properties.minimumTlsVersion"?)')),
        (8, 15, "error", "unknown-path",
         ('"properties.allowSharedKeyAcess" is not a path of Microsoft.Storage/storageAccounts: '
          'properties has no field "allowSharedKeyAcess" (did you mean "properties.allowSharedKeyAccess"?)')),
        (9, 20, "error", "unknown-path",
         ('"properties.supportsHttpsTrafficOnli" is not a path of Microsoft.Storage/storageAccounts: '
          'properties has no field "supportsHttpsTrafficOnli" (did you mean "properties.supportsHttpsTrafficOnly"?)')),
        (12, None, "warning", "test-path",
         f'test "b": {NOT_POSSIBLE}: properties has no field "bogus"'),
        (13, None, "warning", "test-path",
         f'test "c": {NOT_POSSIBLE}: the resource has no field "zzz"'),
    ]


UNKNOWN_TYPES = """\
id: T-TC-X
title: t
severity: low
resource: [Example.Nothing/here, Microsoft.Storage/storageAcounts]
assert: {field: properties.x, exists: true}
tests:
  - {name: a, expect: pass, resource: {type: Microsoft.Storage/storageAcounts}}
"""


def test_resource_types_unknown_to_the_index_and_a_test_of_the_same_misspelt_type(tmp_path):
    # The test case's type is the policy's own misspelling, already an error: not repeated.
    assert _lint(tmp_path, UNKNOWN_TYPES) == [
        (4, 12, "warning", "unindexed-type",
         'resource type "Example.Nothing/here" is not in ccscan\'s type index: its paths cannot be checked'),
        (4, 34, "error", "unknown-type",
         'unknown resource type "Microsoft.Storage/storageAcounts" (did you mean "Microsoft.Storage/storageAccounts"?)'),
    ]


EVERY_READ = """\
id: T-TC-P
title: t
severity: low
resource: Microsoft.Web/sites
assert:
  allOf:
    - count:
        field: 'properties.siteConfig.ipSecurityRestrictionz[*]'
        where: {field: 'properties.siteConfig.ipSecurityRestrictionz[*].action', equals: Allow}
      greater: 0
    - count:
        related: {type: Microsoft.Authorization/roleAssignments, refersBack: properties.principalIdd,
                  from: identity.principalIdd}
      greaterOrEquals: 1
    - related: {type: Microsoft.Network/virtualNetworks, via: properties.virtualNetworkSubnetIdd,
                key: properties.subnetz}
    - related:
        type: Microsoft.Network/privateEndpoints
        via: properties.virtualNetworkSubnetId
        where: {field: properties.subnet.id, sameAs: properties.virtualNetworkSubnetIdd}
    - decode: {field: properties.siteConfig.linuxFxVersionn, as: base64json, where: {field: a, exists: true}}
"""

SITES = "is not a path of Microsoft.Web/sites"


def test_every_kind_of_read_path_is_checked_on_its_own_type_at_its_own_value(tmp_path):
    # count `field`, `refersBack` (the related type), `from` (the judged resource), `via`,
    # `key` (the related type), `sameAs` (the judged resource, though inside a related
    # `where`) and a `decode` field; each error sits at the path's own value.
    assert [(line, col, msg) for line, col, _, _, msg in _lint(tmp_path, EVERY_READ)] == [
        (8, 16, (f'"properties.siteConfig.ipSecurityRestrictionz[*]" {SITES}: properties.siteConfig has no field '
                '"ipSecurityRestrictionz" (did you mean "properties.siteConfig.ipSecurityRestrictions[*]"?)')),
        (9, 24, (f'"properties.siteConfig.ipSecurityRestrictionz[*].action" {SITES}: properties.siteConfig has no '
                'field "ipSecurityRestrictionz" (did you mean "properties.siteConfig.ipSecurityRestrictions[*].action"?)')),
        (12, 78, ('"properties.principalIdd" is not a path of Microsoft.Authorization/roleAssignments: properties '
                  'has no field "principalIdd" (did you mean "properties.principalId"?)')),
        (13, 25, (f'"identity.principalIdd" {SITES}: identity has no field "principalIdd" '
                 '(did you mean "identity.principalId"?)')),
        (15, 63, (f'"properties.virtualNetworkSubnetIdd" {SITES}: properties has no field "virtualNetworkSubnetIdd" '
                 '(did you mean "properties.virtualNetworkSubnetId"?)')),
        (16, 22, ('"properties.subnetz" is not a path of Microsoft.Network/virtualNetworks: properties has no field '
                  '"subnetz" (did you mean "properties.subnets[*]"?)')),
        (20, 54, (f'"properties.virtualNetworkSubnetIdd" {SITES}: properties has no field "virtualNetworkSubnetIdd" '
                 '(did you mean "properties.virtualNetworkSubnetId"?)')),
        (21, 23, (f'"properties.siteConfig.linuxFxVersionn" {SITES}: properties.siteConfig has no field '
                 '"linuxFxVersionn" (did you mean "properties.siteConfig.linuxFxVersion"?)')),
    ]


SAME_AS_PARENT = """\
id: T-TC-S
title: t
severity: low
resource: Microsoft.Web/sites
assert:
  related:
    type: Microsoft.Network/virtualNetworks
    via: properties.virtualNetworkSubnetId
    where: {field: id, sameAs: {field: properties.virtualNetworkSubnetIdd, parent: true}}
"""


def test_the_field_of_a_same_as_mapping_is_checked_on_the_judged_resource(tmp_path):
    assert _lint(tmp_path, SAME_AS_PARENT) == [
        (9, 32, "error", "unknown-path",
         (f'"properties.virtualNetworkSubnetIdd" {SITES}: properties has no field "virtualNetworkSubnetIdd" '
          '(did you mean "properties.virtualNetworkSubnetId"?)')),
    ]
