"""
`ccscan test` results and `ccscan lint` ordering and exit codes, rule by rule.
"""

from __future__ import annotations

from pathlib import Path

from scanner.policy.catalog import Catalog
from scanner.policy.compile import ConditionCompiler
from scanner.policy.lint import lint, lint_exit_code
from scanner.policy.model import LintMessage, Policy
from scanner.policy.model import TestCase as Case  # not `Test*`: pytest would collect it
from scanner.policy.paths import getter, parse_path
from scanner.policy.selftest import CaseResult, outcome_for, run_tests


def policy(pid="T-1", file="p.yaml", tests=(), requires=()) -> Policy:
    check, text = ConditionCompiler(file, pid, []).compile({"field": "a", "equals": 1})
    return Policy(id=pid, title="t", severity="low", types=("t/x",), type_names=("T/X",),
                  check=check, expectation=text, file=file, tests=tuple(tests),
                  requires=tuple((r, getter(parse_path(r).steps)) for r in requires))


def case(name, expect, resource, line=None) -> Case:
    return Case(name, expect, resource, line)  # type: ignore[arg-type]


def test_outcome_for_checks_the_type_first():
    p = policy(requires=["r"])
    assert outcome_for(p, case("c", "pass", {"type": "T/X", "a": 1, "r": 1})) == ("pass", "")
    assert outcome_for(p, case("c", "pass", {"type": "t/x", "a": 2, "r": 1})) == ("fail", "")
    assert outcome_for(p, case("c", "pass", {"type": "T/X", "a": 1})) == (
        "unknown", "r is absent from the inventory (the policy requires it)")
    assert outcome_for(p, case("c", "pass", {"type": "T/Y", "a": 1})) == ("not_applicable", "")
    assert outcome_for(p, case("c", "pass", {"a": 1})) == ("not_applicable", "")


def test_run_tests_yields_every_case_of_every_policy_in_order():
    a = policy("A", tests=[case("ok", "pass", {"type": "t/x", "a": 1}),
                           case("bad", "pass", {"type": "t/x", "a": 2})])
    b = policy("B", tests=[case("na", "not_applicable", {"type": "other"})])
    results = list(run_tests(Catalog(policies=[a, b, policy("C")])))
    assert [(r.policy.id, r.case.name, r.got, r.ok) for r in results] == [
        ("A", "ok", "pass", True), ("A", "bad", "fail", False), ("B", "na", "not_applicable", True)]


def test_describe():
    p = policy("P-1", file="pol/p.yaml")
    r = CaseResult(p, case("bad one", "pass", {}, line=12), "fail", "")
    assert r.describe() == "pol/p.yaml:12: P-1 test 'bad one': expected pass, got fail"
    r = CaseResult(p, case("x", "fail", {}), "error", "KeyError: 'k'")
    assert r.describe() == "pol/p.yaml: P-1 test 'x': expected fail, got error (KeyError: 'k')"
    r = CaseResult(p, case("x", "fail", {}, line=3), "unknown", "a.b")
    assert r.describe() == "pol/p.yaml:3: P-1 test 'x': expected fail, got unknown"
    assert r.ok is False
    assert CaseResult(p, case("x", "unknown", {}), "unknown", "a.b").ok is True


def msg(severity, path="a.yaml", line=None, col=None, message="m") -> LintMessage:
    return LintMessage(path, line, col, severity, "rule", message)


def test_lint_exit_code():
    assert lint_exit_code([], False) == 0
    assert lint_exit_code([], True) == 0
    assert lint_exit_code([msg("warning")], False) == 0
    assert lint_exit_code([msg("warning")], True) == 2
    assert lint_exit_code([msg("error")], False) == 2
    assert lint_exit_code([msg("warning"), msg("error")], True) == 2


def test_lint_sorts_and_deduplicates(tmp_path: Path):
    (tmp_path / "b.yaml").write_text(
        "id: B-1\ntitle: t\nseverity: low\nresource: T/X\nassert: {field: a, equal: 1}\n"
        "---\n"
        "id: B-2\ntitle: t\nseverity: low\nresource: T/X\nassert: {field: a, equals: 1}\n")
    (tmp_path / "a.yaml").write_text(
        "id: A-1\ntitle: t\nseverity: low\nresource: T/X\nassert: {field: 'a..b', equals: 1}\n")
    catalog, messages = lint([tmp_path])
    got = [(Path(m.path).name, m.line, m.rule) for m in messages]
    assert got == [
        ("a.yaml", 5, "bad-path"),
        ("b.yaml", 5, "unknown-operator"),
        ("b.yaml", 7, "no-tests"),
        ("b.yaml", 10, "unindexed-type"),  # T/X is in no type index: a warning, not an error
    ]
    assert [p.id for p in catalog.policies] == ["B-2"]
    assert lint_exit_code(messages, False) == 2


def test_lint_orders_by_line_then_column_then_message(monkeypatch):
    # Through lint()'s own key: messages in one file at the same line sort by column.
    from scanner.policy import lint as lint_module

    held = Catalog(messages=[
        msg("error", line=2, col=9, message="b"), msg("error", line=2, col=3),
        msg("error", line=None, message="z"), msg("error", line=2, col=3),
        msg("error", path="0.yaml", line=9), msg("error", line=2, col=9, message="a")])
    monkeypatch.setattr(lint_module, "load_catalog", lambda paths, **kw: held)
    _, messages = lint_module.lint([])
    assert [(m.path, m.line, m.col, m.message) for m in messages] == [
        ("0.yaml", 9, None, "m"), ("a.yaml", None, None, "z"), ("a.yaml", 2, 3, "m"),
        ("a.yaml", 2, 9, "a"), ("a.yaml", 2, 9, "b")]


def test_lint_message_render():
    assert msg("error", "p.yaml", 3, 5, "bad").render() == "p.yaml:3:5: error: bad [rule]"
    assert msg("warning", "p.yaml", 3, None, "w").render() == "p.yaml:3: warning: w [rule]"
    assert msg("error", "p.yaml", None, 5, "x").render() == "p.yaml: error: x [rule]"


def test_lint_exit_code_strict_counts_errors_too():
    assert lint_exit_code([msg("error")], True) == 2


def test_lint_sorts_absent_line_and_column_before_1(monkeypatch):
    from scanner.policy import lint as lint_module
    held = Catalog(messages=[msg("error", line=1, col=1, message="a"),
                             msg("error", line=None, message="z"),
                             msg("error", line=1, col=None, message="y")])
    monkeypatch.setattr(lint_module, "load_catalog", lambda paths, **kw: held)
    _, messages = lint_module.lint([])
    assert [m.message for m in messages] == ["z", "y", "a"]


def test_a_test_resource_without_a_type_never_matches():
    p = policy()
    odd = Policy(id="T-2", title="t", severity="low", types=("none", "xxxx"), type_names=("x",),
                 check=p.check, expectation="x")
    assert outcome_for(odd, case("c", "pass", {"a": 1})) == ("not_applicable", "")


def test_run_tests_keeps_the_error_detail():
    from dataclasses import replace

    def boom(doc, reads, el):
        raise RuntimeError("boom")

    p = replace(policy(tests=[case("c", "pass", {"type": "t/x"})]), check=boom)
    (r,) = run_tests(Catalog(policies=[p]))
    assert (r.got, r.detail) == ("error", "RuntimeError: boom")
    assert r.describe().endswith("expected pass, got error (RuntimeError: boom)")
