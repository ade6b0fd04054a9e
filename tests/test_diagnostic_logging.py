"""
CCS-AZ-AI-007 on files: AI accounts' diagnostic settings come from another file of the scan,
and a scan without any settings fails every account (never a pass on absent evidence).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROD = ROOT / "fixtures" / "azure" / "prod-ai"
ACCOUNTS = "/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts"


def statuses(result: dict) -> dict[str, str]:
    return {f["resource"]["id"]: f["status"] for f in result["findings"] if f["policy_id"] == "CCS-AZ-AI-007"}


def test_settings_in_another_file_decide_each_account(tmp_path, ccscan):
    # settings first: the relation does not depend on file order
    shutil.copy(PROD / "diagnostic-settings.json", tmp_path / "a-settings.json")
    shutil.copy(PROD / "cognitive-services.json", tmp_path / "b-accounts.json")
    res = ccscan("scan", str(tmp_path), "--check", "CCS-AZ-AI-007", "--format", "json")
    assert res.exit_code == 1, res.stderr
    result = res.json()
    assert statuses(result) == {f"{ACCOUNTS}/oai-prod-weu": "pass", f"{ACCOUNTS}/aisvc-foundry-weu": "fail"}
    failing = next(f for f in result["findings"] if f["status"] == "fail")
    paths = {e["path"]: e["observed"] for e in failing["evidence"]}
    setting = f"{ACCOUNTS}/aisvc-foundry-weu/providers/microsoft.insights/diagnosticSettings/usage-to-storage"
    assert paths[f"related Microsoft.Insights/diagnosticSettings children[{setting}].count(properties.logs[*])"] == 0
    assert paths["count(related Microsoft.Insights/diagnosticSettings children)"] == 0


def test_a_scan_without_diagnostic_settings_fails_every_account(tmp_path, ccscan):
    shutil.copy(PROD / "cognitive-services.json", tmp_path / "accounts.json")
    res = ccscan("scan", str(tmp_path), "--check", "CCS-AZ-AI-007", "--format", "json")
    assert res.exit_code == 1, res.stderr
    assert statuses(res.json()) == {f"{ACCOUNTS}/oai-prod-weu": "fail", f"{ACCOUNTS}/aisvc-foundry-weu": "fail"}


def test_az_cli_diagnostic_settings_output_decides_too(tmp_path, ccscan):
    # `az monitor diagnostic-settings list --resource ID` prints the settings flattened (no
    # `properties`), with the SDK's names, which are the REST names for this type
    account = f"{ACCOUNTS}/oai-prod-weu"
    az = [{"id": f"{account}/providers/microsoft.insights/diagnosticSettings/to-law", "name": "to-law",
           "type": "Microsoft.Insights/diagnosticSettings", "resourceGroup": "rg-ai",
           "workspaceId": "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-monitor/providers/Microsoft.OperationalInsights/workspaces/law1",
           "logs": [{"category": None, "categoryGroup": "audit", "enabled": True,
                     "retentionPolicy": {"days": 0, "enabled": False}}],
           "metrics": [], "logAnalyticsDestinationType": None}]
    (tmp_path / "az-diag.json").write_text(json.dumps(az))
    shutil.copy(PROD / "cognitive-services.json", tmp_path / "accounts.json")
    res = ccscan("scan", str(tmp_path), "--check", "CCS-AZ-AI-007", "--format", "json")
    assert statuses(res.json()) == {account: "pass", f"{ACCOUNTS}/aisvc-foundry-weu": "fail"}
