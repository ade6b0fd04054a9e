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
    assert [i.scope.rsplit(" ", 1)[1] for i in collector.incomplete] == ["Microsoft.Insights/diagnosticSettings"]
    assert "403" in collector.incomplete[0].reason
