"""
Array-shaped paths (`[*]`, `[N]`, `count`) over a present value that is not an array are
`unknown`, never a pass: not through `not`, negated operators or `count ... equals 0`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.engine import evaluate, message_for
from scanner.policy.catalog import load_catalog
from scanner.policy.paths import NotAnArray
from tests.policy.helpers import compile_condition, holds, plain_id

ROOT = Path(__file__).resolve().parents[2]

NOT_ARRAYS = [{"Protocol": "HTTP", "Port": 80}, "HTTPS", 443, 1.5, True, {}]
NOT_ARRAY_IDS = ["object", "string", "int", "float", "bool", "empty-object"]
NOT_ARRAY_TYPE = {dict: "an object", str: "a string", int: "a number", float: "a number", bool: "a boolean"}

# One condition per operator, each of which would hold if "no elements" counted as a pass
# once negated (or that is already negative).
FIELD_CONDITIONS = [
    {"field": "p.items[*].x", "equals": "y"},
    {"field": "p.items[*].x", "notEquals": "y"},
    {"field": "p.items[*].x", "in": ["y"]},
    {"field": "p.items[*].x", "notIn": ["y"]},
    {"field": "p.items[*].x", "contains": "y"},
    {"field": "p.items[*].x", "notContains": "y"},
    {"field": "p.items[*].x", "containsKey": "y"},
    {"field": "p.items[*].x", "notContainsKey": "y"},
    {"field": "p.items[*].x", "like": "y*"},
    {"field": "p.items[*].x", "notLike": "y*"},
    {"field": "p.items[*].x", "match": "y#"},
    {"field": "p.items[*].x", "notMatch": "y#"},
    {"field": "p.items[*].x", "matchInsensitively": "y#"},
    {"field": "p.items[*].x", "notMatchInsensitively": "y#"},
    {"field": "p.items[*].x", "regex": "y"},
    {"field": "p.items[*].x", "less": 3},
    {"field": "p.items[*].x", "lessOrEquals": 3},
    {"field": "p.items[*].x", "greater": 3},
    {"field": "p.items[*].x", "greaterOrEquals": 3},
    {"field": "p.items[*].x", "versionAtLeast": "1.2"},
    {"field": "p.items[*].x", "exists": True},
    {"field": "p.items[*].x", "exists": False},
    {"field": "p.items[*]", "equals": "y"},
    {"field": "p.items[0].x", "notEquals": "y"},
    {"field": "p.items[0]", "exists": False},
]
COUNT_CONDITIONS = [
    {"count": {"field": "p.items[*]"}, "equals": 0},
    {"count": {"field": "p.items[*]"}, "less": 1},
    {"count": {"field": "p.items[*]"}, "notEquals": 1},
    {"count": {"field": "p.items[*]"}, "notIn": [1, 2]},
    {"count": {"field": "p.items[*]", "where": {"field": "p.items[*].x", "equals": "y"}}, "equals": 0},
    {"count": {"field": "p.items[*]", "where": {"not": {"field": "p.items[*].x", "notIn": ["y"]}}},
     "lessOrEquals": 0},
]
WRAPPERS = [
    lambda c: c,
    lambda c: {"not": c},
    lambda c: {"not": {"not": c}},
    lambda c: {"allOf": [{"field": "p.name", "exists": True}, {"not": c}]},
    lambda c: {"anyOf": [{"field": "p.absent", "equals": 1}, {"not": c}]},
]
WRAPPER_IDS = ["bare", "not", "not-not", "allOf-not", "anyOf-not"]


def _outcome(cond: dict, doc: dict) -> tuple[str, str]:
    check, text, messages = compile_condition(cond)
    assert not messages, [m.message for m in messages]
    from scanner.policy.model import Policy

    policy = Policy("T-1", "t", "high", ("t",), ("t",), check, text)
    outcome, _, detail = evaluate(policy, doc)
    return outcome, detail


@pytest.mark.parametrize("observed", NOT_ARRAYS, ids=NOT_ARRAY_IDS)
@pytest.mark.parametrize("wrap", range(len(WRAPPERS)), ids=WRAPPER_IDS)
@pytest.mark.parametrize("cond", FIELD_CONDITIONS + COUNT_CONDITIONS, ids=plain_id)
def test_a_non_array_under_an_array_path_is_unknown_whatever_wraps_it(cond, wrap, observed):
    doc = {"p": {"name": "n", "items": observed}}
    outcome, detail = _outcome(WRAPPERS[wrap](cond), doc)
    assert outcome == "unknown"
    assert detail == f"p.items is {NOT_ARRAY_TYPE[type(observed)]}, not an array"


@pytest.mark.parametrize("cond", FIELD_CONDITIONS + COUNT_CONDITIONS, ids=plain_id)
def test_a_missing_or_null_array_keeps_its_documented_meaning(cond):
    # Absent (or JSON null) is not a wrong shape: `[*]` is false, `count` is 0 (README).
    for doc in ({"p": {"name": "n"}}, {"p": {"name": "n", "items": None}}):
        outcome, _ = _outcome(cond, doc)
        assert outcome in ("pass", "fail")


def test_nested_star_over_an_element_whose_sub_array_is_an_object():
    doc = {"p": {"groups": [{"rules": [{"port": 22}]}, {"rules": {"port": 22}}]}}
    cond = {"field": "p.groups[*].rules[*].port", "notEquals": 22}
    assert _outcome(cond, doc) == ("unknown", "p.groups[*].rules is an object, not an array")
    assert _outcome({"not": {"field": "p.groups[*].rules[*].port", "equals": 22}}, doc)[0] == "unknown"
    ok = {"p": {"groups": [{"rules": [{"port": 443}]}, {"rules": [{"port": 80}]}]}}
    assert _outcome(cond, ok) == ("pass", "")


def test_count_where_over_an_element_whose_sub_array_is_an_object_names_the_full_path():
    doc = {"p": {"items": [{"acts": {"t": "redirect"}}]}}
    cond = {"count": {"field": "p.items[*]",
                      "where": {"not": {"field": "p.items[*].acts[*].t", "equals": "redirect"}}},
            "equals": 0}
    assert _outcome(cond, doc) == ("unknown", "p.items[*].acts is an object, not an array")
    nested = {"count": {"field": "p.items[*]",
                        "where": {"count": {"field": "p.items[*].acts[*]"}, "equals": 0}},
              "equals": 0}
    assert _outcome(nested, doc) == ("unknown", "p.items[*].acts is an object, not an array")


def test_the_unknown_message_names_the_path_and_the_type():
    check, text, _ = compile_condition({"field": "p.items[*].x", "notEquals": "y"})
    from scanner.policy.model import Policy

    policy = Policy("T-1", "t", "high", ("t",), ("t",), check, text)
    outcome, _, detail = evaluate(policy, {"p": {"items": {"x": "z"}}})
    assert message_for(policy, outcome, (), detail) == (
        "insufficient evidence: p.items is an object, not an array")


def test_the_check_itself_raises_not_an_array_rather_than_returning_a_bool():
    check, _, _ = compile_condition({"field": "p['odd.key'][*]", "exists": True})
    with pytest.raises(NotAnArray) as e:
        check({"p": {"odd.key": "text"}}, None, None)
    assert str(e.value) == "p['odd.key'] is a string, not an array"


def test_arrays_still_evaluate_as_before():
    doc = {"p": {"items": [{"x": "y"}, {"x": "Y"}]}}
    assert holds({"field": "p.items[*].x", "equals": "y"}, doc) is True
    assert holds({"not": {"field": "p.items[*].x", "notEquals": "y"}}, doc) is True
    assert holds({"count": {"field": "p.items[*]"}, "equals": 2}, doc) is True


def _builtin_policy(pid: str):
    cat = load_catalog([ROOT / "policies"])
    return next(p for p in cat.policies if p.id == pid)


@pytest.mark.parametrize("pid", ["CCS-AWS-ELB-001", "CCS-AWS-ELB-002"])
@pytest.mark.parametrize("listeners", [
    {"Protocol": "HTTP", "Port": 80},
    {"Protocol": "HTTPS", "Port": 443, "SslPolicy": "ELBSecurityPolicy-2016-08"},
    "HTTPS",
])
def test_elb_whose_listeners_is_an_object_does_not_pass_the_listener_policies(pid, listeners):
    policy = _builtin_policy(pid)
    doc = {"type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "properties": {"Listeners": listeners}}
    outcome, _, detail = evaluate(policy, doc)
    assert outcome == "unknown"
    assert detail.startswith("properties.Listeners is ")


def test_elb_listener_whose_default_actions_is_an_object_is_unknown():
    policy = _builtin_policy("CCS-AWS-ELB-002")
    doc = {"properties": {"Listeners": [{"Protocol": "HTTP", "Port": 80, "DefaultActions": {
        "Type": "forward"}}]}}
    outcome, _, detail = evaluate(policy, doc)
    assert (outcome, detail) == ("unknown", "properties.Listeners[*].DefaultActions is an object, not an array")


json_scalars = st.none() | st.booleans() | st.integers(-3, 3) | st.text("xyY", max_size=3)
non_arrays = json_scalars.filter(lambda v: v is not None) | st.dictionaries(
    st.text("xy", min_size=1, max_size=2), json_scalars, max_size=3)


@given(observed=non_arrays, cond=st.sampled_from(FIELD_CONDITIONS + COUNT_CONDITIONS),
       wrap=st.sampled_from(WRAPPERS))
@settings(max_examples=300, deadline=None)
def test_property_no_condition_over_a_non_array_ever_passes(observed, cond, wrap):
    outcome, _ = _outcome(wrap(cond), {"p": {"name": "n", "items": observed}})
    assert outcome == "unknown"


def test_scan_of_an_elb_whose_listeners_is_an_object_reports_unknown_not_pass(ccscan, tmp_path):
    import json

    src = ROOT / "fixtures" / "aws" / "111122223333" / "ccscan-snapshot.jsonl"
    lines = src.read_text().splitlines()
    elb = next(json.loads(x) for x in lines[1:] if '"AWS::ElasticLoadBalancingV2::LoadBalancer"' in x)
    elb["properties"]["Listeners"] = elb["properties"]["Listeners"][0]  # an object, not a list
    out = tmp_path / "estate"
    out.mkdir()
    (out / "snap.jsonl").write_text(lines[0] + "\n" + json.dumps(elb) + "\n")
    res = ccscan("scan", out, "--format", "json")
    assert res.exit_code in (0, 1), res.stderr
    listener = {f["policy_id"]: f for f in res.json()["findings"] if f["policy_id"] in
                ("CCS-AWS-ELB-001", "CCS-AWS-ELB-002")}
    assert {k: f["status"] for k, f in listener.items()} == {
        "CCS-AWS-ELB-001": "unknown", "CCS-AWS-ELB-002": "unknown"}
    for f in listener.values():
        assert f["message"] == "insufficient evidence: properties.Listeners is an object, not an array"
    assert ccscan("scan", out, "--fail-on-unknown").exit_code != 0


def test_ccscan_test_judges_a_non_array_case_as_unknown(ccscan, tmp_path):
    policy = ROOT / "policies" / "aws" / "elb-tls.yaml"
    text = policy.read_text().replace(
        "  - name: listeners not collected\n    expect: unknown\n    resource:\n      properties: {Type: application}\n",
        "  - name: listeners not collected\n    expect: unknown\n    resource:\n      properties: {Type: application}\n"
        "  - name: listeners as an object\n    expect: unknown\n    resource:\n"
        "      properties: {Listeners: {Protocol: HTTP, Port: 80}}\n", 1)
    assert "listeners as an object" in text
    p = tmp_path / "elb.yaml"
    p.write_text(text)
    res = ccscan("test", p)
    assert res.exit_code == 0, res.stdout
    p.write_text(text.replace("  - name: listeners as an object\n    expect: unknown",
                              "  - name: listeners as an object\n    expect: pass"))
    res = ccscan("test", p)
    assert res.exit_code == 1
    assert "test 'listeners as an object': expected pass, got unknown" in res.stdout


# Property: any condition tree (sane or not) compiles to a check or to lint messages, and a
# compiled check on any JSON document returns a bool or raises NotAnArray (-> unknown).
_ops = st.sampled_from(["equals", "notEquals", "in", "notIn", "contains", "notContains", "like",
                        "notLike", "match", "regex", "less", "greater", "versionAtLeast", "exists",
                        "containsKey", "bogus"])
_paths = st.sampled_from(["p.items[*].x", "p.items[*]", "p.items[0].x", "p.x", "p.items[*].y[*]",
                          "p", "[*]", "p..x", "p.items[*][*]", ""])
_values = st.none() | st.booleans() | st.integers(-2, 2) | st.floats(allow_nan=False) | st.text(
    "xy*#?.1(", max_size=4) | st.lists(st.text("xy", max_size=2) | st.integers(0, 2), max_size=3)
_leaf = st.builds(lambda f, o, v: {"field": f, o: v}, _paths, _ops, _values)
_conditions = st.recursive(
    _leaf,
    lambda kids: st.builds(lambda c: {"not": c}, kids)
    | st.builds(lambda cs: {"allOf": cs}, st.lists(kids, max_size=3))
    | st.builds(lambda cs: {"anyOf": cs}, st.lists(kids, max_size=3))
    | st.builds(lambda f, w, n: {"count": {"field": f, "where": w}, "equals": n},
                st.sampled_from(["p.items[*]", "p.items[*].y[*]", "p.x"]), kids, st.integers(0, 2)),
    max_leaves=6,
)
_json = st.recursive(_values, lambda kids: st.lists(kids, max_size=3)
                     | st.dictionaries(st.sampled_from(["x", "y", "items"]), kids, max_size=3), max_leaves=8)


@given(cond=_conditions, doc=st.dictionaries(st.sampled_from(["p", "q"]), _json, max_size=2))
@settings(max_examples=600, deadline=None)
def test_property_any_condition_compiles_or_is_refused_and_evaluates_to_a_verdict(cond, doc):
    check, _, messages = compile_condition(cond)
    if messages:
        assert all(m.severity == "error" and m.rule for m in messages)
        return
    try:
        assert check(doc, [], None) in (True, False)
    except NotAnArray as e:
        assert "not an array" in str(e)
