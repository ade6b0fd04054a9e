"""
Relationship policies in whole scans: across files and subscriptions (two passes over files),
live sources (indexed as they stream, judged after every source), and only related types
kept in the index.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scanner.collect.base import IncompleteScope
from scanner.inventory.files import read_inventories
from scanner.inventory.resource import Resource
from scanner.relindex import RelationIndex, index_files
from scanner.scan import ScanOptions, load_policies, run_scan

RELEASE = base64.urlsafe_b64encode(json.dumps({"version": "1.0.0", "anyOf": [{
    "authority": "https://sharedweu.weu.attest.azure.net",
    "allOf": [{"claim": "x-ms-isolation-tee.x-ms-compliance-status", "equals": "azure-compliant-cvm"}],
}]}).encode()).decode().rstrip("=")
S1 = "/subscriptions/00000000-0000-0000-0000-0000000000a1/resourceGroups/rg-ai/providers"
S2 = "/subscriptions/00000000-0000-0000-0000-0000000000b2/resourceGroups/RG-KEYS/providers"
DES = f"{S2}/Microsoft.Compute/diskEncryptionSets/des-1"
VAULT = f"{S2}/Microsoft.KeyVault/vaults/kv-chain"


def vm(name: str, des: str | None) -> dict[str, Any]:
    disk: dict[str, Any] = {"securityEncryptionType": "DiskWithVMGuestState"}
    if des:
        disk["diskEncryptionSet"] = {"id": des}
    return {"id": f"{S1}/Microsoft.Compute/virtualMachines/{name}", "name": name,
            "type": "Microsoft.Compute/virtualMachines",
            "properties": {"hardwareProfile": {"vmSize": "Standard_DC4as_v5"},
                           "securityProfile": {"securityType": "ConfidentialVM"},
                           "storageProfile": {"osDisk": {"managedDisk": {"securityProfile": disk}}}}}


def chain(purge: bool = True) -> list[dict[str, Any]]:
    return [
        {"id": DES, "name": "des-1", "type": "Microsoft.Compute/diskEncryptionSets",
         "properties": {"encryptionType": "ConfidentialVmEncryptedWithCustomerKey",
                        "activeKey": {"keyUrl": "https://kv-chain.vault.azure.net/keys/disk/0a1b"}}},
        {"id": f"{VAULT}/keys/disk", "name": "disk", "type": "Microsoft.KeyVault/vaults/keys",
         "properties": {"kty": "RSA-HSM", "attributes": {"exportable": True},
                        "release_policy": {"data": RELEASE}}},
        {"id": VAULT, "name": "kv-chain", "type": "Microsoft.KeyVault/vaults",
         "properties": {"enablePurgeProtection": purge, "enableSoftDelete": True}},
    ]


def write(path: Path, docs: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"value": docs}))
    return path


def chain_findings(result_json: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["resource"]["name"]: f for f in result_json["findings"] if f["policy_id"] == "CCS-AZ-VM-006"}


CHAINS = Path(__file__).resolve().parent.parent / "policies" / "azure" / "confidential-chains.yaml"


def test_chain_across_files_and_subscriptions_in_either_order(tmp_path: Path, ccscan) -> None:
    # "a-" sorts before "z-": the VMs are read before the chain they depend on.
    inv = tmp_path / "inv"
    inv.mkdir()
    write(inv / "a-vms.json", [vm("cvm-good", DES.lower()), vm("cvm-nodes", None),
                                    vm("cvm-dangling", DES.replace("des-1", "des-gone"))])
    write(inv / "z-keys.json", chain())
    res = ccscan("scan", str(inv), "--policies", str(CHAINS), "--format", "json")
    found = chain_findings(res.json())
    assert {n: f["status"] for n, f in found.items()} == {
        "cvm-good": "pass", "cvm-nodes": "fail", "cvm-dangling": "unknown"}
    assert "des-gone is not in the inventory" in found["cvm-dangling"]["message"]
    paths = [e["path"] for e in found["cvm-good"]["evidence"]]
    assert any(DES in p and p.endswith("properties.encryptionType") for p in paths)
    assert any(p.endswith(f"[{VAULT}].properties.enablePurgeProtection") for p in paths)
    assert [i["resources"] for i in res.json()["inputs"]] == [3, 3]  # each file counted once


def test_a_failing_link_deep_in_the_chain_fails_and_names_it(tmp_path: Path, ccscan) -> None:
    write(tmp_path / "all.json", [vm("cvm-good", DES), *chain(purge=False)])
    res = ccscan("scan", str(tmp_path), "--policies", str(CHAINS), "--format", "json")
    assert res.exit_code == 1
    finding = chain_findings(res.json())["cvm-good"]
    assert finding["status"] == "fail"
    observed = {e["path"]: e["observed"] for e in finding["evidence"]}
    assert observed[next(p for p in observed if p.endswith(f"[{VAULT}].properties.enablePurgeProtection"))] is False


def test_site_config_web_in_another_file_is_merged_as_site_config(tmp_path: Path, ccscan) -> None:
    site = f"{S1}/Microsoft.Web/sites/func-1"
    write(tmp_path / "sites.json", [{"id": site, "name": "func-1", "type": "Microsoft.Web/sites",
                                     "kind": "functionapp", "properties": {"siteConfig": None, "httpsOnly": True}}])
    write(tmp_path / "web.json", [{"id": f"{site.upper()}/config/web", "name": "web",
                                   "type": "Microsoft.Web/sites/config",
                                   "properties": {"minTlsVersion": "1.2", "ftpsState": "AllAllowed"}}])
    res = ccscan("scan", str(tmp_path), "--format", "json")
    status = {f["policy_id"]: f["status"] for f in res.json()["findings"] if f["resource"]["name"] == "func-1"}
    assert status["CCS-AZ-APP-002"] == "pass" and status["CCS-AZ-APP-003"] == "fail"
    alone = ccscan("scan", str(tmp_path / "sites.json"), "--format", "json")
    status = {f["policy_id"]: f["status"] for f in alone.json()["findings"]}
    assert status["CCS-AZ-APP-002"] == "unknown" and status["CCS-AZ-APP-003"] == "unknown"


class ListCollector:
    """A live source over fixed documents (implements scanner.collect.base.Collector)."""

    def __init__(self, name: str, docs: list[dict[str, Any]]) -> None:
        self.name = name
        self.docs = docs
        self.incomplete: list[IncompleteScope] = []

    def collect(self) -> Iterator[Resource]:
        for doc in self.docs:
            yield Resource({**doc, "provider": "azure"}, source=self.name)

    def snapshot_header(self) -> dict:
        return {}


def test_live_sources_give_the_same_chain_findings_as_files(tmp_path: Path) -> None:
    docs = [vm("cvm-good", DES), vm("cvm-dangling", DES + "-x"), *chain()]
    catalog = load_policies(None)
    seen: dict[str, dict[tuple[str, str], tuple]] = {"live": {}, "files": {}}

    def recorder(kind: str) -> Any:
        def record(f: Any) -> Any:
            seen[kind][(f.policy_id, f.resource["name"])] = (f.status, f.evidence, f.message)
            return f
        return record

    # The VM comes from the first source, its chain from the second: it must wait for both.
    live = run_scan(ScanOptions(collectors=[ListCollector("azure:a", docs[:1]),
                                            ListCollector("azure:b", docs[1:])],
                                finding_transforms=[recorder("live")]), catalog)
    write(tmp_path / "inv.json", docs)
    files = run_scan(ScanOptions(inputs=[tmp_path], finding_transforms=[recorder("files")]), catalog)
    assert live.summary == files.summary
    assert seen["live"] == seen["files"]
    assert seen["live"][("CCS-AZ-VM-006", "cvm-good")][0] == "pass"
    assert seen["live"][("CCS-AZ-VM-006", "cvm-dangling")][0] == "unknown"


def test_only_related_types_are_indexed(tmp_path: Path) -> None:
    write(tmp_path / "inv.json", [vm("cvm-good", DES), *chain(),
                                  {"id": f"{S1}/Microsoft.Storage/storageAccounts/st1", "name": "st1",
                                   "type": "Microsoft.Storage/storageAccounts", "properties": {}}])
    index = RelationIndex(load_policies(None).relations())
    index_files(read_inventories([tmp_path]), index)
    kept = {str(d["type"]).lower() for docs in index.by_key.values() for d in docs}
    assert kept == {"microsoft.compute/diskencryptionsets", "microsoft.keyvault/vaults/keys",
                    "microsoft.keyvault/vaults"}


def test_explain_traces_relations_with_the_scan_index(tmp_path: Path, ccscan) -> None:
    write(tmp_path / "a.json", [vm("cvm-good", DES), vm("cvm-dangling", DES + "-x")])
    write(tmp_path / "b.json", chain())
    res = ccscan("scan", str(tmp_path), "--policies", str(CHAINS), "--explain", "CCS-AZ-VM-006")
    traces = res.stderr.split("CCS-AZ-VM-006 on ")
    good = next(t for t in traces if "/cvm-good " in t)
    dangling = next(t for t in traces if "/cvm-dangling " in t)
    assert "): pass" in good and "assert: holds" in good
    assert "): unknown" in dangling and "des-1-x is not in the inventory" in dangling


def test_explain_names_the_environment_a_same_as_via_read(ccscan) -> None:
    transit = CHAINS.with_name("model-transit-chain.yaml")
    fixtures = CHAINS.parent.parent.parent / "fixtures" / "azure" / "prod-ai"
    res = ccscan("scan", str(fixtures), "--policies", str(transit), "--explain", "CCS-AZ-TRANSIT-004")
    runner = next(t for t in res.stderr.split("CCS-AZ-TRANSIT-004 on ") if "/ca-eval-runner " in t)
    assert "): fail" in runner
    assert ("properties.environmentId[/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/rg-rag/"
            "providers/Microsoft.App/managedEnvironments/cae-eval-weu].properties.vnetConfiguration."
            "infrastructureSubnetId = (missing)") in runner


def test_collectors_are_told_the_related_types_but_not_the_inline_children() -> None:
    from scanner.collect.azure_types import select

    types = load_policies(None).resource_types()
    assert "microsoft.keyvault/managedhsms/keys" in types  # only CCS-AZ-VM-006 relates to it
    assert "microsoft.web/sites/config" not in types  # read inline with each site
    specs, unsupported = select({t for t in types if not t.startswith("aws::")})
    assert unsupported == []
    assert "Microsoft.KeyVault/managedHSMs/keys" in {s.type for s in specs}


def test_a_snapshot_whose_child_list_failed_judges_that_parent_unknown(tmp_path: Path, ccscan) -> None:
    # `ccscan collect` recorded a 403 on oai-b's diagnostic settings: a file scan of the
    # snapshot must not fail oai-b as an account without settings (the live scan says unknown).
    ai = Path(__file__).resolve().parent.parent / "policies" / "azure" / "ai-platform.yaml"
    accounts = [{"id": f"{S1}/Microsoft.CognitiveServices/accounts/{n}", "name": n, "kind": "OpenAI",
                 "type": "Microsoft.CognitiveServices/accounts", "properties": {}} for n in ("oai-a", "oai-b")]
    setting = {"id": f"{S1}/Microsoft.CognitiveServices/accounts/oai-a/providers/Microsoft.Insights/diagnosticSettings/law",
               "name": "law", "type": "Microsoft.Insights/diagnosticSettings",
               "properties": {"workspaceId": f"{S1}/Microsoft.OperationalInsights/workspaces/law",
                              "logs": [{"category": "Audit", "enabled": True}]}}
    unread = f"azure {S1}/Microsoft.CognitiveServices/accounts/oai-b/providers/Microsoft.Insights/diagnosticSettings"
    header = {"ccscan_snapshot": 1, "collector": "azure", "time": "2026-12-01T10:00:00Z", "source": "azure",
              "incomplete": [{"scope": unread, "reason": "HTTP 403 AuthorizationFailed"}]}
    snap = tmp_path / "snap.jsonl"
    snap.write_text("\n".join(json.dumps(d) for d in [header, *accounts, setting]) + "\n")
    result = ccscan("scan", str(snap), "--policies", str(ai), "--check", "CCS-AZ-AI-007", "--format", "json")
    assert result.exit_code == 3, result.stderr
    got = {f["resource"]["name"]: f for f in result.json()["findings"]}
    assert {n: f["status"] for n, f in got.items()} == {"oai-a": "pass", "oai-b": "unknown"}
    assert got["oai-b"]["message"] == (f"insufficient evidence: {unread[len('azure '):]} could not be read: "
                                       "HTTP 403 AuthorizationFailed")
