"""
`ccscan scan` end to end on the bundled fixtures: exit codes, formats, outputs, bad input.
"""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from tests.conftest import FIXTURES, ROOT

SCHEMA = json.loads((ROOT / "schemas" / "scan-result.schema.json").read_text())


def test_scan_of_the_fixture_estate_fails_with_a_readable_table(ccscan):
    res = ccscan("scan", FIXTURES)
    assert res.exit_code == 1
    assert "CCS-AZ-VM-001" in res.stdout and "Summary:" in res.stdout
    assert max(len(line) for line in res.stdout.splitlines()) <= 100
    assert "\033[" not in res.stdout  # no colour off a TTY


def test_json_output_validates_against_the_scan_result_schema(ccscan):
    res = ccscan("scan", FIXTURES, "--format", "json")
    assert res.exit_code == 1
    doc = res.json()
    Draft202012Validator(SCHEMA, format_checker=FormatChecker()).validate(doc)
    assert doc["summary"]["fail"] > 0 and doc["summary"]["pass"] > 0
    assert len(doc["findings"]) == sum(doc["summary"].values())
    files = {p.as_posix() for p in FIXTURES.rglob("*") if p.suffix in (".json", ".jsonl")}
    assert {i["source"] for i in doc["inputs"]} == files
    assert all(len(i["sha256"]) == 64 and i["resources"] > 0 for i in doc["inputs"])
    controls = {(c["framework"], c["id"]): c["status"] for c in doc["controls"]}
    assert controls[("soc2", "CC6.1")] == "fail"
    assert "manual" in controls.values()  # controls without automated policies are never pass


# critical.json fails the critical policy, high.json the high one, unknown.json fails nothing
# but leaves the medium policy unknown.
SEVERITY = ROOT / "tests" / "data" / "severity"


def test_fail_on_threshold_and_none(ccscan):
    assert ccscan("scan", FIXTURES, "--fail-on", "none").exit_code == 0


@pytest.mark.parametrize(
    ("estate", "fail_on", "code"),
    [
        ("critical.json", "critical", 1),  # a critical failure at exactly --fail-on critical
        ("critical.json", "high", 1),
        ("critical.json", "none", 0),
        ("high.json", "high", 1),  # a high failure at exactly --fail-on high
        ("high.json", "critical", 0),  # ... is below critical
        ("high.json", "info", 1),
    ],
)
def test_fail_on_at_exactly_the_failing_severity(ccscan, estate, fail_on, code):
    res = ccscan("scan", SEVERITY / "estate" / estate, "--policies", SEVERITY / "policies",
                 "--fail-on", fail_on)
    assert res.exit_code == code, res.stderr


@pytest.mark.parametrize(
    ("fail_on", "code"), [("medium", 1), ("low", 1), ("high", 0)],  # the unknown one is medium
)
def test_fail_on_unknown_counts_unknown_at_or_above_the_floor(ccscan, fail_on, code):
    res = ccscan("scan", SEVERITY / "estate" / "unknown.json", "--policies", SEVERITY / "policies",
                 "--fail-on", fail_on, "--fail-on-unknown")
    assert res.exit_code == code, res.stderr


def test_a_control_whose_findings_are_only_unknown_is_unknown_not_pass(ccscan):
    res = ccscan("scan", SEVERITY / "estate" / "unknown.json", "--policies", SEVERITY / "policies",
                 "--format", "json")
    assert res.exit_code == 0  # without --fail-on-unknown, unknown is not a failure
    doc = res.json()
    assert doc["summary"] == {"pass": 2, "fail": 0, "unknown": 1, "error": 0, "waived": 0}
    controls = {c["id"]: (c["status"], c["counts"]["unknown"], c["counts"]["pass"])
                for c in doc["controls"] if c["framework"] == "sevtest"}
    assert controls == {"C1": ("pass", 0, 1), "H1": ("pass", 0, 1), "U1": ("unknown", 1, 0)}


def test_framework_selects_mapped_policies(ccscan):
    doc = ccscan("scan", FIXTURES, "--format", "json", "--framework", "soc2").json()
    assert doc["policies"] and all(p["frameworks"].get("soc2") for p in doc["policies"])
    res = ccscan("scan", FIXTURES, "--framework", "nist")
    assert res.exit_code == 2 and "unknown framework 'nist'" in res.stderr


def test_stable_finding_ids_across_scans(ccscan):
    a = ccscan("scan", FIXTURES, "--format", "json").json()
    b = ccscan("scan", FIXTURES, "--format", "json").json()
    assert a["scan_id"] != b["scan_id"]
    assert [f["id"] for f in a["findings"]] == [f["id"] for f in b["findings"]]


def test_several_outputs_from_one_run(ccscan, tmp_path):
    out = tmp_path / "r.json"
    res = ccscan("scan", FIXTURES, "--format", "json", "--output", out, "--format", "table")
    assert res.exit_code == 1
    assert json.loads(out.read_text())["summary"]["fail"] > 0
    assert "Summary:" in res.stdout
    res = ccscan("scan", FIXTURES, "--output-dir", tmp_path / "dir", "--format", "json", "--format", "table")
    assert (tmp_path / "dir" / "ccscan.json").is_file() and (tmp_path / "dir" / "ccscan.txt").is_file()


def test_two_formats_on_stdout_is_a_usage_error(ccscan):
    res = ccscan("scan", FIXTURES, "--format", "json", "--format", "table")
    assert res.exit_code == 2 and "would all go to stdout" in res.stderr


def test_unwritable_output_fails_before_scanning(ccscan, tmp_path):
    # (a permission test would pass as root, which CI is: a file in the way fails for everyone)
    blocker = tmp_path / "file"
    blocker.write_text("")
    res = ccscan("scan", tmp_path / "missing-inventory", "--format", "json", "-o", blocker / "x.json")
    assert res.exit_code == 2 and "cannot write output" in res.stderr
    assert "missing-inventory" not in res.stderr  # failed before reading any input


def test_output_that_is_a_directory_fails_before_scanning(ccscan, tmp_path):
    res = ccscan("scan", tmp_path / "does-not-exist.json", "--format", "json", "-o", tmp_path)
    # the output is checked first: the missing inventory is never reached
    assert res.exit_code == 2 and "is a directory" in res.stderr


def test_a_broken_input_leaves_no_output_behind(ccscan, tmp_path):
    bad = tmp_path / "inv"
    bad.mkdir()
    (bad / "a.json").write_text((FIXTURES / "azure" / "prod-ai" / "virtual-machines.json").read_text())
    (bad / "b.jsonl").write_text('{"id": "x", "type": "t"}\n{"id": "tru')
    out = tmp_path / "out.json"
    res = ccscan("scan", bad, "--format", "json", "-o", out)
    assert res.exit_code == 2
    assert res.stderr.strip() == f"ccscan: error: {bad / 'b.jsonl'}:2: truncated JSON at the end of the file (incomplete last record)"
    assert not out.exists() and list(tmp_path.glob(".out.json*")) == []
    assert res.stdout == ""


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["nope/"], "nope: no such file or directory"),
        (["--policies", "nope.yaml", "fixtures"], "nope.yaml: no such file or directory"),
        (["fixtures", "--input-format", "xml"], "unknown input format 'xml'"),
        ([], "give INVENTORY"),
        (["fixtures", "--region", "us-east-1"], "--region given without --aws"),
        (["fixtures", "--subscription", "0000"], "--subscription given without --azure"),
    ],
)
def test_usage_and_input_errors_exit_2_without_traceback(ccscan, args, fragment):
    res = ccscan("scan", *args)
    assert res.exit_code == 2
    assert fragment in res.stderr and "Traceback" not in res.stderr


def test_empty_directory_is_an_error_not_an_empty_scan(ccscan, tmp_path):
    res = ccscan("scan", tmp_path)
    assert res.exit_code == 2 and "no inventory files" in res.stderr


def test_broken_policy_is_exit_2_naming_file_and_line(ccscan, tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text("id: T-X-1\ntitle: t\nseverity: high\nresource: x\nassert: {field: a, equal: 1}\n")
    res = ccscan("scan", FIXTURES, "--policies", p)
    assert res.exit_code == 2
    assert f"{p}:5:20: unknown operator 'equal'" in res.stderr


def test_incomplete_snapshot_exits_3_unless_failures(ccscan, tmp_path):
    snap = tmp_path / "s.jsonl"
    vm = {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/kv", "name": "kv",
          "type": "Microsoft.KeyVault/vaults", "properties": {
              "enablePurgeProtection": True, "publicNetworkAccess": "Disabled",
              "enableRbacAuthorization": True, "sku": {"family": "A", "name": "premium"}}}
    snap.write_text(json.dumps({"ccscan_snapshot": 1, "collector": "azure",
                                "incomplete": [{"scope": "subscription s2", "reason": "403"}]}) + "\n"
                    + json.dumps(vm) + "\n")
    res = ccscan("scan", snap, "--format", "json")
    assert res.exit_code == 3
    assert res.json()["incomplete"] == [{"scope": "subscription s2", "reason": "403"}]


def test_unknown_is_reported_and_fail_on_unknown_counts_it(ccscan, tmp_path):
    inv = tmp_path / "site.json"
    inv.write_text(json.dumps({"value": [{
        "id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/app", "name": "app",
        "type": "Microsoft.Web/sites", "kind": "app", "properties": {"httpsOnly": True}}]}))
    # the site's own TLS policy only: the built-in chain policies would make the scan incomplete
    res = ccscan("scan", inv, "--check", "CCS-AZ-APP-002")
    assert res.exit_code == 0 and "unknown is never a pass" in res.stdout
    assert ccscan("scan", inv, "--check", "CCS-AZ-APP-002", "--fail-on-unknown").exit_code == 1


def test_help_and_version(ccscan):
    from scanner import __version__

    assert __version__ in ccscan("--version").stdout
    for cmd in ("scan", "lint", "test", "collect", "policies"):
        res = ccscan(cmd, "--help")
        assert res.exit_code == 0 and "Usage:" in res.stdout


def test_policies_list_and_show(ccscan):
    res = ccscan("policies", "list")
    assert res.exit_code == 0 and "CCS-AZ-VM-001" in res.stdout
    res = ccscan("policies", "show", "ccs-az-vm-001")
    assert res.exit_code == 0 and "ConfidentialVM" in res.stdout and "soc2:" in res.stdout
    assert ccscan("policies", "show", "NOPE-1").exit_code == 2


def test_lint_and_help_do_not_import_cloud_sdks():
    import subprocess
    import sys

    code = ("import sys; from scanner.cli import main\n"
            "try:\n    main(['lint', 'policies'], standalone_mode=False)\nexcept SystemExit: pass\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('azure', 'boto3', 'botocore', 'pydantic')]\n"
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
