"""
Authoring details: empty files, duplicate test names, framework positions, custom framework
mappings in the scan's Controls, whole-catalog lint for pre-commit, plurals.
"""

from __future__ import annotations

import json
import textwrap

GOOD = """\
id: ACME-1
title: Storage accounts require HTTPS
severity: medium
resource: Microsoft.Storage/storageAccounts
assert: {field: properties.supportsHttpsTrafficOnly, equals: true}
frameworks: {soc2: [CC6.7]}
tests:
  - {name: https, expect: pass, resource: {properties: {supportsHttpsTrafficOnly: true}}}
  - {name: http, expect: fail, resource: {properties: {supportsHttpsTrafficOnly: false}}}
"""


def test_an_empty_policy_file_is_an_error(ccscan, tmp_path):
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / "empty.yaml").write_text("# nothing yet\n")
    res = ccscan("lint", tmp_path)
    assert res.exit_code == 2
    assert "empty.yaml:1:1: error: empty policy file: no policy or framework in it [empty-file]" in res.stdout


def test_duplicate_test_names_are_an_error_at_the_second(ccscan, tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text(GOOD.replace("{name: http,", "{name: https,"))
    res = ccscan("lint", p)
    assert res.exit_code == 2
    assert 'p.yaml:9: error: policy ACME-1: duplicate test name "https" (also at line 8) [duplicate-test]' in res.stdout


def test_a_policy_without_tests_fails_strict_lint(ccscan, tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text(GOOD.split("tests:")[0])
    assert ccscan("lint", p).exit_code == 0
    res = ccscan("lint", "--strict", p)
    assert res.exit_code == 2 and "policy ACME-1 has no tests" in res.stdout


def test_unknown_framework_points_at_its_key_with_a_suggestion(ccscan, tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text(GOOD.replace("{soc2: [CC6.7]}", "{soc3: [CC6.7]}"))
    res = ccscan("lint", p)
    assert res.exit_code == 2
    assert 'p.yaml:6:14: error: policy ACME-1: unknown framework "soc3" (did you mean "soc2"?)' in res.stdout


def test_framework_file_warnings_carry_line_numbers(ccscan, tmp_path):
    (tmp_path / "p.yaml").write_text(GOOD)
    (tmp_path / "fw.yaml").write_text(textwrap.dedent("""\
        framework: acme
        title: ACME controls
        controls:
          - id: A1
            title: Encrypt
            policies: [ACME-1, ACME-2]
        """))
    res = ccscan("lint", tmp_path)
    assert 'fw.yaml:6:24: warning: acme control A1 maps unknown policy "ACME-2" (did you mean "ACME-1"?)' in res.stdout


def test_custom_policy_frameworks_mapping_reaches_the_scan_controls(ccscan, tmp_path):
    pol = tmp_path / "pol"
    pol.mkdir()
    (pol / "p.yaml").write_text(GOOD)
    inv = tmp_path / "inv.json"
    inv.write_text(json.dumps({"value": [{
        "id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/a",
        "type": "Microsoft.Storage/storageAccounts", "name": "a", "location": "westeurope",
        "properties": {"supportsHttpsTrafficOnly": False}}]}))
    out = tmp_path / "r.json"
    res = ccscan("scan", inv, "--policies", pol, "--format", "json", "-o", out)
    assert res.exit_code == 1
    controls = {(c["framework"], c["id"]): c for c in json.loads(out.read_text())["controls"]}
    assert controls[("soc2", "CC6.7")]["status"] == "fail"
    assert controls[("soc2", "CC6.7")]["policies"] == ["ACME-1"]
    # the built-in policies soc2 maps were not loaded; their controls are not a pass
    assert all(c["status"] != "pass" for c in controls.values())


def test_whole_catalog_lint_sees_cross_file_problems_of_a_changed_file(ccscan, tmp_path):
    root = tmp_path / "repo" / "policies"
    (root / "azure").mkdir(parents=True)
    (root / "azure" / "a.yaml").write_text(GOOD)
    changed = root / "azure" / "b.yaml"
    changed.write_text(GOOD)  # same id as a.yaml
    assert ccscan("lint", changed).exit_code == 0  # alone it looks fine
    res = ccscan("lint", "--whole-catalog", changed)
    assert res.exit_code == 2 and 'duplicate policy id "ACME-1"' in res.stdout
    res = ccscan("test", "--whole-catalog", changed)
    assert res.exit_code == 2


def test_summary_plurals(ccscan, tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text(GOOD)
    res = ccscan("lint", p)
    assert res.stderr.strip() == "ccscan lint: 1 policy in 1 file, 0 errors, 0 warnings"
    res = ccscan("test", p)
    assert "1 policy, 0 without tests" in res.stdout
