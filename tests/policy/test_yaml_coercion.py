"""
Policies mean what their author wrote: YAML 1.1 turns unquoted `yes`, `1.10`, `22:22`, `012`
into booleans and numbers. A scalar whose value would not print back as its text is a lint
error naming file:line:col with the quoting fix; one that does (`1.0`, `22`) also matches its
own text, so `notIn: [1.0, 1.1]` catches the string "1.0".
"""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scanner.errors import PolicyError
from scanner.policy.yamlload import load_documents
from tests.policy.helpers import holds

POLICY = """\
id: T-TLS-1
title: Sites refuse TLS 1.0 and 1.1
severity: high
resource: Microsoft.Web/sites
assert: {{field: properties.siteConfig.minTlsVersion, {op}: {value}}}
tests:
  - {{name: tls 1.2, expect: pass, resource: {{properties: {{siteConfig: {{minTlsVersion: '1.2'}}}}}}}}
  - {{name: tls 1.0, expect: fail, resource: {{properties: {{siteConfig: {{minTlsVersion: '1.0'}}}}}}}}
"""

# (operator, unquoted value, the text the error must quote, what YAML 1.1 made of it)
FAITHLESS = [
    ("notIn", "[1.0, 1.10]", "'1.10'", "the number 1.1"),
    ("notEquals", "1.10", "'1.10'", "the number 1.1"),
    ("versionAtLeast", "1.20", "'1.20'", "the number 1.2"),
    ("notIn", "[yes, 1.0]", "'yes'", "the boolean true"),
    ("notEquals", "off", "'off'", "the boolean false"),
    ("notIn", "[On, '1.1']", "'On'", "the boolean true"),
    ("notEquals", "22:22", "'22:22'", "the number 1342"),
    ("notIn", "['1.1', 012]", "'012'", "the number 10"),
    ("notEquals", "0x1F", "'0x1F'", "the number 31"),
    ("notEquals", "1_000", "'1_000'", "the number 1000"),
    ("notEquals", ".5", "'.5'", "the number 0.5"),
    ("notEquals", "+1", "'+1'", "the number 1"),
    ("notEquals", "1.0e+3", "'1.0e+3'", "the number 1000.0"),
    ("notEquals", ".inf", "'.inf'", "the number inf"),
    ("notEquals", "1:30:00", "'1:30:00'", "the number 5400"),
]


def write(tmp_path, text: str):
    p = tmp_path / "p.yaml"
    p.write_text(textwrap.dedent(text))
    return p


@pytest.mark.parametrize(("op", "value", "quoted", "became"), FAITHLESS, ids=[f[1] for f in FAITHLESS])
def test_faithless_scalars_fail_lint_strict_and_test_naming_the_fix(ccscan, tmp_path, op, value, quoted, became):
    p = write(tmp_path, POLICY.format(op=op, value=value))
    line5 = p.read_text().splitlines()[4]
    bad = quoted.strip("'")
    col = line5.index(bad, line5.index(op)) + 1
    res = ccscan("lint", "--strict", p)
    assert res.exit_code == 2
    assert f"{p}:5:{col}: error: invalid YAML: YAML 1.1 reads unquoted {bad} as {became}, not the text: quote it: {quoted} [yaml]" in res.stdout
    assert ccscan("lint", p).exit_code == 2
    res = ccscan("test", p)
    assert res.exit_code == 2
    assert f"quote it: {quoted}" in res.stderr
    # The fix the message names makes the policy load (and the tests judge it).
    fixed = write(tmp_path, POLICY.format(op=op, value=value.replace(bad, quoted)))
    res = ccscan("lint", fixed)
    if op == "versionAtLeast":  # quoted, it is read as written: and "1.20" is no TLS version
        assert res.exit_code == 2 and "cannot read '1.20' as a version" in res.stdout
    else:
        assert res.exit_code == 0, res.stdout


def test_tls_1_0_site_no_longer_passes_not_in_unquoted_versions(ccscan, tmp_path):
    # The bug: PyYAML makes [1.0, 1.1] floats, which never equalled the string "1.0".
    p = write(tmp_path, POLICY.format(op="notIn", value="[1.0, 1.1]"))
    assert ccscan("lint", "--strict", p).exit_code == 0
    res = ccscan("test", p)
    assert res.exit_code == 0, res.stdout
    assert res.stdout.strip().endswith("2 passed, 0 failed")


@pytest.mark.parametrize(("expected", "observed", "holds_"), [
    (1.0, "1.0", True), (1.0, 1.0, True), (1.0, "1", False), (1.0, "1.00", False),
    (22, "22", True), (22, 22, True), (22, "022", False), (1.1, "1.1", True), (0, "0", True),
])
def test_numbers_match_their_own_text(expected, observed, holds_):
    doc = {"v": observed}
    assert holds({"field": "v", "equals": expected}, doc) is holds_
    assert holds({"field": "v", "notEquals": expected}, doc) is (not holds_)
    assert holds({"field": "v", "in": [expected, "x"]}, doc) is holds_
    assert holds({"field": "v", "notIn": [expected, "x"]}, doc) is (not holds_)
    assert holds({"field": "v", "contains": expected}, {"v": [observed]}) is holds_


def test_number_needle_is_found_in_a_string_by_its_text():
    assert holds({"field": "v", "contains": 1.0}, {"v": "TLSv1.0"}) is True
    assert holds({"field": "v", "notContains": 1.0}, {"v": "TLSv1.0"}) is False
    assert holds({"field": "v", "contains": 1.0}, {"v": "TLSv1.2"}) is False


def test_string_expected_still_does_not_match_a_number():
    # Pinned elsewhere too ("no number/string mixing" for quoted values): unchanged.
    assert holds({"field": "v", "equals": "3"}, {"v": 3}) is False


@pytest.mark.parametrize("text", [
    "a: 1.0", "a: 22", "a: -3", "a: 0.5", "a: true", "a: False", "a: TRUE", "a: ~", "a: null",
    "a:", "a: '1.10'", 'a: "yes"', "a: !!str 22:22", "a: 2026-01-31", "a: 1e3", "a: 1.2.3",
])
def test_faithful_scalars_load(tmp_path, text):
    p = tmp_path / "ok.yaml"
    p.write_text(text + "\n")
    assert len(load_documents(p)) == 1


@pytest.mark.parametrize("where", ["title: yes", "tests:\n  - {name: n, expect: pass, resource: {p: on}}",
                                   "frameworks: {soc2: [CC6.1, 1.10]}"])
def test_the_rule_holds_everywhere_in_the_file_not_only_in_conditions(tmp_path, where):
    p = tmp_path / "p.yaml"
    p.write_text("id: T-1\n" + where + "\n")
    with pytest.raises(PolicyError, match="quote it"):
        load_documents(p)


@pytest.mark.parametrize("op", ["equals", "notEquals", "contains", "notContains", "like", "regex"])
def test_an_empty_operator_value_is_an_error_not_a_pass(ccscan, tmp_path, op):
    # `notEquals:` with nothing after it is null, and would pass every present value.
    p = write(tmp_path, POLICY.format(op=op, value="").replace(f"{op}: }}", f"{op}: }}"))
    res = ccscan("lint", p)
    assert res.exit_code == 2
    assert "error:" in res.stdout and f"'{op}'" in res.stdout


def test_in_with_an_empty_item_is_an_error(ccscan, tmp_path):
    p = write(tmp_path, POLICY.format(op="notIn", value="['1.0', ~]"))
    res = ccscan("lint", p)
    assert res.exit_code == 2 and "lists a null" in res.stdout


# Property: any plain scalar either loads as its own text / a value that prints back as it,
# or is refused with the quoting fix. Never a silent change of meaning.
@given(text=st.text(st.sampled_from("0123456789.:_+-xeEoOnNyYsSfFtTrRuUlL~ "), min_size=1, max_size=8))
@settings(max_examples=400, deadline=None)
@example(text="E: ")
def test_property_plain_scalars_keep_their_text_or_are_refused(tmp_path_factory, text):
    import yaml

    p = tmp_path_factory.mktemp("s") / "s.yaml"
    p.write_text(f"a: [{text}]\n")
    try:
        (doc,) = load_documents(p)
    except PolicyError as e:
        assert "quote it" in e.message or "invalid YAML" in e.message
        return
    (value,) = doc["a"] or [None]
    reference = yaml.safe_load(f"a: [{text}]")["a"]
    if isinstance(value, (str, dict)):
        return  # `E: ` inside `[...]` is a one-pair mapping, not a scalar

    # An accepted non-string prints back exactly as written (booleans and null aside).
    shown = text.strip()
    if isinstance(value, bool):
        assert shown.lower() in ("true", "false")
    elif value is None:
        assert shown in ("~", "null", "Null", "NULL", "")
    elif isinstance(value, float):
        assert repr(value) == shown
    else:
        assert str(value) == shown
    assert reference == [value] or reference == []
