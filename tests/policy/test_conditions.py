"""
The condition language: each operator, and the semantics DESIGN.md pins down.
"""

from __future__ import annotations

import pytest

from scanner.policy.operators import parse_version
from tests.policy.helpers import compile_condition, holds

VM = {
    "type": "Microsoft.Compute/virtualMachines",
    "name": "vm-prod-01",
    "tags": {"env": "Prod"},
    "properties": {
        "securityProfile": {"securityType": "ConfidentialVM", "uefiSettings": {"secureBootEnabled": True}},
        "hardwareProfile": {"vmSize": "Standard_DC4as_v5"},
        "publicNetworkAccess": None,
        "count": 3,
        "rules": [{"port": 22, "access": "Allow"}, {"port": 443, "access": "Allow"}],
        "empty": [],
        "minTlsVersion": "TLS1_2",
    },
}


@pytest.mark.parametrize(
    ("cond", "expected"),
    [
        ({"field": "properties.securityProfile.securityType", "equals": "confidentialvm"}, True),
        ({"field": "properties.securityProfile.securityType", "equals": "TrustedLaunch"}, False),
        ({"field": "properties.securityProfile.securityType", "notEquals": "TrustedLaunch"}, True),
        ({"field": "properties.securityProfile.uefiSettings.secureBootEnabled", "equals": True}, True),
        ({"field": "properties.securityProfile.uefiSettings.secureBootEnabled", "equals": False}, False),
        ({"field": "properties.count", "equals": 3}, True),
        ({"field": "properties.count", "equals": "3"}, False),
        ({"field": "tags.env", "in": ["prod", "staging"]}, True),
        ({"field": "tags.env", "notIn": ["prod", "staging"]}, False),
        ({"field": "name", "contains": "PROD"}, True),
        ({"field": "name", "notContains": "dev"}, True),
        ({"field": "tags", "containsKey": "ENV"}, True),
        ({"field": "tags", "notContainsKey": "owner"}, True),
        ({"field": "properties.rules[*].port", "contains": 22}, False),  # each element is a number
        ({"field": "properties.hardwareProfile.vmSize", "like": "standard_dc*"}, True),
        ({"field": "properties.hardwareProfile.vmSize", "like": "Standard_D*_v4"}, False),
        ({"field": "properties.hardwareProfile.vmSize", "notLike": "*_v4"}, True),
        ({"field": "name", "match": "vm-????-##"}, True),
        ({"field": "name", "match": "VM-????-##"}, False),  # match is case-sensitive
        ({"field": "name", "matchInsensitively": "VM-????-##"}, True),
        ({"field": "name", "match": "vm-prod-.."}, True),
        ({"field": "name", "notMatch": "vm-####-##"}, True),
        ({"field": "properties.hardwareProfile.vmSize", "regex": "^Standard_(DC|EC)\\d+a"}, True),
        ({"field": "properties.hardwareProfile.vmSize", "regex": "^DC"}, False),
        ({"field": "properties.count", "less": 4}, True),
        ({"field": "properties.count", "lessOrEquals": 3}, True),
        ({"field": "properties.count", "greater": 3}, False),
        ({"field": "properties.count", "greaterOrEquals": 3}, True),
        ({"field": "properties.count", "greater": "2"}, False),  # no number/string mixing
        ({"field": "properties.minTlsVersion", "versionAtLeast": "1.2"}, True),
        ({"field": "properties.minTlsVersion", "versionAtLeast": "1.3"}, False),
        ({"field": "properties.SECURITYPROFILE.securityType", "equals": "ConfidentialVM"}, True),
    ],
)
def test_operator(cond, expected):
    assert holds(cond, VM) is expected


@pytest.mark.parametrize(
    "cond",
    [
        {"field": "properties.publicNetworkAccess", "equals": "Enabled"},
        {"field": "properties.publicNetworkAccess", "notEquals": "Enabled"},
        {"field": "properties.publicNetworkAccess", "notIn": ["Enabled"]},
        {"field": "properties.absent", "notContains": "x"},
        {"field": "properties.absent", "notLike": "*"},
        {"field": "properties.absent", "notMatch": "#"},
        {"field": "properties.absent", "notContainsKey": "k"},
        {"field": "properties.absent", "less": 5},
        {"field": "properties.absent", "versionAtLeast": "1.0"},
        {"field": "properties.absent", "exists": True},
        {"field": "properties.absent.deeper", "notEquals": "x"},
    ],
)
def test_missing_field_is_false_for_every_operator_negations_included(cond):
    # A missing (or null) field never satisfies a condition, negative ones included: the
    # classic false pass of treating missing as null (Azure Policy) is avoided on purpose.
    assert holds(cond, VM) is False


def test_exists_false_holds_on_missing_and_null():
    assert holds({"field": "properties.absent", "exists": False}, VM) is True
    assert holds({"field": "properties.publicNetworkAccess", "exists": "false"}, VM) is True
    assert holds({"field": "properties.count", "exists": False}, VM) is False


def test_not_inverts_the_whole_condition_so_missing_becomes_true():
    assert holds({"not": {"field": "properties.absent", "equals": "x"}}, VM) is True
    assert holds({"not": {"field": "properties.count", "equals": 3}}, VM) is False


def test_any_of_passes_when_another_branch_holds_with_one_field_missing():
    cond = {"anyOf": [
        {"field": "properties.publicNetworkAccess", "equals": "Disabled"},
        {"field": "tags.env", "equals": "prod"},
    ]}
    assert holds(cond, VM) is True
    assert holds({"allOf": cond["anyOf"]}, VM) is False


def test_star_path_outside_count_must_hold_for_every_element():
    assert holds({"field": "properties.rules[*].access", "equals": "Allow"}, VM) is True
    assert holds({"field": "properties.rules[*].port", "equals": 22}, VM) is False
    assert holds({"field": "properties.rules[*].port", "greater": 20}, VM) is True


def test_star_path_is_false_on_empty_or_missing_array():
    assert holds({"field": "properties.empty[*].port", "exists": False}, VM) is False
    assert holds({"field": "properties.nothing[*].port", "equals": 1}, VM) is False
    assert holds({"field": "properties.nothing[*].port", "exists": False}, VM) is False


def test_star_path_with_an_element_lacking_the_field_fails():
    doc = {"properties": {"rules": [{"port": 22}, {}]}}
    assert holds({"field": "properties.rules[*].port", "greater": 1}, doc) is False
    assert holds({"field": "properties.rules[*].name", "exists": False}, doc) is True


def test_count_with_where_uses_paths_relative_to_each_element():
    ssh = {"count": {"field": "properties.rules[*]",
                     "where": {"field": "properties.rules[*].port", "equals": 22}}}
    assert holds({**ssh, "equals": 1}, VM) is True
    assert holds({**ssh, "greater": 1}, VM) is False
    allowed = {"count": {"field": "properties.rules[*]",
                         "where": {"allOf": [{"field": "properties.rules[*].access", "equals": "allow"},
                                             {"not": {"field": "properties.rules[*].port", "in": [80]}}]}}}
    assert holds({**allowed, "equals": 2}, VM) is True


def test_count_is_zero_on_missing_or_empty_array():
    assert holds({"count": {"field": "properties.nothing[*]"}, "equals": 0}, VM) is True
    assert holds({"count": {"field": "properties.empty[*]"}, "less": 1}, VM) is True
    assert holds({"count": {"field": "properties.rules[*]"}, "in": [2, 3]}, VM) is True


def test_count_where_can_read_outside_the_element():
    cond = {"count": {"field": "properties.rules[*]",
                      "where": {"allOf": [{"field": "properties.rules[*].port", "equals": 443},
                                          {"field": "tags.env", "equals": "prod"}]}},
            "equals": 1}
    assert holds(cond, VM) is True


def test_nested_count_over_a_sub_array_of_the_element():
    doc = {"properties": {"groups": [
        {"rules": [{"port": 22}, {"port": 80}]},
        {"rules": [{"port": 443}]},
    ]}}
    cond = {"count": {"field": "properties.groups[*]",
                      "where": {"count": {"field": "properties.groups[*].rules[*]",
                                          "where": {"field": "properties.groups[*].rules[*].port", "equals": 22}},
                                "greaterOrEquals": 1}},
            "equals": 1}
    assert holds(cond, doc) is True


@pytest.mark.parametrize(
    ("text", "version"),
    [("1.2", (1, 2, 0)), ("TLS1_2", (1, 2, 0)), ("TLS12", (1, 2, 0)), ("TLSv1.3", (1, 3, 0)),
     ("Tls13", (1, 3, 0)), (1.2, (1, 2, 0)), ("TLS1_0", (1, 0, 0)), ("nope", None), (None, None)],
)
def test_parse_version_reads_every_tls_spelling(text, version):
    assert parse_version(text) == version


def test_evidence_records_every_path_read_with_its_value():
    check, _, _ = compile_condition({"allOf": [
        {"field": "properties.securityProfile.securityType", "equals": "ConfidentialVM"},
        {"field": "properties.absent", "exists": False},
    ]})
    reads: list = []
    assert check(VM, reads, None) is True
    assert [r[0] for r in reads] == ["properties.securityProfile.securityType", "properties.absent"]
    assert reads[0][1] == "ConfidentialVM"


@pytest.mark.parametrize(
    ("cond", "rule", "fragment"),
    [
        ({"field": "x", "equal": 1}, "unknown-operator", "did you mean 'equals'"),
        ({"field": "x", "regex": "("}, "bad-regex", "does not compile"),
        ({"field": "x", "in": "notalist"}, "bad-value", "non-empty list"),
        ({"field": "x", "equals": 1, "notEquals": 2}, "schema", "exactly one operator"),
        ({"field": "x[*", "equals": 1}, "bad-path", "bad field path"),
        ({"field": "[*].x", "equals": 1}, "bad-path", "needs a name"),
        ({"count": {"field": "properties.rules"}, "equals": 1}, "bad-path", "must end with '[*]'"),
        ({"count": {"field": "properties.rules[*]"}, "equals": "one"}, "bad-value", "whole number"),
        ({"allOf": []}, "schema", "non-empty list"),
        ({"allOf": [{"field": "x", "exists": True}], "field": "y"}, "schema", "must stand alone"),
        ({"field": "x", "exists": "maybe"}, "bad-value", "true or false"),
        ({"field": "x", "versionAtLeast": "latest"}, "bad-value", "as a version"),
    ],
)
def test_compile_errors_name_the_rule(cond, rule, fragment):
    _, _, messages = compile_condition(cond)
    assert messages, "expected a compile error"
    assert messages[0].rule == rule
    assert fragment in messages[0].message


# --- properties -------------------------------------------------------------------------

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.policy.operators import OPERATORS

keys = st.text("abcdefgh", min_size=1, max_size=4)
scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.text("abcXYZ12 ._", max_size=6)
docs = st.recursive(scalars, lambda kids: st.lists(kids, max_size=3) | st.dictionaries(keys, kids, max_size=3),
                    max_leaves=12)
SAMPLE_VALUES = {
    "in": ["a"], "notIn": ["a"], "like": "a*", "notLike": "a*", "match": "a#", "notMatch": "a#",
    "matchInsensitively": "a?", "notMatchInsensitively": "a?", "regex": "a", "containsKey": "a",
    "notContainsKey": "a", "versionAtLeast": "1.2", "less": 3, "lessOrEquals": 3, "greater": 3,
    "greaterOrEquals": 3,
}


@given(doc=st.dictionaries(keys, docs, max_size=4), op=st.sampled_from(sorted(OPERATORS)), value=scalars)
@settings(max_examples=400, deadline=None)
def test_property_a_missing_field_never_satisfies_an_operator(doc, op, value):
    cond = {"field": "zz.absent", op: SAMPLE_VALUES.get(op, value if value is not None else "x")}
    assert holds(cond, doc) is False
    assert holds({"not": cond}, doc) is True
    assert holds({"field": "zz.absent", "exists": False}, doc) is True


@given(text=st.text("abcdefXYZ", min_size=1, max_size=8))
@settings(max_examples=200, deadline=None)
def test_property_string_equality_ignores_case_and_like_without_star_is_equals(text):
    doc = {"v": text}
    for probe in (text.upper(), text.lower(), text.swapcase()):
        assert holds({"field": "v", "equals": probe}, doc) is True
        assert holds({"field": "v", "like": probe}, doc) is True
        assert holds({"field": "v", "notEquals": probe}, doc) is False
    assert holds({"field": "v", "match": text}, doc) is True  # letters are literal in match
    assert holds({"field": "v", "match": text.swapcase()}, doc) is (text == text.swapcase())


@given(values=st.lists(st.integers(0, 9), max_size=6), threshold=st.integers(0, 9))
@settings(max_examples=200, deadline=None)
def test_property_count_and_star_agree_with_plain_python(values, threshold):
    doc = {"p": {"items": [{"n": v} for v in values]}}
    counted = {"count": {"field": "p.items[*]", "where": {"field": "p.items[*].n", "greater": threshold}},
               "equals": sum(v > threshold for v in values)}
    assert holds(counted, doc) is True
    every = {"field": "p.items[*].n", "greater": threshold}
    assert holds(every, doc) is (bool(values) and all(v > threshold for v in values))
