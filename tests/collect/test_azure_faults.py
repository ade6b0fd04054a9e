"""
Azure collector fault handling against the ARM emulator: throttling and transient errors are
retried by azure-core's RetryPolicy; denied, unregistered and timed-out scopes become
incomplete scopes while everything else is still collected; sign-in failures are one line.
"""

from __future__ import annotations

import logging

import pytest

pytest.importorskip("azure.mgmt.compute")
pytest.importorskip("trustme")

from support.arm_emulator import TOKEN, ArmEmulator, Estate
from support.azure_testing import StaticCredential
from support.azure_testing import collect as collect_all

from scanner.collect.azure_auth import AzureAuthError
from scanner.errors import CcscanError

TYPES = {
    "Microsoft.Compute/virtualMachines": 5,
    "Microsoft.Compute/disks": 3,
    "Microsoft.Storage/storageAccounts": 2,
    "Microsoft.Web/sites": 2,
    "Microsoft.KeyVault/vaults": 1,
    "Microsoft.CognitiveServices/accounts": 2,
    "Microsoft.MachineLearningServices/workspaces": 1,
}
TOTAL = sum(TYPES.values())


def collect(arm: ArmEmulator, **kw):
    # The estate's own types: a child type (vaults/keys) would list the vaults again and
    # double every count below; child listing faults have tests of their own.
    kw.setdefault("types", {t.lower() for t in TYPES})
    return collect_all(arm, **kw)


@pytest.fixture
def arm():
    with ArmEmulator(Estate.generate(2, TYPES), page_size=2) as emulator:
        yield emulator


def subs(arm: ArmEmulator) -> list[str]:
    return sorted(arm.estate.subscriptions)


@pytest.mark.parametrize(
    "status, code",
    [(429, "TooManyRequests"), (500, "InternalServerError"), (503, "ServiceUnavailable")],
)
def test_throttling_and_transient_errors_are_retried(arm, status, code):
    arm.fail(r"/Microsoft\.Compute/virtualMachines$", status, times=2, code=code, retry_after=0)
    # Retry-After: 1 on one list proves the header is read (azure-core sleeps, then retries).
    arm.fail(
        r"/Microsoft\.Web/sites$", status, times=1, code=code, retry_after=1 if status == 429 else 0
    )
    resources, collector = collect(arm)
    assert collector.incomplete == []
    assert len(resources) == 2 * TOTAL
    # 3 pages of VMs in each of 2 subscriptions, plus the 2 refused attempts
    assert arm.count(r"/virtualMachines$") == 2 * 3 + 2
    assert arm.count(r"/sites$") == 2 + 1


def test_retries_give_up_and_report_after_retry_total(arm):
    arm.fail(
        r"/Microsoft\.KeyVault/vaults$", 429, times=None, code="TooManyRequests", retry_after=0
    )
    resources, collector = collect(arm, retry_total=2)
    assert len(resources) == 2 * (TOTAL - 1)
    assert arm.count(r"/vaults$") == 2 * 3
    assert len(collector.incomplete) == 2
    assert all(
        "HTTP 429" in i.reason and i.scope.endswith("Microsoft.KeyVault/vaults")
        for i in collector.incomplete
    )


def test_forbidden_subscription_is_incomplete_and_the_other_is_whole(arm, caplog):
    caplog.set_level(logging.DEBUG)
    denied, allowed = subs(arm)
    arm.fail(f"/subscriptions/{denied}/", 403, times=None, code="AuthorizationFailed")
    resources, collector = collect(arm)
    assert {r.account for r in resources} == {allowed}
    assert len(resources) == TOTAL
    assert len(collector.incomplete) == len(TYPES)
    assert all(i.scope.startswith(f"azure subscription {denied} ") for i in collector.incomplete)
    assert all(
        i.reason.startswith("HTTP 403 AuthorizationFailed: permission denied")
        for i in collector.incomplete
    )
    assert arm.count(f"/subscriptions/{denied}/") == len(TYPES)  # a 403 is not retried
    text = caplog.text + repr(collector.incomplete)
    assert TOKEN not in text


def test_one_forbidden_type_loses_nothing_else(arm):
    arm.fail(r"/Microsoft\.Storage/storageAccounts$", 403, times=None, code="AuthorizationFailed")
    resources, collector = collect(arm)
    assert len(resources) == 2 * (TOTAL - TYPES["Microsoft.Storage/storageAccounts"])
    assert sorted(i.scope for i in collector.incomplete) == sorted(
        f"azure subscription {s} Microsoft.Storage/storageAccounts" for s in subs(arm)
    )


@pytest.mark.parametrize(
    "status, code", [(409, "MissingSubscriptionRegistration"), (400, "NoRegisteredProviderFound")]
)
def test_unregistered_provider_is_reported_and_never_registered(arm, status, code):
    arm.fail(r"Microsoft\.MachineLearningServices/workspaces$", status, times=None, code=code)
    resources, collector = collect(arm)
    assert len(resources) == 2 * (TOTAL - 1)
    assert len(collector.incomplete) == 2
    assert all(f"HTTP {status} {code}" in i.reason for i in collector.incomplete)
    if status == 409:
        assert all("not registered" in i.reason for i in collector.incomplete)
    # azure-mgmt-core's auto-registration policy would POST .../register: a write.
    assert arm.count("", method="POST") == 0
    assert arm.count("register") == 0


def test_slow_response_times_out_into_an_incomplete_scope(arm):
    first = subs(arm)[0]
    arm.fail(
        f"/subscriptions/{first}/providers/Microsoft\\.Compute/disks$", 0, times=None, delay=1.0
    )
    resources, collector = collect(arm, timeout=0.2, retry_total=1)
    assert len(resources) == 2 * TOTAL - TYPES["Microsoft.Compute/disks"]
    [incomplete] = collector.incomplete
    assert incomplete.scope == f"azure subscription {first} Microsoft.Compute/disks"
    assert incomplete.reason.startswith("no response from ARM")
    assert arm.count(f"/subscriptions/{first}/providers/Microsoft.Compute/disks$") == 2


def test_a_failing_later_page_keeps_the_earlier_pages(arm):
    first = subs(arm)[0]
    arm.fail(
        f"/subscriptions/{first}/providers/Microsoft\\.Compute/virtualMachines$",
        500,
        times=None,
        query=r"skiptoken=4",
    )
    resources, collector = collect(arm, retry_total=1)
    vms = [
        r for r in resources if r.account == first and r.type == "Microsoft.Compute/virtualMachines"
    ]
    assert len(vms) == 4  # pages 1 and 2 of 3
    assert len(resources) == 2 * TOTAL - 1
    [incomplete] = collector.incomplete
    assert incomplete.reason.startswith("HTTP 500")


def test_a_site_whose_config_is_denied_is_still_scanned(arm):
    arm.fail(r"/sites/sites-00001/config/web$", 403, times=None, code="AuthorizationFailed")
    resources, collector = collect(arm, types={"microsoft.web/sites"})
    sites = {(r.account, r.name): r.doc for r in resources}
    assert len(sites) == 4
    assert all(
        "siteConfig" not in d["properties"]
        for (_, name), d in sites.items()
        if name == "sites-00001"
    )
    assert all(
        d["properties"]["siteConfig"]["minTlsVersion"] == "1.2"
        for (_, name), d in sites.items()
        if name == "sites-00000"
    )
    assert len(collector.incomplete) == 2
    assert all(i.scope.endswith("/sites/sites-00001/config/web") for i in collector.incomplete)


def test_subscription_listing_denied_is_incomplete(arm):
    arm.fail(r"^/subscriptions$", 403, times=None, code="AuthorizationFailed")
    resources, collector = collect(arm)
    assert resources == []
    assert [i.scope for i in collector.incomplete] == ["azure subscriptions"]


class _Refusing:
    def get_token(self, *scopes, **kwargs):
        from azure.core.exceptions import ClientAuthenticationError

        raise ClientAuthenticationError(
            "DefaultAzureCredential failed.\nAttempted credentials:\n"
            "\tEnvironmentCredential: missing AZURE_CLIENT_ID\n"
        )


def test_no_credential_is_one_line_exit_2_and_no_request(arm):
    with pytest.raises(AzureAuthError) as info:
        collect(arm, credential=_Refusing())
    message = info.value.diagnostics()
    assert isinstance(info.value, CcscanError) and info.value.exit_code == 2
    assert "\n" not in message
    assert "Azure sign-in failed" in message and "az login" in message
    assert arm.requests == []


def test_default_chain_names_the_credential_it_tried(arm, monkeypatch, tmp_path):
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "AzureCliCredential")
    monkeypatch.setenv("PATH", str(tmp_path))  # no `az` anywhere
    from support.azure_testing import settings_for

    from scanner.collect.azure import AzureCollector

    collector = AzureCollector(settings_for(arm))
    with pytest.raises(AzureAuthError) as info:
        list(collector.collect())
    message = info.value.diagnostics()
    assert "AzureCliCredential (Azure CLI not found on path)" in message
    assert "AZURE_TOKEN_CREDENTIALS=AzureCliCredential" in message
    assert "\n" not in message


def test_a_rejected_token_stops_at_the_subscription_list(arm):
    with pytest.raises(AzureAuthError, match="rejected the token"):
        collect(arm, credential=StaticCredential("not-the-token"))
    assert arm.count(r"/providers/") == 0


def test_a_failed_parent_list_makes_its_children_incomplete_too(arm):
    arm.fail(r"/providers/Microsoft\.KeyVault/vaults$", 403, times=None, code="AuthorizationFailed")
    types = {"microsoft.keyvault/vaults", "microsoft.keyvault/vaults/keys"}
    resources, collector = collect(arm, types=types)
    assert resources == []
    assert sorted(i.scope.rsplit(" ", 1)[1] for i in collector.incomplete) == [
        "Microsoft.KeyVault/vaults", "Microsoft.KeyVault/vaults",
        "Microsoft.KeyVault/vaults/keys", "Microsoft.KeyVault/vaults/keys"]


def test_a_forbidden_child_list_loses_only_the_children():
    estate = Estate.generate(1, {"Microsoft.KeyVault/vaults": 2, "Microsoft.KeyVault/vaults/keys": 4})
    with ArmEmulator(estate) as arm:
        arm.fail(r"/vaults/[^/]+/keys$", 403, times=None, code="AuthorizationFailed")
        resources, collector = collect(arm, types={"microsoft.keyvault/vaults",
                                                   "microsoft.keyvault/vaults/keys"})
    assert sorted(r.type_key for r in resources) == ["microsoft.keyvault/vaults"] * 2
    # each vault whose key list failed is its own incomplete scope (the other vaults are listed)
    assert [i.scope.split("/providers/", 1)[1] for i in collector.incomplete] == [
        "Microsoft.KeyVault/vaults/vaults-00000/keys", "Microsoft.KeyVault/vaults/vaults-00001/keys"]
    assert all("403" in i.reason for i in collector.incomplete)
