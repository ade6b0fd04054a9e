"""
Loading policies and frameworks into a catalog: what is compiled, and every message (rule,
severity, place) a broken or incomplete file produces.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path

import pytest

from scanner.errors import PolicyError
from scanner.policy.catalog import Catalog, discover, load_catalog
from scanner.policy.yamlload import load_documents

POLICY = """\
id: T-ONE-1
title: One
severity: high
resource: [Microsoft.Web/Sites, microsoft.web/sites/SLOTS]
description: d
requires: [properties.a, "tags['x.y']"]
assert: {field: properties.a, equals: 1}
frameworks: {fw: [C1]}
remediation: fix it
references: [https://example.com/r]
tests:
  - {name: ok, expect: pass, resource: {properties: {a: 1}, tags: {x.y: 1}}}
  - {name: bad, expect: fail, resource: {type: Microsoft.Web/sites/slots, id: /x, name: n, properties: {a: 2}}}
"""

FRAMEWORK = """\
framework: fw
title: Test framework
version: "2"
controls:
  - {id: C1, title: First, description: about C1, policies: [T-ONE-1]}
  - {id: C2, title: Second}
"""


def write(dirpath: Path, name: str, text: str) -> Path:
    p = dirpath / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text))
    return p


def load(tmp_path: Path, *texts: str, builtin: bool = True) -> Catalog:
    for i, t in enumerate(texts):
        write(tmp_path, f"f{i}.yaml", t)
    return load_catalog([tmp_path], builtin_frameworks=builtin)


def rules(cat: Catalog) -> list[tuple[str, str, int | None]]:
    return sorted((m.rule, m.severity, m.line) for m in cat.messages)


def test_a_good_policy_and_framework(tmp_path):
    cat = load(tmp_path, POLICY, FRAMEWORK)
    assert cat.messages == []
    (p,) = cat.policies
    assert (p.id, p.title, p.severity) == ("T-ONE-1", "One", "high")
    assert p.types == ("microsoft.web/sites", "microsoft.web/sites/slots")
    assert p.type_names == ("Microsoft.Web/Sites", "microsoft.web/sites/SLOTS")
    assert p.expectation == "properties.a equals 1"
    assert p.where is None
    assert [r for r, _ in p.requires] == ["properties.a", "tags['x.y']"]
    assert p.requires[1][1]({"tags": {"x.y": 5}}) == 5
    assert (p.description, p.remediation, p.references) == ("d", "fix it", ("https://example.com/r",))
    assert p.frameworks == {"fw": ["C1"]}
    assert p.file.endswith("f0.yaml") and p.line == 1
    assert p.sha256 == hashlib.sha256(json.dumps(
        load_documents(tmp_path / "f0.yaml")[0], sort_keys=True, separators=(",", ":")
    ).encode()).hexdigest()
    ok, bad = p.tests
    assert (ok.name, ok.expect, ok.line) == ("ok", "pass", 12)
    assert ok.resource == {"properties": {"a": 1}, "tags": {"x.y": 1},
                           "type": "Microsoft.Web/Sites", "id": "/test/ok", "name": "ok"}
    assert type(ok.resource) is dict and type(ok.resource["properties"]) is dict
    assert bad.resource == {"type": "Microsoft.Web/sites/slots", "id": "/x", "name": "n",
                            "properties": {"a": 2}}
    fw = cat.frameworks["fw"]
    assert (fw.id, fw.title, fw.version) == ("fw", "Test framework", "2")
    assert [(c.id, c.title, c.description, c.policies) for c in fw.controls] == [
        ("C1", "First", "about C1", ("T-ONE-1",)), ("C2", "Second", "", ())]
    assert fw.file.endswith("f1.yaml") and len(fw.sha256) == 64


def test_minimal_policy_defaults(tmp_path):
    cat = load(tmp_path, "id: T-MIN-1\ntitle: m\nseverity: low\nresource: T/X\n"
                         "where: {field: k, exists: true}\nassert: {field: a, exists: true}\n")
    (p,) = cat.policies
    assert p.types == ("t/x",) and p.type_names == ("T/X",)
    assert p.where is not None and p.where({"k": 1}, None, None) and not p.where({}, None, None)
    assert (p.requires, p.description, p.remediation, p.references, p.frameworks, p.tests) == (
        (), "", "", (), {}, ())
    assert [(m.rule, m.severity, m.message) for m in cat.messages] == [
        ("no-tests", "warning", "policy T-MIN-1 has no tests")]


def test_policies_are_sorted_by_id_and_indexed_by_type(tmp_path):
    cat = load(tmp_path,
               "id: T-B-1\ntitle: b\nseverity: low\nresource: [A/X, b/y]\nassert: {field: a, exists: true}\n"
               "---\n"
               "id: T-A-1\ntitle: a\nseverity: low\nresource: a/x\nassert: {field: a, exists: true}\n")
    assert [p.id for p in cat.policies] == ["T-A-1", "T-B-1"]
    assert {k: [p.id for p in v] for k, v in cat.index().items()} == {
        "a/x": ["T-A-1", "T-B-1"], "b/y": ["T-B-1"]}
    assert cat.resource_types() == {"a/x", "b/y"}


def test_test_cases_without_pass_or_fail_are_warned(tmp_path):
    only_pass = POLICY.split("  - {name: bad")[0]
    cat = load(tmp_path, only_pass, FRAMEWORK)
    assert [(m.rule, m.severity, m.message, m.policy_id) for m in cat.messages] == [
        ("no-tests", "warning", 'policy T-ONE-1 has no "fail" test case', "T-ONE-1")]
    only_fail = POLICY.replace("  - {name: ok, expect: pass, resource: {properties: {a: 1}, tags: {x.y: 1}}}\n", "")
    cat = load(tmp_path, only_fail, FRAMEWORK)
    assert [m.message for m in cat.messages] == ['policy T-ONE-1 has no "pass" test case']


def test_duplicate_policy_id(tmp_path):
    cat = load(tmp_path, POLICY, FRAMEWORK, POLICY)
    (m,) = [m for m in cat.messages if m.rule == "duplicate-id"]
    assert m.severity == "error" and m.line == 1 and m.col == 1 and m.policy_id == "T-ONE-1"
    assert m.path.endswith("f2.yaml")
    assert m.message.startswith('duplicate policy id "T-ONE-1" (also at ')
    assert m.message.endswith("f0.yaml:1)")


def test_unknown_framework_and_control(tmp_path):
    cat = load(tmp_path, POLICY.replace("{fw: [C1]}", "{nofw: [C1]}"), FRAMEWORK, builtin=False)
    assert [(m.rule, m.message) for m in cat.errors()] == [
        ("unknown-framework", 'policy T-ONE-1: unknown framework "nofw" (did you mean "fw"?)')]
    cat = load(tmp_path, POLICY.replace("{fw: [C1]}", "{fw: [C11, XYZ]}"), FRAMEWORK)
    assert [(m.rule, m.line, m.col, m.message) for m in cat.errors()] == [
        ("unknown-control", 8, 19, 'policy T-ONE-1: fw has no control "C11" (did you mean "C1"?)'),
        ("unknown-control", 8, 24, 'policy T-ONE-1: fw has no control "XYZ"')]


def test_builtin_frameworks_fill_in_only_when_needed(tmp_path):
    soc2 = POLICY.replace("{fw: [C1]}", "{soc2: [CC6.1]}")
    cat = load(tmp_path, soc2)
    # Consulted, and lent to the scan (borrowed) so its Controls section shows the mapping.
    assert cat.errors() == [] and list(cat.frameworks) == ["soc2"]
    assert cat.frameworks["soc2"].borrowed is True
    cat = load(tmp_path, soc2, builtin=False)
    assert [m.rule for m in cat.errors()] == ["unknown-framework"]


def test_framework_mapping_an_unknown_policy_is_a_warning(tmp_path):
    cat = load(tmp_path, POLICY, FRAMEWORK.replace("policies: [T-ONE-1]", "policies: [T-ONE-1, T-GONE-1]"))
    (m,) = cat.messages
    assert (m.rule, m.severity, m.line, m.col) == ("unknown-policy", "warning", 5, 71)
    assert m.message == 'fw control C1 maps unknown policy "T-GONE-1" (did you mean "T-ONE-1"?)'


def test_a_framework_alone_has_no_unknown_policy_warnings(tmp_path):
    cat = load(tmp_path, FRAMEWORK)
    assert cat.messages == [] and cat.policies == []


def test_duplicate_control(tmp_path):
    cat = load(tmp_path, FRAMEWORK + "  - {id: C1, title: Again}\n")
    (m,) = cat.messages
    assert (m.rule, m.severity, m.line, m.col) == ("duplicate-control", "error", 7, 5)
    assert m.message == 'duplicate control id "C1"'


def test_framework_schema_problems_drop_the_framework(tmp_path):
    cat = load(tmp_path, "framework: fw\ncontrols: []\n")
    assert cat.frameworks == {}
    assert [(m.rule, m.severity, m.line, m.col, m.message) for m in cat.messages] == [
        ("schema", "error", 1, 1, "'title' is a required property"),
        ("schema", "error", 2, 11, "controls: [] should be non-empty")]


def test_unknown_field_with_and_without_a_hint(tmp_path):
    cat = load(tmp_path, POLICY.replace("remediation: fix it", "remediaton: fix it\nzzzz: 1"), FRAMEWORK)
    got = sorted((m.line, m.col, m.message) for m in cat.messages)
    assert got == [(9, 1, 'unknown field "remediaton" (did you mean "remediation"?)'),
                   (10, 1, 'unknown field "zzzz"')]
    assert cat.policies == []
    assert {m.policy_id for m in cat.messages} == {"T-ONE-1"}


def test_unknown_field_in_a_nested_mapping_is_labelled(tmp_path):
    text = POLICY.replace("  - {name: ok, expect: pass,", "  - {name: ok, expct: pass, expect: pass,")
    cat = load(tmp_path, text, FRAMEWORK)
    msgs = [m.message for m in cat.messages if m.rule == "unknown-field"]
    assert msgs == ['tests.0: unknown field "expct" (did you mean "expect"?)']


def test_schema_errors_name_the_path_and_line(tmp_path):
    cat = load(tmp_path, POLICY.replace("severity: high", "severity: urgent"), FRAMEWORK)
    (m,) = cat.errors()
    assert (m.rule, m.line, m.col) == ("schema", 3, 11)
    assert m.message.startswith("severity: 'urgent' is not one of")


def test_a_missing_required_field_is_reported_at_the_mapping(tmp_path):
    cat = load(tmp_path, "# c\nid: T-X-1\ntitle: t\nresource: T/X\nassert: {field: a, exists: true}\n")
    (m,) = cat.errors()
    assert (m.rule, m.line, m.col, m.message) == ("schema", 2, 1, "'severity' is a required property")


def test_condition_problems_come_from_the_compiler_not_the_schema(tmp_path):
    cat = load(tmp_path, POLICY.replace("equals: 1}", "equal: 1}"), FRAMEWORK)
    assert [m.rule for m in cat.errors()] == ["unknown-operator"]
    cat = load(tmp_path, POLICY.replace("requires:", "where: {field: a, bogus: 1}\nrequires:"),
               FRAMEWORK)
    assert [m.rule for m in cat.errors()] == ["unknown-operator"]


def test_a_policy_without_assert(tmp_path):
    cat = load(tmp_path, "id: T-X-1\ntitle: t\nseverity: low\nresource: T/X\n")
    assert cat.policies == []
    assert [m.message for m in cat.errors()] == ["'assert' is a required property"]


def test_a_document_that_is_not_a_mapping(tmp_path):
    cat = load(tmp_path, "- a\n- b\n")
    (m,) = cat.messages
    assert (m.rule, m.severity, m.line, m.col) == ("schema", "error", 1, 1)
    assert m.message == "a policy document must be a mapping"
    cat = load(tmp_path, "just text\n")
    assert [(m.message, m.line) for m in cat.messages] == [("a policy document must be a mapping", None)]


@pytest.mark.parametrize(
    ("requires", "message"),
    [("['a[*].b']", "requires path 'a[*].b' cannot use '[*]'"),
     ("['a..b']", "bad field path 'a..b': empty segment")],
)
def test_bad_requires_paths(tmp_path, requires, message):
    cat = load(tmp_path, POLICY.replace('[properties.a, "tags[\'x.y\']"]', requires), FRAMEWORK)
    (m,) = cat.errors()
    assert (m.rule, m.line, m.col, m.message, m.policy_id) == ("bad-path", 6, 12, message, "T-ONE-1")
    assert cat.policies == []


def test_yaml_errors_become_messages_and_loading_goes_on(tmp_path):
    cat = load(tmp_path, POLICY, FRAMEWORK, "a: [unclosed\n")
    (m,) = cat.errors()
    assert (m.rule, m.severity) == ("yaml", "error") and m.path.endswith("f2.yaml")
    assert m.line == 2 and m.message.startswith("invalid YAML")
    assert [p.id for p in cat.policies] == ["T-ONE-1"]


def test_raise_on_errors(tmp_path):
    load(tmp_path, POLICY, FRAMEWORK).raise_on_errors()  # warnings and nothing else: fine
    bad = POLICY.replace("severity: high", "severity: urgent")
    write(tmp_path, "b.yaml", bad.replace("T-ONE-1", "T-TWO-1").replace("equals: 1}", "equal: 1}"))
    cat = load(tmp_path, bad, FRAMEWORK)
    with pytest.raises(PolicyError) as e:
        cat.raise_on_errors()
    # the first by file then line: b.yaml line 3 (severity), of 3 errors in all
    assert e.value.line == 3 and e.value.path.endswith("b.yaml")
    assert e.value.message.endswith(" (and 2 more; run `ccscan lint`)")
    single = load(tmp_path / "one", bad, FRAMEWORK)
    with pytest.raises(PolicyError) as e:
        single.raise_on_errors()
    assert "more" not in e.value.message and e.value.col == 11


def test_select_framework(tmp_path):
    cat = load(tmp_path, POLICY, FRAMEWORK,
               "id: T-TWO-1\ntitle: t\nseverity: low\nresource: T/X\nassert: {field: a, exists: true}\n"
               "frameworks: {fw: [C2]}\n"
               "---\n"
               "id: T-OFF-1\ntitle: t\nseverity: low\nresource: T/X\nassert: {field: a, exists: true}\n")
    sel = cat.select_framework("fw")
    assert [p.id for p in sel.policies] == ["T-ONE-1", "T-TWO-1"]
    assert list(sel.frameworks) == ["fw"] and len(cat.policies) == 3
    with pytest.raises(PolicyError) as e:
        cat.select_framework("nist")
    assert e.value.message == "unknown framework 'nist' (known: fw)"
    with pytest.raises(PolicyError) as e:
        Catalog().select_framework("soc2")
    assert e.value.message == "unknown framework 'soc2' (known: none loaded)"


def test_discover(tmp_path, monkeypatch):
    write(tmp_path, "b.yml", "x: 1\n")
    write(tmp_path, "a.yaml", "x: 1\n")
    write(tmp_path, "sub/c.yaml", "x: 1\n")
    write(tmp_path, "notes.txt", "x\n")
    assert [p.name for p in discover([tmp_path])] == ["a.yaml", "b.yml", "c.yaml"]
    monkeypatch.chdir(tmp_path)
    assert discover([tmp_path, tmp_path / "a.yaml"]) == [Path("a.yaml"), Path("b.yml"),
                                                         Path("sub/c.yaml")]
    with pytest.raises(PolicyError):
        discover([tmp_path / "missing"])


def err(line, col, message, path="p.yaml"):
    from scanner.policy.model import LintMessage
    return LintMessage(path, line, col, "error", "r", message)


@pytest.mark.parametrize(
    ("messages", "first"),
    [
        ([err(1, None, "line 1"), err(None, 3, "no line")], "no line"),
        ([err(1, 1, "col 1"), err(1, None, "no col")], "no col"),
        ([err(2, 1, "b"), err(1, 9, "a", path="z.yaml"), err(1, 1, "c")], "c"),
    ],
)
def test_raise_on_errors_picks_the_first_by_file_line_and_column(messages, first):
    with pytest.raises(PolicyError) as e:
        Catalog(messages=messages).raise_on_errors()
    more = len(messages) - 1
    assert e.value.message == f"{first} (and {more} more; run `ccscan lint`)"


def test_raise_on_a_single_error_says_nothing_more():
    with pytest.raises(PolicyError) as e:
        Catalog(messages=[err(4, 2, "only")]).raise_on_errors()
    assert e.value.message == "only"
    assert (e.value.line, e.value.col) == (4, 2)


def test_select_framework_keeps_only_the_chosen_framework(tmp_path):
    cat = load(tmp_path, POLICY, FRAMEWORK, FRAMEWORK.replace("framework: fw", "framework: fw2"))
    assert sorted(cat.frameworks) == ["fw", "fw2"]
    assert list(cat.select_framework("fw2").frameworks) == ["fw2"]
    with pytest.raises(PolicyError) as e:
        cat.select_framework("nist")
    assert e.value.message == "unknown framework 'nist' (known: fw, fw2)"


def test_framework_without_version_and_its_digest(tmp_path):
    cat = load(tmp_path, FRAMEWORK.replace('version: "2"\n', ""))
    fw = cat.frameworks["fw"]
    assert fw.version == ""
    (doc,) = load_documents(tmp_path / "f0.yaml")
    assert fw.sha256 == hashlib.sha256(
        json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def test_every_message_names_its_file(tmp_path):
    cat = load(tmp_path,
               "framework: fw\ncontrols: []\n",                                   # f0: schema
               FRAMEWORK.replace("framework: fw", "framework: fw2")
               + "  - {id: C1, title: Again}\n",                                  # f1: duplicate
               "- not a mapping\n",                                               # f2
               POLICY.replace('[properties.a, "tags[\'x.y\']"]', "['a..b']"),     # f3: bad path
               POLICY.replace("T-ONE-1", "T-TWO-1").replace("equals: 1}", "equal: 1}"))  # f4
    got = sorted((Path(m.path).name, m.rule) for m in cat.messages if m.severity == "error")
    assert got == [("f0.yaml", "schema"), ("f0.yaml", "schema"), ("f1.yaml", "duplicate-control"),
                   ("f2.yaml", "schema"), ("f3.yaml", "bad-path"), ("f4.yaml", "unknown-operator")]
    assert {m.policy_id for m in cat.messages if m.rule == "unknown-operator"} == {"T-TWO-1"}


def test_a_policy_id_that_is_not_a_string_is_not_used_as_the_policy_id(tmp_path):
    cat = load(tmp_path, "id: 5\ntitle: t\nseverity: low\nresource: T/X\n"
                         "assert: {field: a, equal: 1}\n")
    assert {(m.rule, m.policy_id) for m in cat.messages} == {("schema", None),
                                                             ("unknown-operator", None)}


def test_lists_in_test_resources_stay_lists(tmp_path):
    text = POLICY.replace("resource: {properties: {a: 1}, tags: {x.y: 1}}",
                          "resource: {properties: {a: 1, l: [1, [2, {k: v}]]}, tags: {x.y: 1}}")
    (p,) = load(tmp_path, text, FRAMEWORK).policies
    res = p.tests[0].resource
    assert res["properties"]["l"] == [1, [2, {"k": "v"}]]
    assert type(res["properties"]["l"]) is list and type(res["properties"]["l"][1][1]) is dict


def test_cross_check_messages_in_full(tmp_path):
    no_tests = "id: T-NT-1\ntitle: t\nseverity: low\nresource: T/X\nassert: {field: a, exists: true}\n"
    only_pass = POLICY.split("  - {name: bad")[0].replace("T-ONE-1", "T-OP-1")
    frameworks = POLICY.replace("T-ONE-1", "T-FW-1").replace("{fw: [C1]}", "{nofw: [C1], fw: [C11]}")
    cat = load(tmp_path, "---\n" + no_tests, "\n\n" + only_pass, frameworks, FRAMEWORK, builtin=False)
    got = sorted((Path(m.path).name, m.line, m.col, m.severity, m.rule, m.message, m.policy_id)
                 for m in cat.messages)
    assert got == [
        ("f0.yaml", 2, 1, "warning", "no-tests", "policy T-NT-1 has no tests", "T-NT-1"),
        ("f1.yaml", 3, 1, "warning", "no-tests", 'policy T-OP-1 has no "fail" test case', "T-OP-1"),
        ("f2.yaml", 8, 14, "error", "unknown-framework",
         'policy T-FW-1: unknown framework "nofw" (did you mean "fw"?)', "T-FW-1"),
        ("f2.yaml", 8, 31, "error", "unknown-control",
         'policy T-FW-1: fw has no control "C11" (did you mean "C1"?)', "T-FW-1"),
        ("f3.yaml", 5, 62, "warning", "unknown-policy",
         'fw control C1 maps unknown policy "T-ONE-1" (did you mean "T-OP-1"?)', None),
    ]


def test_schema_messages_carry_file_and_policy_id(tmp_path):
    cat = load(tmp_path, POLICY.replace("severity: high", "severity: urgent")
               .replace("remediation: fix it", "remediaton: fix it"), FRAMEWORK)
    got = sorted((Path(m.path).name, m.line, m.rule, m.policy_id) for m in cat.messages)
    assert got == [("f0.yaml", 3, "schema", "T-ONE-1"), ("f0.yaml", 9, "unknown-field", "T-ONE-1")]


def test_schema_errors_after_a_condition_error_are_still_reported(tmp_path):
    text = POLICY.replace("equals: 1}", "equal: 1}").replace("remediation: fix it", "remediation: 5")
    cat = load(tmp_path, text, FRAMEWORK)
    assert sorted((m.rule, m.line) for m in cat.errors()) == [("schema", 9), ("unknown-operator", 7)]


def test_schema_errors_after_an_unknown_field_are_still_reported(tmp_path):
    text = POLICY.replace("description: d", "descripton: d").replace("severity: high", "severity: x")
    cat = load(tmp_path, text, FRAMEWORK)
    assert sorted((m.rule, m.line) for m in cat.errors()) == [("schema", 3), ("unknown-field", 5)]


def test_schema_validators_are_built_on_first_use(tmp_path, monkeypatch):
    from scanner.policy import catalog as catalog_module
    monkeypatch.setattr(catalog_module, "_VALIDATORS", {})
    # The in-process schema cache would skip documents earlier tests validated clean.
    monkeypatch.setattr(catalog_module, "_SCHEMA_CACHE", [])
    cat = load(tmp_path, POLICY.replace("severity: high", "severity: urgent"), FRAMEWORK)
    assert [(m.rule, m.line) for m in cat.errors()] == [("schema", 3)]
    assert set(catalog_module._VALIDATORS) == {"policy", "framework"}


def test_yaml_error_column(tmp_path):
    cat = load(tmp_path, "a: 1\nb: [x\n")
    (m,) = cat.errors()
    assert (m.rule, m.line, m.col) == ("yaml", 3, 1)


def test_discover_an_empty_directory_names_policy_files(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(PolicyError) as e:
        discover([tmp_path / "empty"])
    assert e.value.message == "no policy files (*.yaml, *.yml) in this directory"


SAME_AS_WHERE = """\
id: T-ROOT-1
title: Applies where a equals b
severity: low
resource: T/X
where: {field: properties.a, sameAs: properties.b}
assert: {field: properties.c, equals: 1}
tests:
  - {name: same and one, expect: pass, resource: {properties: {a: x, b: x, c: 1}}}
  - {name: same and two, expect: fail, resource: {properties: {a: x, b: x, c: 2}}}
  - {name: different, expect: not_applicable, resource: {properties: {a: x, b: y, c: 1}}}
"""

SAME_AS_ASSERT = """\
id: T-ROOT-2
title: a equals b
severity: low
resource: T/X
assert: {field: properties.a, sameAs: properties.b}
tests:
  - {name: same, expect: pass, resource: {properties: {a: x, b: x}}}
  - {name: different, expect: fail, resource: {properties: {a: x, b: y}}}
"""


def test_same_as_in_where_or_in_assert_alone_judges_each_test_case(ccscan, tmp_path):
    # `where` reads the judged resource too (and a policy without `where` has none to wrap).
    for name, text in (("w.yaml", SAME_AS_WHERE), ("a.yaml", SAME_AS_ASSERT)):
        p = write(tmp_path / name[0], name, text)
        res = ccscan("test", p)
        assert res.exit_code == 0, res.stdout + res.stderr
        assert res.stdout.strip().endswith(f"{text.count('expect:')} passed, 0 failed")


def test_a_type_error_drops_the_policy_so_it_gets_no_further_warnings(ccscan, tmp_path):
    # Dropped, the policy has no `no-tests` warning on top of its type error; and its test,
    # of the policy's own (misspelt, written as one string) type, is not warned about again.
    p = write(tmp_path, "t.yaml", "id: T-TY-1\ntitle: t\nseverity: low\n"
              "resource: Microsoft.Storage/storageAcounts\nassert: {field: a, equals: 1}\n"
              "tests:\n  - {name: one, expect: pass, resource: {a: 1}}\n")
    res = ccscan("lint", p)
    assert res.exit_code == 2
    assert res.stdout.splitlines() == [
        (f"{p}:4:11: error: unknown resource type \"Microsoft.Storage/storageAcounts\" "
         "(did you mean \"Microsoft.Storage/storageAccounts\"?) [unknown-type]")]


def test_unknown_framework_and_policy_with_nothing_close_have_no_tip(tmp_path):
    cat = load(tmp_path, POLICY.replace("{fw: [C1]}", "{qqq: [C1]}"),
               FRAMEWORK.replace("policies: [T-ONE-1]", "policies: [T-ONE-1, ZZZ]"), builtin=False)
    assert sorted((m.line, m.col, m.severity, m.rule, m.message) for m in cat.messages) == [
        (5, 71, "warning", "unknown-policy", 'fw control C1 maps unknown policy "ZZZ"'),
        (8, 14, "error", "unknown-framework", 'policy T-ONE-1: unknown framework "qqq"'),
    ]


def test_a_duplicate_test_name_names_its_policy_in_lint_json(ccscan, tmp_path):
    p = write(tmp_path, "p.yaml", "id: T-DT-1\ntitle: t\nseverity: low\nresource: T/X\n"
              "assert: {field: a, equals: 1}\ntests:\n  - {name: ok, expect: pass, resource: {a: 1}}\n"
              "  - {name: ok, expect: fail, resource: {a: 2}}\n")
    res = ccscan("lint", "--format", "json", p)
    assert res.exit_code == 2
    (dup,) = [m for m in json.loads(res.stdout) if m["rule"] == "duplicate-test"]
    assert dup == {"path": str(p), "line": 8, "col": None, "severity": "error", "rule": "duplicate-test",
                   "message": 'policy T-DT-1: duplicate test name "ok" (also at line 7)',
                   "policy_id": "T-DT-1"}
