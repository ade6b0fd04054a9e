"""
`ccscan lint` against the type index: a misspelt type or path fails with the right suggestion.
"""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HEAD = """\
id: T-TYPO-1
title: t
severity: low
resource: {rtype}
assert: {{field: {path}, {op}: {value}}}
tests:
  - {{name: p, expect: pass, resource: {{properties: {{allowSharedKeyAccess: false}}}}}}
  - {{name: f, expect: fail, resource: {{properties: {{allowSharedKeyAccess: true}}}}}}
"""


def lint(ccscan, tmp_path, *, rtype="Microsoft.Storage/storageAccounts",
         path="properties.allowSharedKeyAccess", op="equals", value="false", text=None):
    p = tmp_path / "p.yaml"
    p.write_text(text if text is not None else HEAD.format(rtype=rtype, path=path, op=op, value=value))
    return ccscan("lint", p)


def test_the_correct_policy_is_clean(ccscan, tmp_path):
    res = lint(ccscan, tmp_path)
    assert res.exit_code == 0 and res.stdout == "", res.stdout


def test_misspelt_type_is_an_error_with_did_you_mean(ccscan, tmp_path):
    res = lint(ccscan, tmp_path, rtype="Microsoft.Storage/storageAcounts")
    assert res.exit_code == 2
    assert ('p.yaml:4:11: error: unknown resource type "Microsoft.Storage/storageAcounts" '
            '(did you mean "Microsoft.Storage/storageAccounts"?) [unknown-type]') in res.stdout


@pytest.mark.parametrize("path", ["properties.allowSharedKeyAcess", "allowSharedKeyAccess"])
def test_impossible_path_is_an_error_that_names_the_full_path(ccscan, tmp_path, path):
    res = lint(ccscan, tmp_path, path=path)
    assert res.exit_code == 2
    assert f'p.yaml:5:17: error: "{path}" is not a path of Microsoft.Storage/storageAccounts' in res.stdout
    assert '(did you mean "properties.allowSharedKeyAccess"?) [unknown-path]' in res.stdout


def test_a_misspelt_policy_makes_test_refuse_to_run(ccscan, tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text(HEAD.format(rtype="Microsoft.Storage/storageAccounts",
                             path="properties.allowSharedKeyAcess", op="equals", value="false"))
    res = ccscan("test", p)
    assert res.exit_code == 2 and "allowSharedKeyAcess" in res.stderr


def test_type_and_property_names_are_case_insensitive_for_azure(ccscan, tmp_path):
    res = lint(ccscan, tmp_path, rtype="microsoft.storage/STORAGEACCOUNTS",
               path="Properties.AllowSharedKeyAccess")
    assert res.exit_code == 0 and res.stdout == "", res.stdout


def test_aws_case_only_match_is_a_warning(ccscan, tmp_path):
    res = lint(ccscan, tmp_path, rtype="AWS::EC2::Instance", path="properties.metadataOptions.HttpTokens",
               value="required")
    assert res.exit_code == 0
    assert ('"properties.metadataOptions.HttpTokens" matches "properties.MetadataOptions.HttpTokens" '
            "of AWS::EC2::Instance only when case is ignored") in res.stdout


def test_open_maps_are_allowed_and_unindexed_types_warn(ccscan, tmp_path):
    assert lint(ccscan, tmp_path, path="\"tags['cost.center']\"", op="exists", value="true").stdout.count(
        "error") == 0
    res = lint(ccscan, tmp_path, rtype="Contoso.Widgets/gadgets", path="properties.anything")
    assert res.exit_code == 0
    assert 'warning: resource type "Contoso.Widgets/gadgets" is not in ccscan\'s type index' in res.stdout
    assert ccscan("lint", "--strict", tmp_path / "p.yaml").exit_code == 2


@pytest.mark.parametrize("path, op, value, words", [
    ("properties.allowSharedKeyAccess", "versionAtLeast", "'1.2'", "versionAtLeast on a boolean field"),
    ("properties.allowSharedKeyAccess", "equals", "Enabled", 'equals "Enabled" on a boolean field'),
    ("properties.minimumTlsVersion", "equals", "true", "equals true on a string field"),
    ("properties.keyPolicy.keyExpirationPeriodInDays", "like", "'9*'", "like on an integer field"),
])
def test_operator_kind_mismatches_are_warnings(ccscan, tmp_path, path, op, value, words):
    res = lint(ccscan, tmp_path, path=path, op=op, value=value)
    assert res.exit_code == 0
    assert words in res.stdout and "[operator-type]" in res.stdout


def test_paths_in_count_where_and_requires_are_checked(ccscan, tmp_path):
    text = textwrap.dedent("""\
        id: T-COUNT-1
        title: t
        severity: low
        resource: Microsoft.Storage/storageAccounts
        requires: [properties.networkAcl]
        assert:
          count:
            field: 'properties.networkAcls.ipRules[*]'
            where: {field: 'properties.networkAcls.ipRules[*].valu', equals: 1.2.3.4}
          equals: 0
        """)
    res = lint(ccscan, tmp_path, text=text)
    assert res.exit_code == 2
    assert ':5:12: error: "properties.networkAcl" is not a path' in res.stdout
    assert '(did you mean "properties.networkAcls"?)' in res.stdout
    assert '(did you mean "properties.networkAcls.ipRules[*].value"?)' in res.stdout


def test_a_path_of_any_listed_type_is_accepted(ccscan, tmp_path):
    text = HEAD.format(rtype="[Microsoft.Web/sites, Microsoft.Storage/storageAccounts]",
                       path="properties.allowSharedKeyAccess", op="equals", value="false")
    assert lint(ccscan, tmp_path, text=text).exit_code == 0
    text = text.replace("properties.allowSharedKeyAccess,", "properties.nothingAtAll,")
    res = lint(ccscan, tmp_path, text=text)
    assert "is not a path of Microsoft.Web/sites or Microsoft.Storage/storageAccounts" in res.stdout


def test_test_resource_with_impossible_fields_is_a_warning(ccscan, tmp_path):
    text = HEAD.format(rtype="Microsoft.Storage/storageAccounts", path="properties.allowSharedKeyAccess",
                       op="equals", value="false").replace(
        "{name: f, expect: fail, resource: {properties: {allowSharedKeyAccess: true}}}",
        "{name: f, expect: fail, resource: {properties: {allowSharedKeyAcess: true}}}")
    res = lint(ccscan, tmp_path, text=text)
    assert res.exit_code == 0
    assert ('p.yaml:8: warning: test "f": the resource is not a possible '
            "Microsoft.Storage/storageAccounts: properties has no field \"allowSharedKeyAcess\" "
            '(did you mean "properties.allowSharedKeyAccess"?) [test-path]') in res.stdout
    p = tmp_path / "p.yaml"
    res = ccscan("test", p)
    assert res.exit_code == 0 and "allowSharedKeyAcess" in res.stderr


_names = st.sampled_from(["properties", "allowSharedKeyAccess", "tags", "kind", "[*]", "x.y",
                          "Properties", "\x1b[31m", "", "networkAcls", "ipRules[*]", "value"])
_paths = st.lists(_names, min_size=1, max_size=5).map(".".join)
_values = st.one_of(st.booleans(), st.integers(), st.text(max_size=5), st.none(),
                    st.lists(st.text(max_size=3), max_size=2))
_ops = st.sampled_from(["equals", "in", "like", "versionAtLeast", "less", "exists", "contains"])
_cond = st.recursive(
    st.builds(lambda p, o, v: {"field": p, o: v}, _paths, _ops, _values),
    lambda inner: st.one_of(st.builds(lambda c: {"allOf": c}, st.lists(inner, max_size=3)),
                            st.builds(lambda c: {"not": c}, inner),
                            st.builds(lambda p, w: {"count": {"field": p + "[*]", "where": w}, "equals": 0},
                                      _paths, inner)),
    max_leaves=6)
_types = st.one_of(st.sampled_from(["Microsoft.Storage/storageAccounts", "microsoft.storage/storageacounts",
                                    "AWS::EC2::Instance", "Nope/nope", "", "AWS::EC2::Instanc"]),
                   st.lists(st.sampled_from(["AWS::KMS::Key", "Microsoft.Web/sites", "x"]), max_size=2))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rtype=_types, cond=_cond, resource=st.dictionaries(_names, _values, max_size=3))
def test_lint_of_arbitrary_conditions_never_crashes(ccscan, tmp_path, rtype, cond, resource):
    import yaml

    doc = {"id": "T-FUZZ-1", "title": "t", "severity": "low", "resource": rtype, "assert": cond,
           "requires": ["properties.x"], "tests": [{"name": "a", "expect": "pass", "resource": resource}]}
    p = tmp_path / "fuzz.yaml"
    p.write_text(yaml.safe_dump(doc))
    res = ccscan("lint", p)
    assert res.exit_code in (0, 2), res
    assert "Traceback" not in res.stdout + res.stderr


def test_count_of_the_enclosing_counts_own_array_is_not_a_crash(ccscan, tmp_path):
    # found by the fuzz test above: the compiler raised ValueError from multi_getter(()).
    # The policy language counts the enclosing count's own array whole there
    # (tests/policy/test_array_shapes.py pins the verdicts); lint must just not crash.
    text = textwrap.dedent("""\
        id: T-NEST-1
        title: t
        severity: low
        resource: Microsoft.Storage/storageAccounts
        assert:
          count:
            field: 'properties.networkAcls.ipRules[*]'
            where: {count: {field: 'properties.networkAcls.ipRules[*]'}, equals: 0}
          equals: 0
        """)
    res = lint(ccscan, tmp_path, text=text)
    assert res.exit_code == 0 and "Traceback" not in res.stderr
    assert "error" not in res.stdout and "[no-tests]" in res.stdout


def test_a_test_resource_with_a_misspelt_type_is_a_warning(ccscan, tmp_path):
    text = HEAD.format(rtype="Microsoft.Storage/storageAccounts", path="properties.allowSharedKeyAccess",
                       op="equals", value="false") + \
        "  - {name: other, expect: not_applicable, resource: {type: Microsoft.Web/sitez}}\n"
    res = lint(ccscan, tmp_path, text=text)
    assert res.exit_code == 0
    assert ('p.yaml:9: warning: test "other": unknown resource type "Microsoft.Web/sitez" '
            '(did you mean "Microsoft.Web/sites"?) [test-path]') in res.stdout
