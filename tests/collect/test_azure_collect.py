"""
Azure collector against the HTTPS ARM emulator with the real azure-mgmt-* clients: shape
(equal to the file loaders'), paging, scope selection and the number of requests.
"""

from __future__ import annotations

import copy
import math

import pytest

pytest.importorskip("azure.mgmt.compute")
pytest.importorskip("trustme")

from support.arm_emulator import ArmEmulator, Estate
from support.azure_testing import AZURE_FIXTURES, StaticCredential, by_id, collect

from scanner.collect.azure_types import SPECS
from scanner.inventory.files import read_inventories

VM = "microsoft.compute/virtualmachines"


def file_docs() -> list[dict]:
    return [r.doc for inv in read_inventories([AZURE_FIXTURES]) for r in inv]


def test_fixture_estate_equals_what_the_file_loaders_read():
    expected = by_id(copy.deepcopy(file_docs()))
    # A config/web file of the snapshot is what the collector reads into the site's siteConfig.
    web = {rid.removesuffix("/config/web"): expected.pop(rid)["properties"]
           for rid in list(expected) if rid.endswith("/config/web")}
    for rid, doc in expected.items():
        if doc["type"].lower() == "microsoft.web/sites":
            # ARM always has a config/web; a fixture site without siteConfig gets an empty one.
            doc["properties"].setdefault("siteConfig", None)
            doc["properties"]["siteConfig"] = doc["properties"]["siteConfig"] or web.get(rid, {})
    with ArmEmulator(Estate.from_fixtures(AZURE_FIXTURES), page_size=2) as arm:
        resources, collector = collect(arm)
    assert collector.incomplete == []
    got = by_id([r.doc for r in resources])
    assert got.keys() == expected.keys()
    for rid, doc in expected.items():
        assert got[rid] == doc, rid
    subs = {d["account"] for d in expected.values()}
    assert all(r.source == f"azure:{r.doc['account']}" for r in resources)
    assert sorted(collector.snapshot_header()["subscriptions"]) == sorted(subs)


def test_site_config_comes_from_config_web():
    with ArmEmulator(Estate.from_fixtures(AZURE_FIXTURES)) as arm:
        resources, _ = collect(arm, types={"microsoft.web/sites"})
        listed = arm.count(r"/providers/Microsoft\.Web/sites$")
        configs = arm.count(r"/config/web$")
    sites = {r.name: r.doc for r in resources}
    assert sites["app-legacy-api"]["properties"]["siteConfig"]["minTlsVersion"] == "1.0"
    assert sites["app-chat-frontend"]["properties"]["siteConfig"]["ftpsState"] == "Disabled"
    assert configs == len(sites) == 8  # 4 dev-sandbox apps, 4 model-transit callers in prod-ai
    assert listed == len(arm.estate.subscriptions)


def test_only_the_types_the_policies_need_are_listed():
    with ArmEmulator(Estate.from_fixtures(AZURE_FIXTURES)) as arm:
        resources, collector = collect(arm, types={VM, "microsoft.foo/bars"})
        paths = [r.path for r in arm.requests]
    assert {r.type_key for r in resources} == {VM}
    assert all(
        p == "/subscriptions" or p.endswith("/Microsoft.Compute/virtualMachines") for p in paths
    )
    assert collector.unsupported == ["microsoft.foo/bars"]
    assert collector.snapshot_header()["unsupported_types"] == ["microsoft.foo/bars"]


def test_pages_are_followed_and_resources_arrive_in_a_stable_order():
    estate = Estate.generate(
        2, {"Microsoft.Compute/virtualMachines": 7, "Microsoft.Compute/disks": 3}
    )
    with ArmEmulator(estate, page_size=2) as arm:
        first, _ = collect(arm, workers=4)
        vm_pages = arm.count(r"/virtualMachines$")
        second, _ = collect(arm, workers=1)
    assert len(first) == 20
    assert vm_pages == 2 * math.ceil(7 / 2)
    assert [r.id for r in first] == [r.id for r in second]


def test_given_subscriptions_are_not_discovered():
    estate = Estate.generate(3, {"Microsoft.KeyVault/vaults": 2})
    chosen = sorted(estate.subscriptions)[1]
    with ArmEmulator(estate) as arm:
        resources, collector = collect(arm, subscriptions=(chosen,))
        assert arm.count(r"^/subscriptions$") == 0
    assert {r.account for r in resources} == {chosen}
    assert collector.snapshot_header()["subscriptions"] == [chosen]


def test_resource_group_filter_lists_per_group_and_reports_an_unknown_group():
    estate = Estate.generate(1, {"Microsoft.Compute/virtualMachines": 10})
    with ArmEmulator(estate) as arm:
        resources, collector = collect(arm, types={VM}, resource_groups=("RG-1", "rg-nope"))
        rg_lists = arm.count(r"/resourceGroups/[^/]+/providers/Microsoft\.Compute/virtualMachines$")
    assert sorted(r.name for r in resources) == ["virtualmachines-00001", "virtualmachines-00006"]
    assert rg_lists == 2
    assert [(i.scope, i.reason) for i in collector.incomplete] == [
        ("azure resource group rg-nope", "not found in any scanned subscription")
    ]


def test_request_count_grows_with_pages_not_resources():
    per_type = {
        "Microsoft.Compute/virtualMachines": 420,
        "Microsoft.Compute/disks": 450,
        "Microsoft.Storage/storageAccounts": 120,
        "Microsoft.Web/sites": 30,
        "Microsoft.KeyVault/vaults": 15,
        "Microsoft.CognitiveServices/accounts": 10,
        "Microsoft.MachineLearningServices/workspaces": 5,
        "Microsoft.Compute/virtualMachineScaleSets": 230,
        "Microsoft.Compute/diskEncryptionSets": 12,
        "Microsoft.KeyVault/managedHSMs": 2,
        "Microsoft.ContainerService/managedClusters": 6,
        "Microsoft.ContainerInstance/containerGroups": 9,
        "Microsoft.Search/searchServices": 3,
        # children: 450 keys over the 15 vaults (30 each), 250 deployments over 10 accounts
        "Microsoft.KeyVault/vaults/keys": 450,
        "Microsoft.CognitiveServices/accounts/deployments": 250,
        # a relationship target: 40 managed HSM keys over the 2 HSMs (20 each)
        "Microsoft.KeyVault/managedHSMs/keys": 40,
        # an extension type listed per account: 20 diagnostic settings over the 10 accounts
        "Microsoft.Insights/diagnosticSettings": 20,
        # the model-transit chain: 150 role assignments (2 pages), 25 endpoints with a zone group
        # each, 4 private DNS zones with 3 virtual network links each, 20 VNets
        "Microsoft.Authorization/roleAssignments": 150,
        "Microsoft.Network/virtualNetworks": 20,
        "Microsoft.Network/privateEndpoints": 25,
        "Microsoft.Network/privateDnsZones": 4,
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups": 25,
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks": 12,
        # Container Apps as model callers: 140 apps (2 pages) over 8 managed environments
        "Microsoft.App/containerApps": 140,
        "Microsoft.App/managedEnvironments": 8,
    }
    children = {"Microsoft.KeyVault/vaults/keys": "Microsoft.KeyVault/vaults",
                "Microsoft.CognitiveServices/accounts/deployments": "Microsoft.CognitiveServices/accounts",
                "Microsoft.KeyVault/managedHSMs/keys": "Microsoft.KeyVault/managedHSMs",
                "Microsoft.Insights/diagnosticSettings": "Microsoft.CognitiveServices/accounts",
                "Microsoft.Network/privateEndpoints/privateDnsZoneGroups": "Microsoft.Network/privateEndpoints",
                "Microsoft.Network/privateDnsZones/virtualNetworkLinks": "Microsoft.Network/privateDnsZones"}
    subs, page = 3, 100
    estate = Estate.generate(subs, per_type)
    with ArmEmulator(estate, page_size=page) as arm:
        resources, collector = collect(arm, workers=8)
        seen = len(arm.requests)
        sites = arm.count(r"/config/web$")
        child_lists = (arm.count(r"/vaults/[^/]+/keys$") + arm.count(r"/accounts/[^/]+/deployments$")
                       + arm.count(r"/managedHSMs/[^/]+/keys$")
                       + arm.count(r"/accounts/[^/]+/providers/Microsoft\.Insights/diagnosticSettings$")
                       + arm.count(r"/privateEndpoints/[^/]+/privateDnsZoneGroups$")
                       + arm.count(r"/privateDnsZones/[^/]+/virtualNetworkLinks$"))
    pages = {t: max(1, math.ceil(n / page)) for t, n in per_type.items() if t not in children}
    # a child type lists its parents again (pages), then each parent's children (one page each:
    # 30 keys or 25 deployments per parent fit in a page of 100)
    per_parent = {c: pages[p] + per_type[p] for c, p in children.items()}
    lists = subs * (sum(pages.values()) + sum(per_parent.values()))
    assert len(resources) == subs * sum(per_type.values()) == 7368
    assert collector.incomplete == []
    assert sites == subs * per_type["Microsoft.Web/sites"]
    assert child_lists == subs * (15 + 10 + 2 + 10 + 25 + 4)
    # 1 subscription list + per subscription: 5+5+2+1+1+1+1+3+1+1+1+1+1 list pages (+2 role
    # assignment pages, 1 VNet, 1 endpoint and 1 zone page, 2 container app pages and 1
    # managed environment page), then keys (1 vault list page + 15
    # vaults) and deployments (1 account page + 10 accounts), managed HSM keys (1 HSM list page
    # + 2 HSMs), diagnostic settings (1 account page + 10 accounts), zone groups (1 endpoint
    # page + 25 endpoints), links (1 zone page + 4 zones), + one config per site. Growing the
    # children per parent does not add requests.
    assert seen == 1 + lists + sites == 1 + 3 * (29 + 3 + 16 + 11 + 3 + 11 + 26 + 5) + 90


def test_one_token_serves_every_client():
    credential = StaticCredential()
    with ArmEmulator(
        Estate.generate(2, {"Microsoft.Compute/disks": 1, "Microsoft.Web/sites": 3})
    ) as arm:
        collect(arm, credential=credential)
    assert credential.calls == 1


def test_closing_early_stops_without_hanging():
    estate = Estate.generate(2, {"Microsoft.Compute/virtualMachines": 400})
    with ArmEmulator(estate, page_size=10) as arm:
        from support.azure_testing import settings_for

        from scanner.collect.azure import AzureCollector

        collector = AzureCollector(settings_for(arm, workers=4), credential=StaticCredential())
        stream = collector.collect()
        taken = [next(stream) for _ in range(5)]
        stream.close()
        assert arm.count(r"/virtualMachines$") < 80
    assert len(taken) == 5


def test_snapshot_header_names_cloud_endpoint_and_pinned_api_versions():
    with ArmEmulator(Estate.generate(1, {"Microsoft.Compute/disks": 1})) as arm:
        _, collector = collect(arm, types={"microsoft.compute/disks"})
        header = collector.snapshot_header()
        versions = {r.query["api-version"] for r in arm.requests if r.path.endswith("/disks")}
        assert header["arm_endpoint"] == arm.url
    assert header["cloud"] == "AzureCloud"
    assert header["api_versions"] == {"Microsoft.Compute/disks": "2024-03-02"}
    assert versions == {"2024-03-02"}


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.type)
def test_every_type_is_requested_at_its_pinned_api_version(spec):
    estate = Estate.generate(1, {spec.type: 3})
    with ArmEmulator(estate, page_size=2) as arm:
        resources, collector = collect(arm, types={spec.type.lower()})
        # a child type's lists end with its last segment, under each parent's id
        tail = spec.type.lower() if spec.parent is None else "/" + spec.type.lower().rsplit("/", 1)[1]
        lists = [r for r in arm.requests if r.path.lower().endswith(tail)]
        parents = [r for r in arm.requests
                   if spec.parent and r.path.lower().endswith(spec.parent.lower())]
    assert len(resources) == 3 and collector.incomplete == []
    assert [r.type_key for r in resources] == [spec.type.lower()] * 3
    assert {r.query.get("api-version") for r in lists} == {spec.api_version}
    assert {r.query.get("api-version") for r in parents} <= {spec.parent_api_version}


def test_current_sdk_models_give_back_the_rest_json_unchanged():
    """Why `as_dict()` is used for SDK types and raw lists for msrest-model ones."""
    from azure.mgmt.cognitiveservices.models import Account
    from azure.mgmt.compute.models import VirtualMachine

    from scanner.collect.azure_clients import rest_dict

    vm = {
        "id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/v",
        "type": "Microsoft.Compute/virtualMachines",
        "name": "v",
        "location": "westeurope",
        "properties": {
            "securityProfile": {"securityType": "ConfidentialVM"},
            "futureField": {"x": None},
        },
        "resources": [
            {"name": "GuestAttestation", "properties": {"publisher": "Microsoft.Azure.Security"}}
        ],
    }
    assert rest_dict(VirtualMachine(copy.deepcopy(vm))) == vm
    account = {"properties": {"publicNetworkAccess": "Disabled", "futureField": 1}}
    legacy = Account.deserialize(account)
    assert "public_network_access" in legacy.as_dict()["properties"]  # snake_case: not REST
    assert rest_dict(legacy) == {
        "properties": {"publicNetworkAccess": "Disabled"}
    }  # drops futureField


def test_token_from_client_secret_credential_with_the_emulator_as_authority():
    from azure.identity import ClientSecretCredential

    with ArmEmulator(Estate.generate(1, {"Microsoft.Compute/disks": 3})) as arm:
        credential = ClientSecretCredential(
            "7f3c0c5e-0000-4000-8000-000000000abc",
            "ccscan-test-client",
            "not-a-real-secret",
            authority=arm.url,
            disable_instance_discovery=True,
            connection_verify=arm.ca_file,
        )
        resources, collector = collect(arm, credential=credential)
        token_posts = arm.count(r"/oauth2/v2\.0/token$", method="POST")
        bearers = {r.authorization for r in arm.requests if r.path.startswith("/subscriptions")}
    assert len(resources) == 3 and collector.incomplete == []
    assert token_posts == 1 and len(arm.issued_tokens) == 1
    assert bearers == {f"Bearer {arm.issued_tokens[0]}"}
