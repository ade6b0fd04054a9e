"""
The built-in policy packs and the sample estate: completeness of every policy, agreement with
the SOC 2 framework file, and the outcomes the packs give the fixtures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policies"
FIXTURES = ROOT / "fixtures"
SOC2 = POLICIES / "frameworks" / "soc2.yaml"


def _policy_docs() -> list[tuple[Path, dict[str, Any]]]:
    docs = []
    for file in sorted(POLICIES.rglob("*.y*ml")):
        if file.parent.name == "frameworks":
            continue
        for doc in yaml.safe_load_all(file.read_text(encoding="utf-8")):
            if isinstance(doc, dict) and "id" in doc:
                docs.append((file, doc))
    return docs


POLICY_DOCS = _policy_docs()
POLICY_IDS = [doc["id"] for _, doc in POLICY_DOCS]


def _soc2() -> dict[str, Any]:
    return yaml.safe_load(SOC2.read_text(encoding="utf-8"))


def test_builtin_packs_are_not_empty_and_ids_are_unique() -> None:
    assert len(POLICY_IDS) >= 20
    assert len(POLICY_IDS) == len(set(POLICY_IDS))
    for pack in ("azure/confidential-compute.yaml", "azure/model-transit.yaml",
                 "aws/confidential-compute.yaml", "aws/model-transit.yaml"):
        assert (POLICIES / pack).is_file(), pack


@pytest.mark.parametrize(("file", "doc"), POLICY_DOCS, ids=POLICY_IDS)
def test_policy_is_complete(file: Path, doc: dict[str, Any]) -> None:
    expects = [t["expect"] for t in doc.get("tests", [])]
    assert "pass" in expects, f"{doc['id']} ({file.name}) has no pass test case"
    assert "fail" in expects, f"{doc['id']} ({file.name}) has no fail test case"
    assert isinstance(doc.get("remediation"), str) and len(doc["remediation"].split()) >= 5
    assert isinstance(doc.get("description"), str) and doc["description"].strip()
    refs = doc.get("references") or []
    assert refs, f"{doc['id']} has no references"
    assert all(r.startswith("https://") for r in refs), refs


@pytest.mark.parametrize(("file", "doc"), POLICY_DOCS, ids=POLICY_IDS)
def test_policy_maps_to_existing_soc2_controls(file: Path, doc: dict[str, Any]) -> None:
    controls = {c["id"] for c in _soc2()["controls"]}
    mapped = (doc.get("frameworks") or {}).get("soc2") or []
    assert mapped, f"{doc['id']} has no soc2 mapping"
    assert set(mapped) <= controls, set(mapped) - controls


def test_soc2_framework_lists_only_real_policies_consistently() -> None:
    own = {doc["id"]: set((doc.get("frameworks") or {}).get("soc2") or []) for _, doc in POLICY_DOCS}
    fw = _soc2()
    ids = [c["id"] for c in fw["controls"]]
    assert len(ids) == len(set(ids))
    required = {"CC6.1", "CC6.6", "CC6.7", "CC6.8", "CC7.1", "CC7.2", "C1.1", "C1.2"}
    assert required <= set(ids)
    for control in fw["controls"]:
        assert control["title"] and control.get("description"), control["id"]
        for pid in control.get("policies", []):
            assert pid in own, f"{control['id']} lists unknown policy {pid}"
            # The framework file and the policy's own `frameworks` must tell the same story.
            assert control["id"] in own[pid], f"{control['id']} lists {pid}, which does not name it"
    for cid in required:
        control = next(c for c in fw["controls"] if c["id"] == cid)
        assert control.get("policies"), f"{cid} has no automated policy"


def test_builtin_packs_pass_their_embedded_tests(ccscan) -> None:
    res = ccscan("test", POLICIES)
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "0 failed" in res.stdout + res.stderr


def test_builtin_packs_lint_strict(ccscan) -> None:
    res = ccscan("lint", "--strict", POLICIES)
    assert res.exit_code == 0, res.stdout + res.stderr


def test_every_fixture_json_is_an_inventory() -> None:
    files = sorted(FIXTURES.rglob("*.json"))
    assert len(files) >= 8
    from scanner.inventory.formats import detect

    for file in files:
        # The loaders' own detection: single-object AWS outputs and PowerShell exports are
        # inventories too (tests/inventory/test_export_shapes.py pins each file's shape).
        detect(json.loads(file.read_text(encoding="utf-8")))


ESTATE_FILES = {
    "azure/prod-ai/virtual-machines.json": 4,
    "azure/prod-ai/disks.json": 6,
    "azure/prod-ai/cognitive-services.json": 2,
    "azure/dev-sandbox/az-vm-list.json": 3,
    "azure/dev-sandbox/cognitive-services.json": 1,
    "azure/dev-sandbox/web-sites.json": 4,
    "azure/dev-sandbox/storage-accounts.json": 2,
    "azure/shared-services/resource-graph.json": 6,
    "aws/111122223333/describe-instances.json": 5,
    "aws/111122223333/describe-volumes.json": 5,
}
"""Each file of the sample estate with its number of resources (every shape is read)."""


@pytest.fixture(scope="module")
def estate() -> dict[tuple[str, str], str]:
    """(policy id, resource name) -> status for the sample estate scanned with the built-in packs."""
    from click.testing import CliRunner

    from scanner.cli import main

    res = CliRunner().invoke(main, ["scan", str(FIXTURES), "--format", "json"], catch_exceptions=False)
    assert res.exit_code == 1, res.stderr  # the estate has failures, and no input error
    result = json.loads(res.stdout)
    counts = {Path(i["source"]).relative_to(FIXTURES).as_posix(): i["resources"] for i in result["inputs"]}
    assert {k: v for k, v in counts.items() if k in ESTATE_FILES} == ESTATE_FILES
    return {(f["policy_id"], f["resource"]["name"]): f["status"] for f in result["findings"]}


@pytest.mark.parametrize(
    ("policy", "name", "status"),
    [
        # A real Confidential VM passes the core policy; Trusted Launch and Standard VMs fail it.
        ("CCS-AZ-VM-001", "cvm-inference-01", "pass"),
        ("CCS-AZ-VM-001", "cvm-eval-01", "pass"),  # from az vm list (flattened shape)
        ("CCS-AZ-VM-001", "tl-gateway-01", "fail"),
        ("CCS-AZ-VM-001", "vm-notebook-01", "fail"),  # securityProfile: null
        ("CCS-AZ-VM-002", "tl-finetune-01", "fail"),  # secure boot off
        ("CCS-AZ-VM-003", "cvm-batch-01", "fail"),  # VMGuestStateOnly is the weaker setting
        ("CCS-AZ-VM-003", "cvm-inference-02", "pass"),
        ("CCS-AZ-VM-004", "cvm-inference-02", "fail"),
        ("CCS-AZ-VM-004", "cvm-inference-01", "pass"),
        ("CCS-AZ-VM-005", "cvm-inference-02", "pass"),
        ("CCS-AZ-VM-005", "tl-gateway-01", "fail"),
        ("CCS-AZ-DISK-001", "tl-gateway-01_OsDisk_1", "fail"),
        ("CCS-AZ-DISK-002", "cvm-batch-01_OsDisk_1", "fail"),
        ("CCS-AZ-AI-001", "oai-sandbox", "fail"),
        ("CCS-AZ-AI-001", "oai-prod-weu", "pass"),
        ("CCS-AZ-AI-002", "oai-sandbox", "fail"),
        ("CCS-AZ-AI-003", "aisvc-foundry-weu", "fail"),  # private endpoint only Pending
        ("CCS-AZ-AI-003", "oai-prod-weu", "pass"),
        ("CCS-AZ-APP-002", "func-embeddings", "pass"),  # siteConfig null: its config/web file decides
        ("CCS-AZ-APP-003", "func-embeddings", "fail"),  # config/web allows FTP
        ("CCS-AZ-VM-006", "cvm-inference-01", "pass"),  # DES -> HSM key -> release policy -> HSM
        ("CCS-AZ-VM-006", "cvm-inference-02", "fail"),  # no disk encryption set
        ("CCS-AZ-VM-006", "cvm-eval-01", "unknown"),  # its DES is not in the inventory
        ("CCS-AZ-ACI-004", "aci-embedder-cc", "fail"),  # its decoded CCE policy says allow_all := true
        ("CCS-AZ-APP-002", "app-admin-portal", "unknown"),  # siteConfig with nulls
        ("CCS-AZ-APP-002", "app-legacy-api", "fail"),
        ("CCS-AZ-APP-003", "app-chat-frontend", "pass"),
        ("CCS-AZ-ST-002", "stsandboxscratch01", "fail"),
        ("CCS-AZ-KV-001", "kv-app-secrets-weu", "fail"),  # from Resource Graph, lower-case type
        ("CCS-AZ-ML-001", "hub-foundry-weu", "fail"),
        ("CCS-AWS-EC2-001", "llm-serving-snp-01", "pass"),
        ("CCS-AWS-EC2-001", "key-broker-enclave-01", "pass"),
        ("CCS-AWS-EC2-001", "llm-serving-02", "fail"),
        ("CCS-AWS-EBS-001", "finetune-gpu-01-root", "fail"),
        ("CCS-AWS-EBS-002", "llm-serving-02-root", "unknown"),  # describe-volumes cannot tell
    ],
)
def test_fixture_estate_outcome(estate: dict, policy: str, name: str, status: str) -> None:
    assert estate.get((policy, name)) == status


@pytest.mark.parametrize(
    ("policy", "name"),
    [
        ("CCS-AZ-VM-003", "tl-gateway-01"),  # only Confidential VMs
        ("CCS-AZ-DISK-001", "cvm-inference-02-models"),  # data disk
        ("CCS-AWS-EC2-001", "scratch-01"),  # terminated
        ("CCS-AWS-EBS-002", "finetune-gpu-01-root"),  # unencrypted: EBS-001's job
    ],
)
def test_fixture_estate_not_applicable(estate: dict, policy: str, name: str) -> None:
    assert (policy, name) not in estate
