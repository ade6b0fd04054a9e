"""
`ccscan lint` and `ccscan test`: messages at file:line:col, exit codes, strictness.
"""

from __future__ import annotations

import textwrap

GOOD = """\
id: T-GOOD-1
title: Storage accounts require HTTPS
severity: medium
resource: Microsoft.Storage/storageAccounts
assert: {field: properties.supportsHttpsTrafficOnly, equals: true}
frameworks: {soc2: [CC6.7]}
tests:
  - {name: https, expect: pass, resource: {properties: {supportsHttpsTrafficOnly: true}}}
  - {name: http, expect: fail, resource: {properties: {supportsHttpsTrafficOnly: false}}}
  - {name: no field, expect: fail, resource: {properties: {}}}
  - {name: other type, expect: not_applicable, resource: {type: Microsoft.Web/sites}}
"""


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def test_clean_policy_passes_lint_strict_and_test(ccscan, tmp_path):
    p = write(tmp_path, "good.yaml", GOOD)
    assert ccscan("lint", "--strict", p).exit_code == 0
    res = ccscan("test", p)
    assert res.exit_code == 0
    assert res.stdout.strip().endswith("4 passed, 0 failed")


def test_builtin_packs_pass_lint_strict(ccscan):
    res = ccscan("lint", "--strict", "policies")
    assert res.exit_code == 0, res.stdout


def test_unknown_operator_is_reported_at_its_line_and_column(ccscan, tmp_path):
    p = write(tmp_path, "bad.yaml", GOOD.replace("equals: true}", "equal: true}"))
    res = ccscan("lint", p)
    assert res.exit_code == 2
    col = p.read_text().splitlines()[4].index("equal:") + 1
    assert f"{p}:5:{col}: error: unknown operator 'equal' (did you mean 'equals'?) [unknown-operator]" in res.stdout


def test_every_problem_is_listed_sorted_by_line(ccscan, tmp_path):
    text = GOOD.replace("severity: medium", "severity: urgent").replace(
        "equals: true}", "regex: '(' }").replace("title:", "titel:")
    p = write(tmp_path, "many.yaml", text)
    res = ccscan("lint", p)
    assert res.exit_code == 2
    lines = [line for line in res.stdout.splitlines() if ": error:" in line]
    assert len(lines) >= 4
    assert "unknown field 'titel' (did you mean 'title'?)" in lines[0] or "'title' is a required" in lines[0]
    assert any(":3:" in line and "urgent" in line for line in lines)
    assert any(":5:" in line and "[bad-regex]" in line for line in lines)
    numbers = [int(line.split(":")[1]) for line in lines]
    assert numbers == sorted(numbers)


def test_duplicate_ids_across_files(ccscan, tmp_path):
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD)
    res = ccscan("lint", tmp_path)
    assert res.exit_code == 2
    assert 'duplicate policy id "T-GOOD-1"' in res.stdout  # values print as YAML/JSON


def test_unknown_framework_control_is_an_error(ccscan, tmp_path):
    p = write(tmp_path, "c.yaml", GOOD.replace("[CC6.7]", "[CC6.77]"))
    res = ccscan("lint", p)
    assert res.exit_code == 2
    # at the control in the `frameworks:` line, not 1:1; values print as YAML/JSON
    assert 'c.yaml:6:21: error: policy T-GOOD-1: soc2 has no control "CC6.77" (did you mean "CC6.7"?)' in res.stdout


def test_star_misuse_and_requires_with_star(ccscan, tmp_path):
    text = GOOD.replace("assert: {field: properties.supportsHttpsTrafficOnly, equals: true}",
                        "requires: ['properties.rules[*]']\nassert: {count: {field: properties.rules}, equals: 0}")
    p = write(tmp_path, "d.yaml", text)
    res = ccscan("lint", p)
    assert res.exit_code == 2
    assert "must end with '[*]'" in res.stdout
    assert "cannot use '[*]'" in res.stdout


def test_missing_tests_is_a_warning_and_strict_makes_it_fail(ccscan, tmp_path):
    p = write(tmp_path, "e.yaml", GOOD.split("tests:")[0])
    res = ccscan("lint", p)
    assert res.exit_code == 0
    assert "warning: policy T-GOOD-1 has no tests [no-tests]" in res.stdout
    assert ccscan("lint", "--strict", p).exit_code == 2


def test_lint_of_hostile_yaml_and_missing_paths(ccscan, tmp_path):
    p = write(tmp_path, "evil.yaml", "id: !!python/object/apply:os.system ['true']\n")
    res = ccscan("lint", p)
    assert res.exit_code == 2 and "unsafe or unknown YAML tag" in res.stdout
    res = ccscan("lint", tmp_path / "nope")
    assert res.exit_code == 2
    assert res.stderr.startswith("ccscan: error: ") and "no such file or directory" in res.stderr
    assert "Traceback" not in res.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    assert ccscan("lint", empty).exit_code == 2


def test_test_command_reports_each_mismatch_with_policy_and_case(ccscan, tmp_path):
    p = write(tmp_path, "f.yaml", GOOD.replace("{name: http, expect: fail", "{name: http, expect: pass"))
    res = ccscan("test", p)
    assert res.exit_code == 1
    assert "T-GOOD-1 test 'http': expected pass, got fail" in res.stdout
    assert res.stdout.strip().endswith("3 passed, 1 failed")


def test_test_command_refuses_broken_policies(ccscan, tmp_path):
    p = write(tmp_path, "g.yaml", GOOD.replace("equals: true}", "equal: true}"))
    res = ccscan("test", p)
    assert res.exit_code == 2
    assert "unknown operator 'equal'" in res.stderr


def test_requires_gives_unknown(ccscan, tmp_path):
    text = GOOD.replace("assert:", "requires: [properties.supportsHttpsTrafficOnly]\nassert:").replace(
        "{name: no field, expect: fail", "{name: no field, expect: unknown")
    p = write(tmp_path, "h.yaml", text)
    res = ccscan("test", p)
    assert res.exit_code == 0, res.stdout
