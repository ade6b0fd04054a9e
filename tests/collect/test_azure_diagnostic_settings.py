"""
Diagnostic settings of AI accounts against the ARM emulator: one list per account under
`{account id}/providers/Microsoft.Insights/diagnosticSettings`, whatever the number of settings,
and a list that fails is an incomplete scope (never an account that seems to have none).
"""

from __future__ import annotations

import pytest

pytest.importorskip("azure.mgmt.compute")
pytest.importorskip("trustme")

from support.arm_emulator import ArmEmulator, Estate
from support.azure_testing import collect

ACCOUNTS = "microsoft.cognitiveservices/accounts"
SETTINGS = "microsoft.insights/diagnosticsettings"


def test_one_list_per_account_at_the_pinned_version():
    # 12 settings over 3 accounts (4 each)
    estate = Estate.generate(1, {"Microsoft.CognitiveServices/accounts": 3,
                                 "Microsoft.Insights/diagnosticSettings": 12})
    with ArmEmulator(estate, page_size=100) as arm:
        resources, collector = collect(arm, types={ACCOUNTS, SETTINGS})
        lists = [r for r in arm.requests if r.path.endswith("/providers/Microsoft.Insights/diagnosticSettings")]
    assert collector.incomplete == []
    got = sorted(r.id for r in resources if r.type_key == SETTINGS)
    assert len(got) == 12
    assert all("/accounts/accounts-0000" in i and "/providers/Microsoft.Insights/diagnosticSettings/" in i
               for i in got)
    assert len(lists) == 3
    assert {r.query["api-version"] for r in lists} == {"2021-05-01-preview"}


def test_a_forbidden_settings_list_is_incomplete_not_empty():
    estate = Estate.generate(1, {"Microsoft.CognitiveServices/accounts": 2,
                                 "Microsoft.Insights/diagnosticSettings": 2})
    with ArmEmulator(estate) as arm:
        arm.fail(r"/providers/Microsoft\.Insights/diagnosticSettings$", 403, times=None,
                 code="AuthorizationFailed")
        resources, collector = collect(arm, types={ACCOUNTS, SETTINGS})
    assert sorted(r.type_key for r in resources) == [ACCOUNTS] * 2
    # one incomplete scope per account whose list failed (each account's own, not the type's)
    assert [i.scope.split("/accounts/", 1)[1] for i in collector.incomplete] == [
        "accounts-00000/providers/Microsoft.Insights/diagnosticSettings",
        "accounts-00001/providers/Microsoft.Insights/diagnosticSettings"]
    assert all("403" in i.reason for i in collector.incomplete)


SUB = "/subscriptions/00000000-0000-0000-0000-0000000000d1/resourceGroups/rg-ai/providers"


def _account(name: str) -> dict:
    return {"id": f"{SUB}/Microsoft.CognitiveServices/accounts/{name}", "name": name, "kind": "OpenAI",
            "type": "Microsoft.CognitiveServices/accounts", "location": "westeurope",
            "properties": {"provisioningState": "Succeeded"}}


def _audit_setting(account: str) -> dict:
    return {"id": f"{SUB}/Microsoft.CognitiveServices/accounts/{account}/providers/Microsoft.Insights/diagnosticSettings/to-law",
            "name": "to-law", "type": "Microsoft.Insights/diagnosticSettings",
            "properties": {"workspaceId": f"{SUB}/Microsoft.OperationalInsights/workspaces/law-ai",
                           "logs": [{"categoryGroup": "audit", "enabled": True}]}}


def test_one_forbidden_settings_list_makes_that_account_unknown_not_failed(tmp_path, ccscan):
    # 403 on oai-b's settings only: oai-a and oai-c are still judged on theirs, and oai-b is
    # unknown naming the list and the error (it has a setting ARM would not show us).
    from support.azure_testing import ROOT, az_cli_env

    estate = Estate.from_documents([_account("oai-a"), _account("oai-b"), _account("oai-c"),
                                    _audit_setting("oai-a"), _audit_setting("oai-b"), _audit_setting("oai-c")])
    with ArmEmulator(estate) as arm:
        arm.fail(r"/accounts/oai-b/providers/Microsoft\.Insights/diagnosticSettings$", 403, times=None,
                 code="AuthorizationFailed")
        result = ccscan("scan", "--azure", "--arm-endpoint", arm.url,
                        "--policies", str(ROOT / "policies" / "azure" / "ai-platform.yaml"),
                        "--check", "CCS-AZ-AI-007", "--format", "json", env=az_cli_env(arm, tmp_path))
    assert result.exit_code == 3, result.stderr
    doc = result.json()
    got = {f["resource"]["name"]: f for f in doc["findings"]}
    assert {n: f["status"] for n, f in got.items()} == {"oai-a": "pass", "oai-b": "unknown", "oai-c": "pass"}
    message = got["oai-b"]["message"]
    assert "accounts/oai-b/providers/Microsoft.Insights/diagnosticSettings could not be read" in message
    assert "403" in message
    assert [i["scope"] for i in doc["incomplete"]] == [
        f"azure {SUB}/Microsoft.CognitiveServices/accounts/oai-b/providers/Microsoft.Insights/diagnosticSettings"]
