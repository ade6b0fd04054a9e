"""
The hot Azure types (VMs, disks, sites, storage accounts, key vaults) are read as raw JSON pages
through their SDK client's pipeline, not through the SDK's list calls and models: documents
arrive exactly as ARM sent them, and a page that is not an ARM list is incomplete, never empty.
"""

from __future__ import annotations

import copy

import pytest

pytest.importorskip("azure.mgmt.compute")
pytest.importorskip("trustme")

from support.arm_emulator import ArmEmulator, Estate
from support.azure_testing import collect

SUB = "00000000-0000-4000-8000-0000000000c1"
HOT = {
    "Microsoft.Compute/virtualMachines": "virtualMachines",
    "Microsoft.Compute/disks": "disks",
    "Microsoft.Web/sites": "sites",
    "Microsoft.Storage/storageAccounts": "storageAccounts",
    "Microsoft.KeyVault/vaults": "vaults",
}


def doc(rtype: str, name: str, properties: dict) -> dict:
    return {
        "id": f"/subscriptions/{SUB}/resourceGroups/rg-raw/providers/{rtype}/{name}",
        "name": name, "type": rtype, "location": "westeurope", "tags": {"env": "raw"},
        "properties": properties,
    }


def odd_documents() -> list[dict]:
    """What an SDK model might rename, drop or convert: all of it must come through as sent."""
    odd = {
        "timeCreated": "2022-01-14T16:43:41.683Z",  # a datetime in the model, a string in JSON
        "futureField": {"nested": [None, {"x": 1}], "empty": {}},
        "Casing": "upper-case key", "casing": "lower-case key",
        "text": "tab\tnewline\nnul\u0000 bidi\u202e é",
        "securityProfile": {"securityType": None},
    }
    docs = [doc(t, f"odd-{i}", copy.deepcopy(odd)) for i, t in enumerate(HOT)]
    docs[0]["resources"] = [{"name": "GuestAttestation", "properties": {"publisher": "x"}}]
    docs[0]["zones"] = ["1"]
    docs[0]["etag"] = 'W/"1"'
    return docs


def no_sdk_list_calls(monkeypatch) -> None:
    from azure.mgmt.compute.operations import DisksOperations, VirtualMachinesOperations
    from azure.mgmt.keyvault.operations import VaultsOperations
    from azure.mgmt.storage.operations import StorageAccountsOperations
    from azure.mgmt.web.operations import WebAppsOperations

    def refuse(*args, **kwargs):
        raise AssertionError("an SDK list call was used")

    for cls, names in ((VirtualMachinesOperations, ("list", "list_all")),
                       (DisksOperations, ("list", "list_by_resource_group")),
                       (WebAppsOperations, ("list", "list_by_resource_group")),
                       (StorageAccountsOperations, ("list", "list_by_resource_group")),
                       (VaultsOperations, ("list", "list_by_subscription", "list_by_resource_group"))):
        for name in names:
            monkeypatch.setattr(cls, name, refuse)


def test_hot_types_arrive_as_sent_without_the_sdk_list_calls(monkeypatch):
    no_sdk_list_calls(monkeypatch)
    docs = odd_documents()
    with ArmEmulator(Estate.from_documents(docs), page_size=2) as arm:
        resources, collector = collect(arm, types={t.lower() for t in HOT})
        also_by_group, grouped = collect(arm, types={t.lower() for t in HOT},
                                         resource_groups=("rg-raw",))
    assert collector.incomplete == [] and grouped.incomplete == []
    got = {r.id: r.doc for r in resources}
    assert len(got) == len(docs) == 5
    for sent in docs:
        received = {k: v for k, v in got[sent["id"]].items() if k not in ("provider", "account")}
        if sent["type"] == "Microsoft.Web/sites":
            # config/web (empty in this estate) is attached to the site, nothing else changes
            assert received["properties"].pop("siteConfig") == {}
        assert received == sent, sent["type"]
    assert sorted(r.id for r in also_by_group) == sorted(got)


@pytest.mark.parametrize("body", [
    {"values": []},                       # no `value`
    {"value": {"id": "x"}},               # not an array
    {"value": ["a string"]},              # not objects
    {"value": [], "nextLink": 42},        # a nextLink that is no URL
    ["a", "list"],                        # not an object at all
    # links the pipeline would send the bearer token to: another host, scheme or port
    # (loopback addresses, so that a regression could not reach beyond this machine)
    {"value": [], "nextLink": "https://127.0.0.2:9/subscriptions/x?page=2"},
    {"value": [], "nextLink": "http://127.0.0.1/subscriptions/x?page=2"},
    {"value": [], "nextLink": "https://127.0.0.1:9/subscriptions/x?page=2"},
    {"value": [], "nextLink": "https://user:pw@127.0.0.1:x/subscriptions/x"},
], ids=["no-value", "value-object", "value-strings", "nextlink-number", "top-level-array",
        "nextlink-other-host", "nextlink-http", "nextlink-other-port", "nextlink-bad-port"])
def test_a_page_that_is_not_an_arm_list_is_incomplete_not_empty(body):
    estate = Estate.generate(1, {"Microsoft.Compute/virtualMachines": 3,
                                 "Microsoft.Compute/disks": 2})
    with ArmEmulator(estate) as arm:
        real = arm.handle

        def handle(method, path, query, headers, raw):
            if path.endswith("/Microsoft.Compute/virtualMachines"):
                return 200, {}, body
            return real(method, path, query, headers, raw)

        arm.handle = handle
        resources, collector = collect(arm, types={"microsoft.compute/virtualmachines",
                                                   "microsoft.compute/disks"})
    assert [r.type_key for r in resources] == ["microsoft.compute/disks"] * 2
    assert len(collector.incomplete) == 1
    scope, reason = collector.incomplete[0].scope, collector.incomplete[0].reason
    assert scope.endswith(" Microsoft.Compute/virtualMachines")
    if "://" in str(body):
        assert "link to another host" in reason and "not followed" in reason
    else:
        assert "ValueError" in reason and ("not a list page" in reason or "nextLink" in reason)


def spec_example_disk() -> dict:
    """
    The first disk of azure-rest-api-specs' `Disk_ListBySubscription.json` (DiskRP 2024-03-02,
    the pinned version; fixtures/README.md), its `{subscriptionId}` filled in.
    """
    vault = f"/subscriptions/{SUB}/resourceGroups/myResourceGroup/providers/Microsoft.KeyVault/vaults/myVMVault"
    return {
        "properties": {
            "osType": "Windows",
            "creationData": {
                "createOption": "Copy",
                "sourceResourceId": f"subscriptions/{SUB}/resourceGroups/myResourceGroup/providers/Microsoft.Compute/disks/myManagedDisk1",
            },
            "diskSizeGB": 200,
            "encryptionSettingsCollection": {"enabled": True, "encryptionSettings": [{
                "diskEncryptionKey": {"sourceVault": {"id": vault},
                                      "secretUrl": "https://myvmvault.vault-int.azure-int.net/secrets/{secret}"},
                "keyEncryptionKey": {"sourceVault": {"id": vault},
                                     "keyUrl": "https://myvmvault.vault-int.azure-int.net/keys/{key}"},
            }]},
            "encryption": {"type": "EncryptionAtRestWithPlatformKey"},
            "timeCreated": "2016-12-28T04:41:35.9278721+00:00",
            "provisioningState": "Succeeded",
        },
        "type": "Microsoft.Compute/disks",
        "location": "westus",
        "tags": {"department": "Development", "project": "ManagedDisks"},
        "id": f"/subscriptions/{SUB}/resourceGroups/myResourceGroup/providers/Microsoft.Compute/disks/myManagedDisk1",
        "name": "myManagedDisk1",
    }


def test_a_rest_api_specs_example_page_reads_as_the_sdk_model_would_give_it():
    from azure.mgmt.compute.models import Disk

    from scanner.collect.azure_clients import rest_dict

    sent = spec_example_disk()
    assert rest_dict(Disk(copy.deepcopy(sent))) == sent  # the model path: no field renamed or lost
    with ArmEmulator(Estate.from_documents([sent])) as arm:
        resources, collector = collect(arm, types={"microsoft.compute/disks"})
    assert collector.incomplete == []
    [received] = [{k: v for k, v in r.doc.items() if k not in ("provider", "account")}
                  for r in resources]
    assert received == sent


def test_the_sdk_pagers_do_not_follow_a_link_to_another_host_either():
    # The subscription list is read through the SDK's own pager, not raw_pages: the refusal is
    # in the pipeline that every client shares, before the token is put on the request.
    estate = Estate.generate(1, {"Microsoft.Compute/disks": 1})
    with ArmEmulator(estate) as arm:
        real = arm.handle

        def handle(method, path, query, headers, raw):
            status, extra, body = real(method, path, query, headers, raw)
            if path.rstrip("/").lower() == "/subscriptions":
                body = {**body, "nextLink": "https://127.0.0.2:9/subscriptions?page=2"}
            return status, extra, body

        arm.handle = handle
        resources, collector = collect(arm, types={"microsoft.compute/disks"})
    # No subscription list, so nothing read: the scan says why and is incomplete (exit 3).
    assert resources == []
    [(scope, reason)] = [(i.scope, i.reason) for i in collector.incomplete]
    assert scope == "azure subscriptions"
    assert "another host (https://127.0.0.2:9)" in reason and "not followed" in reason
