"""
The model-transit chain (CCS-AZ-TRANSIT-*) scanned live against the ARM emulator and from the
fixture files gives the same findings: the collector fetches role assignments, private
endpoints with their DNS zone groups and private DNS zones with their VNet links because the
chain policies relate to them (and nothing it does not need).
"""

from __future__ import annotations

import pytest

pytest.importorskip("azure.identity")
pytest.importorskip("trustme")

from support.arm_emulator import ArmEmulator
from support.azure_testing import AZURE_FIXTURES, ROOT

CHAIN = ROOT / "policies" / "azure" / "model-transit-chain.yaml"
# By hand, from fixtures/azure/prod-ai/model-transit-chain.json (see fixtures/README.md).
EXPECTED = {
    ("CCS-AZ-TRANSIT-001", "app-rag-api"): "pass",
    ("CCS-AZ-TRANSIT-002", "app-rag-api"): "pass",
    ("CCS-AZ-TRANSIT-003", "app-rag-api"): "pass",
    ("CCS-AZ-TRANSIT-001", "func-rag-indexer"): "fail",     # route-all off
    ("CCS-AZ-TRANSIT-002", "func-rag-indexer"): "fail",     # aisvc-foundry-weu is public
    ("CCS-AZ-TRANSIT-003", "func-rag-indexer"): "fail",     # its only endpoint is Pending
    ("CCS-AZ-TRANSIT-001", "app-eval-ui"): "pass",
    ("CCS-AZ-TRANSIT-002", "app-eval-ui"): "pass",
    ("CCS-AZ-TRANSIT-003", "app-eval-ui"): "fail",          # zone not linked to vnet-eval-weu
    ("CCS-AZ-TRANSIT-001", "app-batch-scorer"): "pass",
    ("CCS-AZ-TRANSIT-002", "app-batch-scorer"): "unknown",  # oai-batch-weu is not in the estate
    ("CCS-AZ-TRANSIT-003", "app-batch-scorer"): "unknown",
    # By hand, from fixtures/azure/prod-ai/container-apps.json: the callers are container apps,
    # their VNet their managed environment's (`sameAs` through `properties.environmentId`).
    ("CCS-AZ-TRANSIT-004", "ca-rag-chat"): "pass",
    ("CCS-AZ-TRANSIT-005", "ca-rag-chat"): "pass",
    ("CCS-AZ-TRANSIT-006", "ca-rag-chat"): "pass",
    ("CCS-AZ-TRANSIT-004", "ca-eval-runner"): "fail",       # cae-eval-weu has no VNet
    ("CCS-AZ-TRANSIT-005", "ca-eval-runner"): "pass",
    ("CCS-AZ-TRANSIT-006", "ca-eval-runner"): "fail",       # so no zone is linked to it
    ("CCS-AZ-TRANSIT-004", "ca-batch-worker"): "unknown",   # cae-batch-weu is not in the estate
    ("CCS-AZ-TRANSIT-005", "ca-batch-worker"): "pass",
    ("CCS-AZ-TRANSIT-006", "ca-batch-worker"): "unknown",
}



def chain(result: dict) -> dict[tuple[str, str], dict]:
    return {(f["policy_id"], f["resource"]["name"]): {k: v for k, v in f.items() if k not in ("source", "line")}
            for f in result["findings"] if f["policy_id"].startswith("CCS-AZ-TRANSIT-")}


def listed_types(arm: ArmEmulator) -> set[str]:
    """The last type segment of every provider list the collector asked for."""
    return {r.path.rsplit("/", 1)[-1].lower() for r in arm.requests if "/providers/" in r.path}


def test_live_and_file_scans_agree_on_the_transit_chain(arm, az_env, ccscan):
    arm.reset_log()
    live = ccscan("scan", "--azure", "--arm-endpoint", arm.url, "--policies", str(CHAIN),
                  "--format", "json", env=az_env)
    listed = listed_types(arm)
    files = ccscan("scan", str(AZURE_FIXTURES), "--policies", str(CHAIN), "--format", "json")
    assert live.exit_code == files.exit_code == 1, live.stderr
    assert live.json()["incomplete"] == []
    got = chain(live.json())
    assert got == chain(files.json())
    assert {k: f["status"] for k, f in got.items()} == EXPECTED
    assert "oai-batch-weu is not in the inventory" in got[("CCS-AZ-TRANSIT-003", "app-batch-scorer")]["message"]
    assert "managedEnvironments/cae-batch-weu is not in the inventory" in got[("CCS-AZ-TRANSIT-006", "ca-batch-worker")]["message"]
    # Only the chain's types were listed: the callers (sites with config/web, container apps),
    # and what they relate to (container apps' managed environments among them).
    assert listed == {"sites", "web", "roleassignments", "accounts", "privateendpoints",
                      "privatednszonegroups", "privatednszones", "virtualnetworklinks",
                      "containerapps", "managedenvironments"}


def test_container_apps_and_environments_are_listed_once_per_subscription(arm, az_env, ccscan):
    arm.reset_log()
    ccscan("scan", "--azure", "--arm-endpoint", arm.url, "--policies", str(CHAIN), "--format", "json", env=az_env)
    # 3 subscriptions, pages of 2: the 3 apps of subscription a are 2 pages, its 2 environments
    # 1; the other subscriptions 1 (empty) page each. Pages, never a call per app (nor listSecrets).
    assert len(arm.estate.subscriptions) == 3
    assert arm.count(r"/providers/Microsoft\.App/containerApps$") == 2 + 1 + 1
    assert arm.count(r"/providers/Microsoft\.App/managedEnvironments$") == 1 + 1 + 1
    assert arm.count(r"/Microsoft\.App/containerApps/[^/]+") == 0
    assert arm.count(r"listSecrets", method="POST") == 0


def test_zone_groups_and_links_are_listed_per_parent_not_per_child(arm, az_env, ccscan):
    arm.reset_log()
    ccscan("scan", "--azure", "--arm-endpoint", arm.url, "--policies", str(CHAIN), "--format", "json", env=az_env)
    # 2 endpoints and 2 zones in the estate: one child list each.
    assert arm.count(r"/privateEndpoints/[^/]+/privateDnsZoneGroups$") == 2
    assert arm.count(r"/privateDnsZones/[^/]+/virtualNetworkLinks$") == 2


def test_a_live_scan_that_finds_no_role_assignment_is_complete(az_env, ccscan, tmp_path):
    # From files, a type no input holds may simply not have been collected, so the scan says so
    # and exits 3 (tests/test_unfollowed_relations.py). A live scan listed the type and ARM
    # answered with none: "no caller" is then a fact, and the scan is complete.
    import json

    from support.arm_estate import Estate
    from support.azure_testing import az_cli_env

    fixture = json.loads((AZURE_FIXTURES / "prod-ai" / "model-transit-chain.json").read_text())
    docs = [d for d in fixture["value"] if "roleassignments" not in d["type"].lower()]
    assert len(docs) < len(fixture["value"])  # the fixture has role assignments to drop
    with ArmEmulator(Estate.from_documents(docs), page_size=2) as arm:
        res = ccscan("scan", "--azure", "--arm-endpoint", arm.url, "--policies", str(CHAIN),
                     "--allow-empty", "--format", "json",
                     env=az_cli_env(arm, tmp_path))
        assert any(r.path.lower().endswith("/roleassignments") for r in arm.requests)
    assert "no input holds" not in res.stderr, res.stderr
    assert res.json()["incomplete"] == []
    assert res.exit_code == 0, res.stderr  # no app calls an AI account: every chain policy is out of scope
    assert chain(res.json()) == {}
