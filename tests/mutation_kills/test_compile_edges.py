"""
The condition compiler: the words of every expectation, where each problem is reported,
and the evidence a compiled check records.
"""

from __future__ import annotations

import pytest

from scanner.policy.compile import ConditionCompiler
from scanner.policy.model import LintMessage
from scanner.policy.paths import MISSING, NotAnArray
from tests.policy.helpers import compile_file_condition, run_related


def compile_(cond, pid="T-1"):
    messages: list[LintMessage] = []
    check, text = ConditionCompiler("t.yaml", pid, messages).compile(cond)
    return check, text, messages


def run(cond, doc):
    check, _, messages = compile_(cond)
    assert not messages, [m.message for m in messages]
    reads: list = []
    return check(doc, reads, None), reads


def all_of_problems(tmp_path, *items: str) -> list[tuple]:
    """(rule, line, col, message) of each lint problem of `cond: allOf:` over `items` (YAML
    lines: list items and their continuations), the first item on line 3."""
    f = tmp_path / "p.yaml"
    f.write_text("cond:\n  allOf:\n" + "".join(items))
    _, messages = compile_file_condition(f)
    return [(m.rule, m.line, m.col, m.message) for m in messages]


@pytest.mark.parametrize(
    ("cond", "text"),
    [
        ({"field": "a", "equals": "x"}, "a equals 'x'"),
        ({"field": "a", "equals": 1}, "a equals 1"),
        ({"field": "a", "equals": True}, "a equals true"),
        ({"field": "a", "in": ["x", 2]}, "a in [\"x\", 2]"),
        ({"field": "a", "in": ["é", "✓"]}, "a in [\"é\", \"✓\"]"),  # as written, not \\u escapes
        ({"field": "a", "regex": "\\d+"}, "a regex '\\d+'"),  # quoted, backslash not doubled
        ({"field": "a", "exists": True}, "a exists"),
        ({"field": "a", "exists": "False"}, "a is absent"),
        ({"field": "a", "equals": "x" * 78}, "a equals '" + "x" * 78 + "'"),  # 80 characters
        ({"field": "a", "equals": "x" * 79}, "a equals '" + "x" * 76 + "..."),  # 81: cut
        ({"not": {"field": "a", "equals": 1}}, "not (a equals 1)"),
        ({"allOf": [{"field": "a", "equals": 1}]}, "a equals 1"),
        ({"allOf": [{"field": "a", "equals": 1}, {"field": "b", "exists": False}]},
         "a equals 1 and b is absent"),
        ({"anyOf": [{"field": "a", "equals": 1}, {"field": "b", "equals": 2}]},
         "a equals 1 or b equals 2"),
        ({"anyOf": [{"allOf": [{"field": "a", "equals": 1}, {"field": "b", "equals": 2}]},
                    {"field": "c", "equals": 3}]},
         "(a equals 1 and b equals 2) or c equals 3"),
        ({"allOf": [{"anyOf": [{"field": "a", "equals": 1}, {"field": "b", "equals": 2}]},
                    {"field": "c", "equals": 3}]},
         "(a equals 1 or b equals 2) and c equals 3"),
        ({"count": {"field": "r[*]"}, "equals": 2}, "count of r[*] equals 2"),
        ({"count": {"field": "r[*]", "where": {"field": "r[*].p", "equals": 22}}, "less": 1},
         "count of r[*] where r[*].p equals 22 less 1"),
        ({"count": {"field": "r[*]"}, "in": [1, 2]}, "count of r[*] in [1, 2]"),
    ],
)
def test_expectation_text(cond, text):
    _, got, messages = compile_(cond)
    assert not messages and got == text


@pytest.mark.parametrize(
    ("cond", "rule", "message"),
    [
        ({}, "schema", "a condition must be a non-empty mapping"),
        ([1], "schema", "a condition must be a non-empty mapping"),
        ("x", "schema", "a condition must be a non-empty mapping"),
        ({"field": "a", "equal": 1}, "unknown-operator", "unknown operator 'equal' (did you mean 'equals'?)"),
        ({"field": "a", "zzzzzz": 1}, "unknown-operator", "unknown operator 'zzzzzz'"),
        ({"allOf": [{"field": "a", "exists": True}], "anyOf": []}, "schema",
         "'allOf' must stand alone in its mapping (also found 'anyOf')"),
        ({"not": {"field": "a", "exists": True}, "field": "b", "equals": 1}, "schema",
         "'not' must stand alone in its mapping (also found 'field', 'equals')"),
        ({"allOf": []}, "schema", "'allOf' needs a non-empty list of conditions"),
        ({"anyOf": {"field": "a"}}, "schema", "'anyOf' needs a non-empty list of conditions"),
        ({"equals": 1}, "schema", "a condition needs 'field', 'count', 'allOf', 'anyOf' or 'not'"),
        ({"field": "a"}, "schema", "field condition on 'a' needs exactly one operator (found none)"),
        ({"field": "a", "equals": 1, "in": [1]}, "schema",
         "field condition on 'a' needs exactly one operator (found 'equals', 'in')"),
        ({"field": "a..b", "equals": 1}, "bad-path", "bad field path 'a..b': empty segment"),
        ({"field": "a", "exists": 1}, "bad-value", "'exists' takes true or false"),
        ({"field": "a", "exists": "yes"}, "bad-value", "'exists' takes true or false"),
        ({"field": "a", "regex": "("}, "bad-regex", None),
        ({"field": "a", "like": 1}, "bad-value", "'like' needs a string pattern"),
        ({"count": {"field": "r[*]"}, "equals": 1, "field": "x"}, "schema",
         "'count' cannot be combined with 'field'"),
        ({"count": {"field": "r[*]"}}, "schema", "count needs exactly one operator (found none)"),
        ({"count": {"field": "r[*]"}, "equals": 1, "less": 2}, "schema",
         "count needs exactly one operator (found 'equals', 'less')"),
        ({"count": "r[*]", "equals": 1}, "schema",
         "'count' needs a mapping with 'field' (and optionally 'where')"),
        ({"count": {"where": {"field": "a", "exists": True}}, "equals": 1}, "schema",
         "'count' needs a mapping with 'field' (and optionally 'where')"),
        ({"count": {"field": "r[*]", "filter": 1}, "equals": 1}, "schema",
         "unknown key 'filter' in 'count' (use 'field' and 'where')"),
        ({"count": {"field": "r[*]", "related": {"type": "a/b", "children": True}}, "equals": 1}, "schema",
         "unknown key 'related' in 'count' (use 'field' and 'where')"),  # a field count, not a related one
        ({"count": {"field": "r"}, "equals": 1}, "bad-path", "count field 'r' must end with '[*]'"),
        ({"count": {"field": "r[*].x"}, "equals": 1}, "bad-path",
         "count field 'r[*].x' must end with '[*]'"),
        ({"count": {"field": "r[*]"}, "equals": "1"}, "bad-value", "count 'equals' needs a whole number"),
        ({"count": {"field": "r[*]"}, "equals": True}, "bad-value", "count 'equals' needs a whole number"),
        ({"count": {"field": "r[*]"}, "equals": 1.5}, "bad-value", "count 'equals' needs a whole number"),
        ({"count": {"field": "r[*]"}, "in": [1, True]}, "bad-value", "count 'in' needs a whole number list"),
        ({"count": {"field": "r[*]"}, "notIn": []}, "bad-value", "count 'notIn' needs a whole number list"),
        ({"count": {"field": "r[*]"}, "in": 1}, "bad-value", "count 'in' needs a whole number list"),
    ],
)
def test_problems(cond, rule, message):
    check, text, messages = compile_(cond, pid="P-7")
    assert messages and messages[0].rule == rule
    if message is not None:
        assert messages[0].message == message
    m = messages[0]
    assert (m.path, m.severity, m.policy_id) == ("t.yaml", "error", "P-7")
    assert text == "?"
    assert check({"a": 1, "r": [1]}, None, None) is False  # a broken condition never passes


def test_every_unknown_operator_is_reported():
    _, _, messages = compile_({"field": "a", "equal": 1, "bogus": 2})
    assert [m.message for m in messages] == ["unknown operator 'equal' (did you mean 'equals'?)",
                                             "unknown operator 'bogus'"]


def test_problems_in_every_branch_are_reported():
    _, _, messages = compile_({"anyOf": [{"field": "a"}, {"field": "b", "exists": 3}]})
    assert [m.rule for m in messages] == ["schema", "bad-value"]


def test_positions_come_from_the_yaml(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text(
        "cond:\n"
        "  allOf:\n"
        "    - {field: a, equal: 1}\n"            # line 3: unknown operator at its key
        "    - {field: 'a..b', equals: 1}\n"      # line 4: bad path at the value
        "    - {field: a, exists: maybe}\n"       # line 5: bad value at the value
        "    - {field: a, equals: 1, in: [1]}\n"  # line 6: two operators at the mapping
        "    - anyOf: []\n"                       # line 7: empty list at its key
        "    - count: {field: r}\n"               # line 8
        "      equals: 1\n"
        "    - count: {field: 'r[*]', extra: 1}\n"  # line 10: unknown key in count
        "      equals: 1\n"
        "    - count: {field: 'r[*]'}\n"
        "      equals: x\n"                       # line 13: bad count value
        "    - {field: a, regex: '('}\n"          # line 14
    )
    _, messages = compile_file_condition(f)
    got = [(m.rule, m.line, m.col) for m in messages]
    assert got == [
        ("unknown-operator", 3, 18),  # at `equal`
        ("bad-path", 4, 15),  # at `'a..b'`
        ("bad-value", 5, 26),  # at `maybe`
        ("schema", 6, 7),  # at the `{`
        ("schema", 7, 7),  # at `anyOf`
        ("bad-path", 8, 22),  # at `r`
        ("schema", 10, 30),  # at `extra`
        ("bad-value", 13, 15),  # at `x`
        ("bad-regex", 14, 25),  # at `'('`
    ]


def test_reads_of_plain_star_and_count_conditions():
    doc = {"a": 1, "r": [{"p": 22}, {"p": 80}, {"q": 1}], "s": [None, 3]}
    assert run({"field": "a", "equals": 1}, doc) == (True, [("a", 1)])
    assert run({"field": "zz", "exists": False}, doc) == (True, [("zz", MISSING)])
    assert run({"field": "r[*].p", "greater": 1}, doc) == (False, [("r[*].p", [22, 80, MISSING])])
    assert run({"field": "r[*].p", "exists": True}, doc)[0] is False
    assert run({"field": "r[*].q", "exists": False}, {"r": [{}, {"p": 1}]})[0] is True
    assert run({"count": {"field": "r[*]", "where": {"field": "r[*].p", "equals": 22}}, "equals": 1},
               doc) == (True, [("count(r[*])", 1)])
    assert run({"count": {"field": "s[*]"}, "equals": 1}, doc) == (True, [("count(s[*])", 1)])
    assert run({"count": {"field": "none[*]"}, "equals": 0}, doc) == (True, [("count(none[*])", 0)])


def test_checks_accept_no_reads_list():
    check, _, _ = compile_({"allOf": [{"field": "a", "equals": 1}, {"field": "r[*]", "equals": 1},
                                      {"count": {"field": "r[*]"}, "equals": 1}]})
    assert check({"a": 1, "r": [1]}, None, None) is True


def test_all_of_and_any_of_stop_at_the_first_decisive_child():
    both = [{"field": "a", "equals": 1}, {"field": "b", "equals": 2}]
    assert run({"allOf": both}, {"a": 0, "b": 2}) == (False, [("a", 0)])
    assert run({"allOf": both}, {"a": 1, "b": 2}) == (True, [("a", 1), ("b", 2)])
    assert run({"anyOf": both}, {"a": 1, "b": 0}) == (True, [("a", 1)])
    assert run({"anyOf": both}, {"a": 0, "b": 0}) == (False, [("a", 0), ("b", 0)])
    assert run({"anyOf": both}, {"a": 0, "b": 2}) == (True, [("a", 0), ("b", 2)])
    three = [*both, {"field": "c", "equals": 3}]
    assert run({"allOf": three}, {"a": 1, "b": 2, "c": 3})[0] is True
    assert run({"allOf": three}, {"a": 1, "b": 2, "c": 4})[0] is False
    assert run({"anyOf": three}, {"c": 3})[0] is True


def test_count_where_on_the_element_itself_and_on_nested_arrays():
    doc = {"ports": [22, 80, None, 22], "g": [{"r": [1, 2]}, {"r": []}, {"r": [5]}, {}]}
    itself = {"count": {"field": "ports[*]", "where": {"field": "ports[*]", "equals": 22}}, "equals": 2}
    assert run(itself, doc)[0] is True
    present = {"count": {"field": "ports[*]", "where": {"field": "ports[*]", "exists": True}},
               "equals": 3}
    assert run(present, doc)[0] is True
    # each inner element must hold; an empty or absent inner array proves nothing
    every = {"count": {"field": "g[*]", "where": {"field": "g[*].r[*]", "greater": 0}}, "equals": 2}
    assert run(every, doc)[0] is True
    big = {"count": {"field": "g[*]", "where": {"field": "g[*].r[*]", "greater": 1}}, "equals": 1}
    assert run(big, doc)[0] is True
    absent = {"count": {"field": "g[*]", "where": {"field": "g[*].r[*]", "exists": False}},
              "equals": 0}
    assert run(absent, {"g": [{"r": [None]}, {"r": [{}]}]})[0] is False  # [None] -> 1 absent


def test_nested_count_counts_per_element():
    doc = {"g": [{"r": [{"p": 1}, {"p": 2}]}, {"r": [{"p": 2}]}, {"r": []}]}
    cond = {"count": {"field": "g[*]", "where": {
        "count": {"field": "g[*].r[*]", "where": {"field": "g[*].r[*].p", "equals": 2}},
        "equals": 1}}, "equals": 2}
    assert run(cond, doc)[0] is True
    cond0 = {"count": {"field": "g[*]", "where": {
        "count": {"field": "g[*].r[*]"}, "equals": 0}}, "equals": 1}
    assert run(cond0, doc)[0] is True


def test_a_path_outside_the_count_scope_reads_the_document():
    doc = {"env": "prod", "r": [{"p": 1}, {"p": 2}], "rr": [{"p": 1}]}
    outside = {"count": {"field": "r[*]", "where": {"field": "env", "equals": "prod"}}, "equals": 2}
    assert run(outside, doc)[0] is True
    sibling = {"count": {"field": "r[*]", "where": {"field": "rr[*].p", "equals": 1}}, "equals": 2}
    assert run(sibling, doc)[0] is True  # rr is not under r: every rr element is checked
    prefix = {"count": {"field": "r[*]", "where": {"field": "r", "exists": True}}, "equals": 2}
    assert run(prefix, doc)[0] is True  # 'r' itself is not under the element


def test_negative_operators_on_each_element_with_missing_elements():
    doc = {"r": [{"p": 1}, {}]}
    assert run({"field": "r[*].p", "notEquals": 5}, doc)[0] is False
    assert run({"field": "r[*].p", "notEquals": 5}, {"r": [{"p": 1}, {"p": 2}]})[0] is True


def test_exists_takes_true_or_false_in_any_case():
    assert run({"field": "a", "exists": "TRUE"}, {"a": 1})[0] is True
    assert run({"field": "a", "exists": "True"}, {})[0] is False
    assert run({"field": "a", "exists": "FALSE"}, {})[0] is True
    _, text, _ = compile_({"field": "a", "exists": "tRuE"})
    assert text == "a exists"


def test_not_records_the_evidence_it_read():
    assert run({"not": {"field": "a", "equals": 1}}, {"a": 2}) == (True, [("a", 2)])


def test_any_of_and_not_inside_a_count_see_the_element():
    doc = {"r": [{"p": 1}, {"q": 2}, {"p": 3, "q": 3}, {}]}
    either = {"count": {"field": "r[*]", "where": {"anyOf": [
        {"field": "r[*].p", "equals": 1}, {"field": "r[*].q", "equals": 2}]}}, "equals": 2}
    assert run(either, doc)[0] is True
    neither = {"count": {"field": "r[*]", "where": {"not": {"field": "r[*].p", "exists": True}}},
               "equals": 2}
    assert run(neither, doc)[0] is True


def test_exists_false_on_the_element_counts_elements_lacking_the_field():
    cond = {"count": {"field": "r[*]", "where": {"field": "r[*].p", "exists": False}}, "equals": 1}
    assert run(cond, {"r": [{}, {"p": 1}]})[0] is True
    neg = {"count": {"field": "r[*]", "where": {"field": "r[*].p", "notEquals": 5}}, "equals": 1}
    assert run(neg, {"r": [{}, {"p": 1}]})[0] is True  # the element without p does not count


def test_count_not_in_takes_a_list():
    cond = {"count": {"field": "r[*]"}, "notIn": [1, 2]}
    assert run(cond, {"r": [1, 2, 3]})[0] is True
    assert run(cond, {"r": [1]})[0] is False


def test_count_problems_are_reported_at_the_count_key(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text(
        "cond:\n"
        "  allOf:\n"
        "    - count: {field: 'r[*]'}\n"   # line 3: combined with 'field'
        "      equals: 1\n"
        "      field: x\n"
        "    - count: 'r[*]'\n"            # line 6: not a mapping
        "      equals: 1\n"
    )
    _, messages = compile_file_condition(f)
    assert [(m.rule, m.line, m.col) for m in messages] == [("schema", 3, 7), ("schema", 6, 7)]


def test_positions_of_mapping_level_problems(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text(
        "cond:\n"
        "  anyOf:\n"
        "    - {}\n"                                          # line 3: empty mapping
        "    - {equals: 1}\n"                                 # line 4: no field/count/...
        "    - {field: a, allOf: [{field: b, exists: true}]}\n"  # line 5: at the 'allOf' key
    )
    _, messages = compile_file_condition(f)
    assert [(m.line, m.col, m.message.split(" (")[0]) for m in messages] == [
        (3, 7, "a condition must be a non-empty mapping"),
        (4, 7, "a condition needs 'field', 'count', 'allOf', 'anyOf' or 'not'"),
        (5, 18, "'allOf' must stand alone in its mapping"),
    ]


def test_same_as_problems_named_at_their_value(tmp_path):
    # Each wrong `sameAs` is one error at its value (line:col), with its own rule and words.
    got = all_of_problems(
        tmp_path,
        "    - {field: id, sameAs: [x]}\n",
        "    - {field: id, sameAs: {field: a, parent: maybe}}\n",
        "    - {field: id, sameAs: 'a..b'}\n",
        "    - {field: id, sameAs: 'a[*].b'}\n",
        "    - {field: id, sameAs: {field: a, other: 1}}\n",
        "    - {field: id, sameAs: {parent: true}}\n")
    takes = "'sameAs' takes a path of the judged resource, or {field: <path>, parent: true}"
    assert got == [
        ("bad-value", 3, 27, takes),
        ("bad-value", 4, 27, "'sameAs' 'parent' takes true or false"),
        ("bad-path", 5, 27, "bad field path 'a..b': empty segment"),
        ("bad-path", 6, 27, "a 'sameAs' path cannot use '[*]' ('a[*].b')"),
        ("bad-value", 7, 27, takes),  # a key other than field/parent
        ("bad-value", 8, 27, takes),  # no field
    ]


def test_decode_and_related_problems_named_at_their_key(tmp_path):
    # `decode` and `count: related` problems: one error each, at the key or value at fault.
    got = all_of_problems(
        tmp_path,
        "    - decode: {field: a, as: base64json}\n",
        "    - {decode: {field: a, as: base64json, where: {field: b, equals: 1}}, field: c}\n",
        "    - count: {field: 'r[*]', where: {decode: {field: a, as: base64json, where: {field: b, equals: 1}}}}\n",
        "      equals: 1\n",
        "    - decode: {field: 'a[*]', as: base64json, where: {field: b, equals: 1}}\n",
        "    - decode: {field: a, as: base64json, where: {field: b, equals: 1}, zz: 1}\n",
        "    - decode: {field: a, as: json, where: {field: b, equals: 1}}\n",
        "    - count: {related: {type: Microsoft.Network/virtualNetworks, from: properties.x, zz: 1}}\n",
        "      equals: 0\n",
        "    - count:\n",
        "        related: {type: Microsoft.Network/virtualNetworks, from: properties.x, children: true}\n",
        "      equals: 0\n")
    assert got == [
        ("schema", 3, 7, "'decode' needs a mapping with 'field', 'as' and 'where'"),
        ("schema", 4, 8, "'decode' cannot be combined with 'field'"),
        ("schema", 5, 38, "'decode' cannot be used inside a count over a field"),
        ("bad-path", 7, 23, "a 'decode' field cannot use '[*]'"),
        ("schema", 8, 72, "unknown key 'zz' in 'decode' (use 'field', 'as' and 'where')"),
        ("bad-value", 9, 30, "'decode' 'as' must be one of base64json, base64"),
        ("schema", 10, 86,
         "unknown key 'zz' in 'count: related' (use 'type' and 'refersBack' or 'children')"),
        ("schema", 13, 60,
         "'from' names this resource's field that 'refersBack' holds: it needs 'refersBack'"),
    ]


def test_count_related_text_names_the_from_field():
    _, text, messages = compile_({"count": {"related": {
        "type": "Microsoft.Network/privateEndpoints", "refersBack": "properties.subnet.id",
        "from": "properties.subnets[0].id"}}, "equals": 1})
    assert not messages
    assert text == ("count of related Microsoft.Network/privateEndpoints referring back by "
                    "properties.subnet.id to properties.subnets[0].id equals 1")


def test_the_condition_depth_limit_is_exact():
    # 32 conditions deep (31 `not`s around a field) is the limit; one more is refused.
    def nots(n):
        cond: dict = {"field": "a", "equals": 1}
        for _ in range(n):
            cond = {"not": cond}
        return cond

    check, text, messages = compile_(nots(31))
    assert messages == [] and check({"a": 2}, None, None) is True  # an odd number: not (a equals 1)
    assert text.startswith("not (not (") and text.endswith("a equals 1" + ")" * 31)
    _, text, messages = compile_(nots(32))
    assert [(m.rule, m.message) for m in messages] == [("too-deep", "conditions nested deeper than 32 levels")]


def test_the_depth_limit_counts_from_where_a_sibling_left_off():
    # Two `not`s, an `allOf`, then a second child 29 `not`s deep: 33 levels, refused even
    # though the first child (a shallow field) was compiled before it; 28 deep is 32 levels.
    def cond(deep: int) -> dict:
        inner: dict = {"field": "a", "equals": 1}
        for _ in range(deep):
            inner = {"not": inner}
        return {"not": {"not": {"allOf": [{"field": "b", "exists": True}, inner]}}}

    assert compile_(cond(28))[2] == []
    assert [m.rule for m in compile_(cond(29))[2]] == ["too-deep"]


def test_an_operator_with_no_value_is_refused_at_the_value(tmp_path):
    # `notEquals:` with nothing after it is null: it would pass every present value.
    f = tmp_path / "p.yaml"
    f.write_text("cond:\n  anyOf:\n    - {field: a, notEquals: }\n    - field: b\n      equals: ~\n")
    check, messages = compile_file_condition(f)
    tail = "has no value (an empty or null YAML value); to test absence use 'exists: false'"
    assert [(m.rule, m.line, m.col, m.message) for m in messages] == [
        ("bad-value", 3, 29, f"'notEquals' {tail}"),
        ("bad-value", 5, 15, f"'equals' {tail}"),
    ]
    assert check({"a": 1, "b": 2}, None, None) is False


@pytest.mark.parametrize(("same", "text"), [
    ("properties.x", "id names the resource's properties.x"),
    ({"field": "properties.x", "parent": True}, "id names the parent of the resource's properties.x"),
    ({"field": "properties.x", "parent": "false"}, "id names the resource's properties.x"),
], ids=["plain", "parent", "parent-false"])
def test_same_as_text_says_which_field_it_names(same, text):
    _, got, messages = compile_({"field": "id", "sameAs": same})
    assert messages == [] and got == text


def test_same_as_on_a_missing_field_fails():
    # The judged field absent: nothing is named, so `sameAs` does not hold (and `not` of it does).
    cond = {"field": "properties.other", "sameAs": "properties.x"}
    doc = {"id": "/s/1", "properties": {"x": "/subscriptions/1/a"}}
    assert run_related(cond, {**doc, "properties": {**doc["properties"], "other": "/SUBSCRIPTIONS/1/A"}}, [])[0] is True
    assert run_related(cond, doc, [])[0] is False
    assert run_related({"not": cond}, doc, [])[0] is True


def test_a_nested_count_names_the_whole_path_of_what_is_not_an_array():
    # The engine shows this as the `unknown` finding's detail: the path from the resource.
    check, _, messages = compile_({"count": {"field": "g[*]", "where": {
        "count": {"field": "g[*].r[*]"}, "equals": 1}}, "equals": 1})
    assert messages == []
    with pytest.raises(NotAnArray) as e:
        check({"g": [{"r": "x"}]}, None, None)
    assert str(e.value) == "g[*].r is a string, not an array"


def test_related_problems_named_at_their_key(tmp_path):
    # Each wrong `related` is one schema error at the key at fault (line:col), in its own words.
    got = all_of_problems(
        tmp_path,
        "    - related: Microsoft.Network/virtualNetworks\n",
        "    - related: {type: Microsoft.Network/virtualNetworks, via: properties.v, refersBack: id}\n",
        "    - related: {type: Microsoft.Network/virtualNetworks, via: properties.v, zz: 1}\n",
        "    - related: {type: Microsoft.Network/virtualNetworks}\n",
        "    - related: {type: Microsoft.Network/virtualNetworks, via: properties.v, child: web}\n",
        "    - related: {type: Microsoft.Web/sites, child: web, key: name}\n",
        "    - related: {via: properties.v}\n",
        "    - {related: {type: Microsoft.Network/virtualNetworks, via: properties.v}, field: c}\n",
        "    - count: {field: 'r[*]', where: {related: {type: Microsoft.Network/virtualNetworks, via: properties.v}}}\n",
        "      equals: 1\n")
    one_of = "'related' needs exactly one of 'via' (a reference field), 'child' or 'parent: true'"
    assert got == [
        ("schema", 3, 7, "'related' needs a mapping with 'type' and 'via' or 'child'"),
        ("schema", 4, 77, "unknown key 'refersBack' in 'related' ('refersBack' and 'children' belong in a count)"),
        ("schema", 5, 77, "unknown key 'zz' in 'related'"),
        ("schema", 6, 7, one_of),  # none of them
        ("schema", 7, 7, one_of),  # two of them
        ("schema", 8, 56, "'key' names the target field a 'via' reference matches: it needs 'via'"),
        ("schema", 9, 7, "'related' needs the related resource 'type' (one or a list)"),
        ("schema", 10, 8, "'related' cannot be combined with 'field'"),
        ("schema", 11, 38, "'related' cannot be used inside a count over a field"),
    ]


@pytest.mark.parametrize(("cond", "text"), [
    ({"type": "Microsoft.Network/virtualNetworks", "via": "properties.v"},
     "related Microsoft.Network/virtualNetworks (properties.v) exists"),
    ({"type": ["Microsoft.Web/sites", "Microsoft.Web/sites/slots"], "child": "web",
      "where": {"field": "properties.x", "equals": 1}},
     "related Microsoft.Web/sites or Microsoft.Web/sites/slots (child sites/web) where properties.x equals 1"),
    ({"type": "Microsoft.Web/sites", "parent": True}, "related Microsoft.Web/sites (parent) exists"),
    ({"type": "Microsoft.Web/sites", "via": "properties.v[*]", "key": "name"},
     "related Microsoft.Web/sites (properties.v[*] by name) exists"),
], ids=["via", "child-where", "parent", "via-each-key"])
def test_related_text(cond, text):
    _, got, messages = compile_({"related": cond})
    assert messages == [] and got == text


def test_a_bad_related_key_stops_there():
    # One error for the bad `key`; the `via` after it is not read (no second, derived error).
    check, text, messages = compile_({"related": {"type": "Microsoft.Web/sites", "via": "a..b", "key": "c..d"}})
    assert [(m.rule, m.message) for m in messages] == [("bad-path", "bad field path 'c..d': empty segment")]
    assert text == "?" and check({"a": 1}, None, None) is False


@pytest.mark.parametrize("field", ["r[*].p[*]", "r[*].p[0]"], ids=["each", "index"])
def test_a_count_where_names_the_whole_path_of_what_is_not_an_array(field):
    # Read on the counted element, but named from the resource (the `unknown` finding's detail).
    check, _, messages = compile_({"count": {"field": "r[*]", "where": {"field": field, "equals": 1}}, "equals": 1})
    assert messages == []
    with pytest.raises(NotAnArray) as e:
        check({"r": [{"p": "x"}]}, None, None)
    assert str(e.value) == "r[*].p is a string, not an array"


@pytest.mark.parametrize("types", [["Microsoft.Web/sites", 3], ["Microsoft.Web/sites", " "], []],
                         ids=["not-a-string", "blank", "empty"])
def test_a_related_type_list_with_a_bad_entry_is_refused(types):
    # Not the good entries alone: a list with a number or a blank names no type the author meant.
    check, text, messages = compile_({"related": {"type": types, "via": "properties.v"}})
    assert [(m.rule, m.message) for m in messages] == [
        ("schema", "'related' needs the related resource 'type' (one or a list)")]
    assert text == "?" and check({"properties": {"v": "/x"}}, None, None) is False


def test_related_parent_and_child_problems_named_at_their_value(tmp_path):
    got = all_of_problems(
        tmp_path,
        "    - related: {type: Microsoft.Web/sites, parent: false}\n",
        "    - related: {type: Microsoft.Web/sites, child: 3}\n",
        "    - related: {type: Microsoft.Web/sites, child: '  '}\n",
        "    - related: {type: Microsoft.Web/sites, child: /web}\n")
    tail = "'child' names the child by its id tail, e.g. 'web' or 'config/web'"
    assert got == [
        ("bad-value", 3, 52, "'parent' takes true"),
        ("bad-value", 4, 51, tail),
        ("bad-value", 5, 51, tail),
        ("bad-value", 6, 51, tail),
    ]


@pytest.mark.parametrize(("typ", "child", "shown"), [
    ("Microsoft.Web/sites", "web/", "child sites/web"),  # a trailing slash is dropped
    ("Microsoft.Web/sites", "webX/", "child sites/webX"),  # only slashes are
    ("Microsoft.Web/sites", "config/web", "child config/web"),  # a two-part tail is kept whole
    ("sites", "web", "child sites/web"),  # a type without a provider prefix
], ids=["trailing-slash", "trailing-x", "two-part", "bare-type"])
def test_related_child_tail(typ, child, shown):
    _, text, messages = compile_({"related": {"type": typ, "child": child}})
    assert messages == [] and text == f"related {typ} ({shown}) exists"


def test_same_as_via_problems_named_at_their_value(tmp_path):
    got = all_of_problems(
        tmp_path,
        "    - {field: id, sameAs: {field: a, via: v}}\n",
        "    - {field: id, sameAs: {field: a, type: t}}\n",
        "    - {field: id, sameAs: {field: a, via: v, type: []}}\n",
        "    - {field: id, sameAs: {field: a, via: 'v[*].x', type: t}}\n",
        "    - {field: id, sameAs: {field: a, via: 'v..x', type: t}}\n")
    together = ("'sameAs' 'via' (a reference field of the judged resource) and 'type' "
                "(the type it names) go together")
    assert got == [
        ("bad-value", 3, 27, together),
        ("bad-value", 4, 27, together),
        ("schema", 5, 27, "'related' needs the related resource 'type' (one or a list)"),
        ("bad-path", 6, 27, "a 'sameAs' 'via' cannot use '[*]' ('v[*].x')"),
        ("bad-path", 7, 27, "bad field path 'v..x': empty segment"),
    ]
