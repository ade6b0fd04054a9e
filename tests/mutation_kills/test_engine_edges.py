"""
The engine's decision, evidence and messages at their edges, through its public functions.
"""

from __future__ import annotations

from scanner.engine import Engine, evaluate, evidence_of, message_for
from scanner.findings import MESSAGE_LIMIT, Evidence, finding_id
from scanner.inventory.resource import Resource
from scanner.policy.catalog import Catalog
from scanner.policy.compile import ConditionCompiler
from scanner.policy.model import Policy
from scanner.policy.paths import MISSING, getter, parse_path


def compiled(cond):
    messages: list = []
    check, text = ConditionCompiler("t.yaml", "T-1", messages).compile(cond)
    assert not messages
    return check, text


def policy(assert_, where=None, requires=(), pid="T-1", types=("t/x",), **kw) -> Policy:
    check, text = compiled(assert_)
    return Policy(
        id=pid, title=f"title {pid}", severity="medium", types=types, type_names=types,
        check=check, expectation=text, where=compiled(where)[0] if where else None,
        requires=tuple((r, getter(parse_path(r).steps)) for r in requires), **kw)


def test_outcomes_and_reads():
    p = policy({"field": "a", "equals": 1}, where={"field": "k", "equals": "on"}, requires=["r"])
    assert evaluate(p, {"k": "off", "a": 1, "r": 0}) == ("not_applicable", [("k", "off")], "")
    assert evaluate(p, {"k": "on", "a": 1}) == ("unknown", [("k", "on"), ("r", MISSING)],
                                                 "r is absent from the inventory (the policy requires it)")
    assert evaluate(p, {"k": "on", "a": 1, "r": 0}) == ("pass", [("k", "on"), ("a", 1)], "")
    assert evaluate(p, {"k": "on", "a": 2, "r": 0}) == ("fail", [("k", "on"), ("a", 2)], "")


def test_without_where_or_requires_every_resource_is_decided():
    p = policy({"field": "a", "equals": 1})
    assert evaluate(p, {"a": 1})[0] == "pass"
    assert evaluate(p, {})[0] == "fail"


def test_first_missing_requirement_is_named_and_reading_stops_there():
    p = policy({"field": "a", "equals": 1}, requires=["x", "y", "z"])
    outcome, reads, detail = evaluate(p, {"x": 1, "a": 1})
    assert (outcome, reads, detail) == ("unknown", [("y", MISSING)], "y is absent from the inventory (the policy requires it)")


def test_an_exception_is_an_error_with_its_type_and_the_reads_so_far():
    p = policy({"field": "a", "equals": 1})

    def boom(doc, reads, el):
        reads.append(("a", 1))
        raise KeyError("k")

    from dataclasses import replace
    outcome, reads, detail = evaluate(replace(p, check=boom), {"a": 1})
    assert (outcome, reads, detail) == ("error", [("a", 1)], "KeyError: 'k'")


def test_evidence_first_read_wins_missing_is_absent_lists_map_missing_to_none():
    ev = evidence_of([("a", 1), ("b", MISSING), ("a", 2), ("c", [1, MISSING, "x"]), ("d", False),
                      ("count(e[*])", 4)])
    assert ev == (Evidence("a", 1, True), Evidence("b", None, False),
                  Evidence("c", [1, None, "x"], True), Evidence("d", False, True),
                  Evidence("count(e[*])", 4, True))
    assert evidence_of([]) == ()


def test_flags_and_counts_under_secret_looking_paths_stay_as_they_are():
    ev = evidence_of([("properties.adminPassword", True), ("count(properties.secrets[*])", 2),
                      ("properties.accessKeys[*].enabled", [True, MISSING])])
    assert [e.observed for e in ev] == [True, 2, [True, None]]


def ev(path, observed, present=True):
    return Evidence(path, observed, present)


def test_messages_per_outcome():
    p = policy({"field": "a", "equals": 1})
    assert message_for(p, "pass", (), "") == "satisfied: a equals 1"
    assert message_for(p, "fail", (ev("a", 2), ev("b", None, False)), "") == (
        "expected a equals 1; observed a=2; b is absent")
    assert message_for(p, "fail", (), "") == "expected a equals 1; observed nothing"
    # The engine's detail carries the reason; the message only prefixes it.
    assert message_for(p, "unknown", (), "x.y is absent") == "insufficient evidence: x.y is absent"
    assert message_for(p, "error", (), "ValueError: v") == "evaluation error: ValueError: v"


def test_observed_values_are_cut_at_120_characters():
    p = policy({"field": "a", "equals": 1})
    exact = "x" * 118  # repr adds two quotes: 120 characters, kept whole
    assert message_for(p, "fail", (ev("a", exact),), "") == f"expected a equals 1; observed a='{exact}'"
    longer = "y" * 119  # 121 characters: cut to 117 and '...'
    assert message_for(p, "fail", (ev("a", longer),), "") == (
        "expected a equals 1; observed a='" + "y" * 116 + "...")


def test_messages_are_cut_at_the_limit():
    assert MESSAGE_LIMIT == 600
    p = policy({"field": "a", "equals": 1})
    prefix = "evaluation error: "
    fits = "d" * (MESSAGE_LIMIT - len(prefix))
    assert message_for(p, "error", (), fits) == prefix + fits
    over = fits + "e"
    cut = message_for(p, "error", (), over)
    assert len(cut) == 600 and cut == (prefix + over)[:597] + "..."


def resource(name, rtype="T/X", **doc) -> Resource:
    return Resource({"id": f"/Sub/{name}", "type": rtype, "name": name, "location": "l",
                     "account": "acc", "provider": "azure", **doc}, "src.json", 3)


def test_findings_carry_everything_about_the_policy_and_resource():
    p = policy({"field": "a", "equals": 1}, pid="T-9", remediation="do it",
               frameworks={"soc2": ["CC6.1"]})
    engine = Engine(Catalog(policies=[p]))
    (f,) = engine.findings(resource("one", a=2))
    assert f.id == finding_id("T-9", "/sub/one")
    assert (f.policy_id, f.title, f.severity, f.status) == ("T-9", "title T-9", "medium", "fail")
    assert f.message == "expected a equals 1; observed a=2"
    assert f.resource == {"id": "/Sub/one", "type": "T/X", "name": "one", "location": "l",
                          "account": "acc", "provider": "azure"}
    assert f.evidence == (Evidence("a", 2, True),)
    assert (f.remediation, f.frameworks, f.source, f.line) == (
        "do it", {"soc2": ["CC6.1"]}, "src.json", 3)


def test_every_policy_of_the_type_in_catalog_order_and_not_applicable_skipped():
    a = policy({"field": "a", "equals": 1}, pid="A")
    b = policy({"field": "a", "equals": 2}, pid="B", where={"field": "a", "equals": 9})
    c = policy({"field": "a", "equals": 2}, pid="C")
    other = policy({"field": "a", "equals": 1}, pid="D", types=("other/y",))
    engine = Engine(Catalog(policies=[a, b, c, other]))
    got = [(f.policy_id, f.status, f.resource["name"])
           for f in engine.run([resource("r1", a=1), resource("r2", "OTHER/Y", a=1),
                                resource("r3", "none/z", a=1)])]
    assert got == [("A", "pass", "r1"), ("C", "fail", "r1"), ("D", "pass", "r2")]


def test_the_same_identity_and_id_key_for_every_policy_of_a_resource():
    a = policy({"field": "a", "equals": 1}, pid="A", where={"field": "a", "equals": 9})
    b = policy({"field": "a", "equals": 1}, pid="B")
    c = policy({"field": "a", "equals": 1}, pid="C")
    fb, fc = Engine(Catalog(policies=[a, b, c])).findings(resource("R", a=1))
    assert fb.id == finding_id("B", "/sub/r") and fc.id == finding_id("C", "/sub/r")
    assert fb.resource == fc.resource and fb.resource["name"] == "R"


def test_one_read_is_its_own_evidence():
    # The engine inlines this case; evidence_of must still give the same records for it.
    assert evidence_of([("properties.x", "v")]) == (Evidence("properties.x", "v", True),)
    assert evidence_of([("properties.x", MISSING)]) == (Evidence("properties.x", None, False),)
    assert evidence_of([("p[*]", [1, MISSING])]) == (Evidence("p[*]", [1, None], True),)
