"""
`count: related` (reverse references and children): every malformed spelling is one lint error
with its rule, words and YAML position; a well-formed one says what it counts, tells the engine
which relations to index, and counts the resources a user would count.
"""

from __future__ import annotations

from typing import Any

import pytest

from scanner.inventory.resource import Resource
from scanner.policy.compile import ConditionCompiler
from scanner.policy.model import LintMessage
from scanner.policy.paths import EACH
from scanner.relindex import ACTIVE, Relation, RelationIndex
from tests.policy.helpers import compile_file_condition, run_related

PE = "Microsoft.Network/privateEndpoints"
LINK = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
SUB = "/subscriptions/0000-a/resourceGroups/rg/providers"
ACCOUNT = {"id": f"{SUB}/Microsoft.CognitiveServices/accounts/oai", "type": "Microsoft.CognitiveServices/accounts"}
ZONE = {"id": f"{SUB}/Microsoft.Network/privateDnsZones/z1", "type": "Microsoft.Network/privateDnsZones"}


def compile_(cond: Any) -> tuple[Any, str, list[LintMessage], list[Relation]]:
    messages: list[LintMessage] = []
    compiler = ConditionCompiler("t.yaml", "P-9", messages)
    check, text = compiler.compile(cond)
    return check, text, messages, compiler.relations


run = run_related


@pytest.mark.parametrize(("cond", "message"), [
    ({"count": {"related": {"type": PE, "children": True}, "filter": 1}, "equals": 1},
     "unknown key 'filter' in 'count' (use 'related' and 'where')"),
    ({"count": {"related": "x"}, "equals": 1},
     "'count: related' needs a mapping with 'type' and 'refersBack' or 'children'"),
    ({"count": {"related": [PE]}, "equals": 1},
     "'count: related' needs a mapping with 'type' and 'refersBack' or 'children'"),
    ({"count": {"related": {"type": PE, "via": "a"}}, "equals": 1},
     "unknown key 'via' in 'count: related' (use 'type' and 'refersBack' or 'children')"),
    ({"count": {"related": {"children": True}}, "equals": 1},
     "'related' needs the related resource 'type' (one or a list)"),
    ({"count": {"related": {"type": PE}}, "equals": 1},
     "'count: related' needs exactly one of 'refersBack' (a field of the related type) or 'children: true'"),
    ({"count": {"related": {"type": PE, "children": False}}, "equals": 1},
     "'count: related' needs exactly one of 'refersBack' (a field of the related type) or 'children: true'"),
    ({"count": {"related": {"type": PE, "refersBack": "a.id", "children": True}}, "equals": 1},
     "'count: related' needs exactly one of 'refersBack' (a field of the related type) or 'children: true'"),
    ({"count": {"related": {"type": PE, "refersBack": "a..id"}}, "equals": 1},
     "bad field path 'a..id': empty segment"),
    ({"count": {"related": {"type": PE, "children": True}}, "equals": "1"},
     "count 'equals' needs a whole number"),
    ({"count": {"related": {"type": PE, "children": True}}, "in": []},
     "count 'in' needs a whole number list"),
    ({"count": {"related": {"type": PE, "children": True}}},
     "count needs exactly one operator (found none)"),
], ids=["extra-key", "not-a-mapping", "a-list", "via-in-count", "no-type", "neither", "children-false",
        "both", "bad-back-path", "string-count", "empty-in", "no-operator"])
def test_malformed_count_related_is_one_error_and_never_passes(cond, message):
    check, text, messages, relations = compile_(cond)
    assert [(m.rule in ("schema", "bad-path", "bad-value"), m.message, m.policy_id) for m in messages] == [
        (True, message, "P-9")]
    assert text == "?"
    assert relations == [] or message.startswith("count")  # nothing to index for a refused spec
    assert check(ACCOUNT, None, None) is False


def test_rules_of_the_count_related_problems():
    rules = {}
    for key, cond in {
        "extra": {"count": {"related": {"type": PE, "children": True}, "x": 1}, "equals": 1},
        "shape": {"count": {"related": 1}, "equals": 1},
        "inner": {"count": {"related": {"type": PE, "x": 1}}, "equals": 1},
        "neither": {"count": {"related": {"type": PE}}, "equals": 1},
        "path": {"count": {"related": {"type": PE, "refersBack": "a..b"}}, "equals": 1},
    }.items():
        rules[key] = [m.rule for m in compile_(cond)[2]]
    assert rules == {"extra": ["schema"], "shape": ["schema"], "inner": ["schema"],
                     "neither": ["schema"], "path": ["bad-path"]}


def test_count_related_problems_are_reported_where_they_are_written(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text(
        "cond:\n"
        "  allOf:\n"
        "    - count: {related: {type: T, children: true}, zz: 1, yy: 2}\n"  # line 3: at 'zz'
        "      equals: 1\n"
        "    - count: {related: nope}\n"                                   # line 5: at 'count'
        "      equals: 1\n"
        "    - count: {related: {type: T, children: true, via: a, qq: b}}\n"  # line 7: at 'via'
        "      equals: 1\n"
        "    - count: {related: {children: true}}\n"                       # line 9: at 'count'
        "      equals: 1\n"
        "    - count: {related: {type: T}}\n"                              # line 11: at 'count'
        "      equals: 1\n"
    )
    _, messages = compile_file_condition(f)
    assert [(m.line, m.col, m.message.split(" (")[0]) for m in messages] == [
        (3, 51, "unknown key 'zz' in 'count'"),
        (5, 7, "'count: related' needs a mapping with 'type' and 'refersBack' or 'children'"),
        (7, 50, "unknown key 'via' in 'count: related'"),
        (9, 7, "'related' needs the related resource 'type'"),
        (11, 7, "'count: related' needs exactly one of 'refersBack'"),
    ]
    assert {m.severity for m in messages} == {"error"}


def test_what_a_count_related_says_it_counts():
    back = {"count": {"related": {"type": [PE, "Microsoft.Network/x"], "refersBack": "properties.t[*].id"},
                      "where": {"field": "properties.s", "equals": "ok"}}, "equals": 1}
    assert compile_(back)[1] == ("count of related Microsoft.Network/privateEndpoints or Microsoft.Network/x "
                                 "referring back by properties.t[*].id where properties.s equals 'ok' equals 1")
    kids = {"count": {"related": {"type": LINK, "children": "TRUE"}}, "greaterOrEquals": 2}
    assert compile_(kids)[1] == f"count of related {LINK} children greaterOrEquals 2"
    listed = {"count": {"related": {"type": LINK, "children": True}}, "in": [1, 3]}
    assert compile_(listed)[1] == f"count of related {LINK} children in [1, 3]"


def test_the_relations_a_count_related_asks_the_engine_to_index():
    back = {"count": {"related": {"type": [PE, "Microsoft.Network/X"], "refersBack": "properties.t[*].id"},
                      "where": {"field": "properties.s", "equals": "ok"}}, "equals": 1}
    steps = ("properties", "t", EACH, "id")
    keep = (steps, ("properties", "s"))
    assert compile_(back)[3] == [Relation("microsoft.network/privateendpoints", steps, False, keep, counted=True),
                                 Relation("microsoft.network/x", steps, False, keep, counted=True)]
    kids = {"count": {"related": {"type": LINK, "children": True}}, "equals": 0}
    assert compile_(kids)[3] == [Relation(LINK.lower(), None, True, (), counted=True)]
    # The paths read inside the related resource are not the resource's own: an enclosing
    # `related` keeps only its own reads.
    outer = {"related": {"type": "A/b", "via": "properties.a.id", "where": {"field": "properties.z", "exists": True}}}
    relations = compile_({"allOf": [outer, kids]})[3]
    assert relations == [Relation("a/b", None, False, (("properties", "z"),)),
                         Relation(LINK.lower(), None, True, (), counted=True)]


def _pe(name: str, target: str, status: str, kind: str = PE) -> dict[str, Any]:
    return {"id": f"{SUB}/{kind}/{name}", "type": kind,
            "properties": {"t": [{"id": target}], "s": status}}


def test_reverse_references_are_counted_over_every_listed_type_with_evidence():
    other = "Microsoft.Network/privateLinkThings"
    cond = {"count": {"related": {"type": [PE, other], "refersBack": "properties.t[*].id"},
                      "where": {"field": "properties.s", "equals": "ok"}}, "equals": 2}
    related = [_pe("a", ACCOUNT["id"], "ok"), _pe("b", ACCOUNT["id"].upper(), "no"),
               _pe("c", ACCOUNT["id"], "ok", other), _pe("d", f"{SUB}/x/y", "ok")]
    ok, reads = run(cond, ACCOUNT, related)
    assert ok is True
    label = f"related {PE} or {other} referring back by properties.t[*].id"
    assert reads[-1] == (f"count({label})", 2)
    assert (f"{label}[{SUB}/{PE}/b].properties.s", "no") in reads
    assert run({**cond, "equals": 3}, ACCOUNT, related)[0] is False


def test_children_count_without_where_and_a_resource_without_an_id():
    links = [{"id": f"{ZONE['id']}/virtualNetworkLinks/l{i}", "type": LINK} for i in range(2)]
    cond = {"count": {"related": {"type": LINK, "children": True}}, "equals": 2}
    assert run(cond, ZONE, links) == (True, [(f"count(related {LINK} children)", 2)])
    assert run(cond, {"type": ZONE["type"]}, links) == (False, [(f"count(related {LINK} children)", 0)])
    zero = {"count": {"related": {"type": LINK, "children": True}}, "equals": 0}
    assert run(zero, {"id": "", "type": ZONE["type"]}, links)[0] is True


def test_a_count_related_with_where_runs_without_an_evidence_list():
    # The engine asks for no evidence when it only needs the verdict.
    cond = {"count": {"related": {"type": PE, "refersBack": "properties.t[*].id"},
                      "where": {"field": "properties.s", "equals": "ok"}}, "equals": 1}
    check, _, messages, relations = compile_(cond)
    assert not messages
    index = RelationIndex(relations)
    index.add(Resource(_pe("a", ACCOUNT["id"], "ok")))
    index.add(Resource(_pe("b", ACCOUNT["id"], "no")))
    token = ACTIVE.set(index)
    try:
        assert check(ACCOUNT, None, None) is True
    finally:
        ACTIVE.reset(token)
