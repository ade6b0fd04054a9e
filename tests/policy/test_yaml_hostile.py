"""
Hostile policy YAML: odd tags, non-string keys, huge integers, deep nesting, control
characters. Each is one PolicyError naming file:line:col, never a traceback or a smaller catalog.
"""

from __future__ import annotations

import string
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.errors import CcscanError, PolicyError
from scanner.policy.catalog import Catalog, load_catalog
from scanner.policy.compile import MAX_CONDITION_DEPTH
from scanner.policy.paths import MAX_PATH_STEPS
from scanner.policy.yamlload import MAX_DEPTH, load_documents
from tests.policy.helpers import compile_condition


def load(tmp_path, text: str):
    p = tmp_path / "p.yaml"
    p.write_text(text, encoding="utf-8")
    return load_documents(p)


CASES = [
    # (name, text, line, col, fragment)
    ("binary", "id: A\nk: !!binary aGVsbG8=\n", 2, 4, "tag:yaml.org,2002:binary is not allowed"),
    ("set", "id: A\nk: !!set {a, b}\n", 2, 4, "tag:yaml.org,2002:set is not allowed"),
    ("omap", "k: !!omap [{a: 1}]\n", 1, 4, "tag:yaml.org,2002:omap is not allowed"),
    ("pairs", "k: !!pairs [{a: 1}]\n", 1, 4, "tag:yaml.org,2002:pairs is not allowed"),
    ("int key", "id: A\n1: x\n", 2, 1, "a mapping key must be a string; quote it: '1'"),
    ("null key", "null: x\n", 1, 1, "a mapping key must be a string; quote it: 'null'"),
    ("float key", "a:\n  1.5: x\n", 2, 3, "a mapping key must be a string; quote it: '1.5'"),
    ("bool key", "on: x\n", 1, 1, "quote it: 'on'"),
    ("list key", "? [a, b]\n: x\n", 1, 3, "a mapping key must be a string"),
    ("map key", "? {a: 1}\n: x\n", 1, 3, "a mapping key must be a string"),
    ("5000 digits", "a: " + "7" * 5000 + "\n", 1, 4, "Exceeds the limit"),
    ("5000 digits tagged", "a: !!int " + "7" * 5000 + "\n", 1, 4, "Exceeds the limit"),
    ("5000 digits negative", "a: [-" + "1" * 5000 + "]\n", 1, 5, "Exceeds the limit"),
    ("bad !!int", "a: !!int twelve\n", 1, 4, "cannot read twelve as the number"),
    ("bad !!float", "a: !!float x\n", 1, 4, "cannot read x as the number"),
    ("bad !!bool", "a: !!bool maybe\n", 1, 4, "cannot read maybe as the boolean"),
    ("empty !!int", "!!int \n", 1, 1, "cannot read  as the number"),  # found by the fuzz below
    ("empty !!float", "a: !!float\n", 1, 4, "cannot read  as the number"),
    ("!!int on a list", "a: !!int [1]\n", 1, 4, "expected a scalar node"),
    ("plain =", "a: =\n", 1, 4, "quote it: '='"),
    ("deep flow", "a: " + "[" * 500 + "]" * 500 + "\n", 1, None, f"nested deeper than {MAX_DEPTH}"),
    ("deeper flow", "a: " + "[" * 5000 + "]" * 5000 + "\n", 1, None, "nesting depth"),
    ("deep block", "".join("  " * i + "k:\n" for i in range(150)), None, None, f"nested deeper than {MAX_DEPTH}"),
    ("deep via aliases", "a: &a " + "[" * 60 + "]" * 60 + "\nb: " + "[" * 60 + "*a" + "]" * 60 + "\n",
     2, None, f"nested deeper than {MAX_DEPTH}"),
    ("control char", "id: A\ntitle: a\x07b\n", 2, 9, "character #x0007 is not allowed"),
    ("control char quoted", 'id: A\ntitle: "a\x01"\n', 2, 10, "character #x0001 is not allowed"),
    ("nul", "id: A\x00\n", 1, 6, "character #x0000 is not allowed"),
]


@pytest.mark.parametrize(("name", "text", "line", "col", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_hostile_yaml_is_a_policy_error_at_file_line_col(tmp_path, name, text, line, col, fragment):
    with pytest.raises(PolicyError) as err:
        load(tmp_path, text)
    e = err.value
    assert fragment in e.message
    assert e.path is not None and e.path.endswith("p.yaml")
    assert e.line is not None and e.col is not None  # always a place, even when only approximate
    if line is not None:
        assert e.line == line
    if col is not None:
        assert e.col == col


@pytest.mark.parametrize("text", ["a: [" + ",".join(["1"] * 120) + "]\n",
                                  "".join(f"k{i}: v\n" for i in range(70)),
                                  "a: &x [1, 2, 3]\nb: [*x, *x, *x, *x, *x, *x, *x, *x, *x, *x]\n"])
def test_documents_with_too_many_values_are_refused_before_construction(tmp_path, monkeypatch, text):
    monkeypatch.setattr("scanner.policy.yamlload.MAX_EXPANDED_NODES", 100 if "&x" not in text else 30)
    with pytest.raises(PolicyError, match="more than (100 values|30 nodes)") as err:
        load(tmp_path, text)
    assert err.value.line is not None


@pytest.mark.parametrize(("text", "fragment"), [
    ("a: [" + ",".join(["1"] * 1500) + "]\n", "more than 1000 values"),
    ("---\na: [" + ",".join(["1"] * 600) + "]\n---\nb: [" + ",".join(["1"] * 600) + "]\n", None),
    ("pad: '" + "x" * 500 + "'\na: " + "[" * 101 + "]" * 101 + "\n", "nested deeper than 100"),
])
def test_large_files_are_prescanned_from_parser_events(tmp_path, monkeypatch, text, fragment):
    monkeypatch.setattr("scanner.policy.yamlload.PRESCAN_CHARS", 100)
    monkeypatch.setattr("scanner.policy.yamlload.MAX_EXPANDED_NODES", 1000)
    monkeypatch.setattr("scanner.policy.yamlload._check_depth", lambda node: None)  # prescan alone
    if fragment is None:  # the count restarts with every document
        assert len(load(tmp_path, text)) == 2
        return
    with pytest.raises(PolicyError, match=fragment) as err:
        load(tmp_path, text)
    assert err.value.line is not None and err.value.col is not None


def test_depth_just_under_the_limit_loads(tmp_path):
    depth = MAX_DEPTH - 1  # plus the top-level mapping
    (doc,) = load(tmp_path, "a: " + "[" * depth + "]" * depth + "\n")
    node, n = doc["a"], 1
    while node:
        node, n = node[0], n + 1
    assert n == depth


def test_string_keys_quoted_numbers_and_explicit_strings_load(tmp_path):
    (doc,) = load(tmp_path, "'1': a\n\"on\": b\n!!str 1.10: c\nk: [!!str yes, '22:22']\n")
    assert doc == {"1": "a", "on": "b", "1.10": "c", "k": ["yes", "22:22"]}


def _policy(assert_yaml: str) -> str:
    return textwrap.dedent("""\
        id: T-DEEP-1
        title: t
        severity: low
        resource: Microsoft.Storage/storageAccounts
        assert: {assert_yaml}
        tests:
          - {{name: a, expect: pass, resource: {{properties: {{keyPolicy: {{keyExpirationPeriodInDays: 1}}}}}}}}
          - {{name: b, expect: fail, resource: {{properties: {{keyPolicy: {{keyExpirationPeriodInDays: 2}}}}}}}}
        """).format(assert_yaml=assert_yaml)


def test_not_nested_past_the_condition_limit_is_a_lint_error_with_a_place(tmp_path, ccscan):
    leaf = "{field: properties.keyPolicy.keyExpirationPeriodInDays, equals: 1}"
    deep = "{not: " * (MAX_CONDITION_DEPTH + 2) + leaf + "}" * (MAX_CONDITION_DEPTH + 2)
    p = tmp_path / "deep.yaml"
    p.write_text(_policy(deep))
    res = ccscan("lint", p)
    assert res.exit_code == 2
    assert f"{p}:5:" in res.stdout
    assert f"conditions nested deeper than {MAX_CONDITION_DEPTH} levels [too-deep]" in res.stdout
    assert ccscan("test", p).exit_code == 2
    ok = "{not: " * (MAX_CONDITION_DEPTH - 2) + leaf + "}" * (MAX_CONDITION_DEPTH - 2)
    p.write_text(_policy(ok))  # an even number of nots: the plain condition again
    assert ccscan("lint", p).exit_code == 0
    assert ccscan("test", p).exit_code == 0


def test_deep_all_of_stops_at_the_yaml_or_the_condition_limit(tmp_path, ccscan):
    leaf = "{field: properties.keyPolicy.keyExpirationPeriodInDays, equals: 1}"
    deep = "{allOf: [" * 80 + leaf + "]}" * 80
    p = tmp_path / "deep.yaml"
    p.write_text(_policy(deep))
    res = ccscan("lint", p)
    assert res.exit_code == 2 and "Traceback" not in res.stderr
    assert f"{p}:5:" in res.stdout and "nested deeper than" in res.stdout


def test_count_where_nesting_counts_towards_the_condition_limit():
    cond: dict = {"field": "a[*].x", "equals": 1}
    for _ in range(MAX_CONDITION_DEPTH + 1):
        cond = {"count": {"field": "a[*]", "where": cond}, "equals": 1}
    _, _, messages = compile_condition(cond)
    assert [m.rule for m in messages] == ["too-deep"]


def test_paths_with_too_many_segments_are_bad_paths():
    ok = ".".join(["a"] * MAX_PATH_STEPS)
    _, _, messages = compile_condition({"field": ok, "exists": True})
    assert messages == []
    for path in (ok + ".a", "a" + "[*]" * MAX_PATH_STEPS, "a" + "[0]" * MAX_PATH_STEPS):
        _, _, messages = compile_condition({"field": path, "exists": True})
        assert [m.rule for m in messages] == ["bad-path"]
        assert f"more than {MAX_PATH_STEPS} segments" in messages[0].message


@pytest.mark.parametrize("path", ["a[" + "9" * 5000 + "]", "a" * 2000, "a[1234567890]", "a[\u0663]"])
def test_odd_indexes_and_huge_paths_are_bad_paths_not_crashes(path):
    _, _, messages = compile_condition({"field": path, "exists": True})
    assert [m.rule for m in messages] == ["bad-path"]


def test_waivers_share_the_loader_and_its_refusals(tmp_path):
    from scanner.errors import InputError
    from scanner.waivers import load_waivers

    p = tmp_path / "w.yaml"
    line = "  - {policy: CCS-1, resource: '*', reason: r, expires: 2030-01-01, on: x}"
    p.write_text(f"waivers:\n{line}\n")
    with pytest.raises(InputError) as err:
        load_waivers(p)
    assert (err.value.line, err.value.col) == (2, line.index(", on:") + 3)
    assert "quote it: 'on'" in err.value.message


# --- property: random YAML-ish text gives a Catalog or a PolicyError, nothing else ------------

_TOKENS = st.sampled_from([
    "id: T-1\n", "title: t\n", "severity: low\n", "resource: A/b\n", "assert:\n", "  ", "- ",
    "field: ", "equals: ", "not: ", "allOf:\n", "count: ", "where: ", "{", "}", "[", "]", ", ",
    ": ", "\n", "&a ", "*a", "!!binary ", "!!set ", "!!int ", "!!python/object ", "yes", "on",
    "1.10", "1.0", "22:22", "012", "0x1F", "~", "null", "'q'", '"q"', "properties.x", "a[*].b",
    "[*]", "7" * 4400, "---\n", "? ", "|\n", ">-\n", "\t", "\x07", "é", "\ufeff", "#c\n",
    "tests:\n", "expect: pass\n", "resource: {}\n", "-1", ".inf", "=", "<<: *a\n",
])
yamlish = st.lists(_TOKENS | st.text(string.printable, max_size=5), max_size=40).map("".join)


@given(text=yamlish)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_property_random_yamlish_documents_give_a_catalog_or_a_policy_error(tmp_path, text):
    p = tmp_path / "fuzz.yaml"
    p.write_text(text, encoding="utf-8")
    try:
        cat = load_catalog([p], builtin_frameworks=False)
    except CcscanError:
        return
    assert isinstance(cat, Catalog)
    for m in cat.messages:
        assert m.path == str(p) or m.path.endswith("fuzz.yaml")
