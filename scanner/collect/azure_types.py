"""
The Azure resource types ccscan collects: which SDK lists each, at which API version.

One table, read by the collector: a list call per subscription (or resource group) and type,
following `nextLink`, so the number of requests grows with pages, not resources. App
Service's `siteConfig` needs a call per resource, because list responses leave it empty; child
and extension types (vault keys, diagnostic settings) need one list per parent.
API versions are pinned, so the document shape does not change with an SDK upgrade; they are
recorded in the snapshot header.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from scanner.collect.azure_clients import ClientFactory, raw_pages, rest_dict

Pager = Callable[[Any, str | None, str], Any]
"""(client, resource group or None, api version) -> the SDK's ItemPaged."""


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """
    How to list one resource type.
    """

    type: str
    """The ARM type as ARM spells it."""
    api_version: str
    sdk: str = "resources"
    """Client name in `azure_clients.SDKS`."""
    pager: Pager | None = None
    """SDK list call; None: read the provider's list endpoint with `raw_pages`."""
    site_config: bool = False
    """Attach `properties.siteConfig` from `.../config/web` (App Service)."""
    client_version: bool = False
    """The SDK takes the API version per client (web, storage, key vault), not per call."""
    parent: str | None = None
    """For a child type (`vaults/keys`): the parent type, listed first; then one list per parent."""
    parent_api_version: str = ""
    child_path: str | None = None
    """For a child type: the path under each parent id (default: the type's last segment);
    `providers/Microsoft.Insights/diagnosticSettings` for an extension resource."""

    def client(self, factory: ClientFactory, sub: str) -> Any:
        """Return the SDK client that lists this type in a subscription."""
        return factory.get(self.sdk, sub, self.api_version if self.client_version else None)

    def pages(self, factory: ClientFactory, sub: str, rg: str | None,
              skip: Callable[[str, Exception], None] | None = None) -> Iterator[list[dict]]:
        """
        Yield each page of resources in a subscription (or one resource group) as REST JSON.

        Raises azure-core errors (HttpResponseError, ServiceRequestError, ...) unchanged; with
        `skip`, an HTTP error on one parent's child list goes to `skip(<parent id>/<child path>,
        error)` and the other parents are still listed.
        """
        from azure.core.exceptions import HttpResponseError  # deferred: lint reads this table

        client = self.client(factory, sub)
        scope = f"/subscriptions/{sub}" + (f"/resourceGroups/{rg}" if rg else "")
        if self.parent is not None:
            # ARM has no subscription-wide list of child resources: list the parents, then
            # each parent's children (requests grow with parents, as config/web with sites).
            child = self.child_path or self.type.rsplit("/", 1)[1]
            for parents in raw_pages(client, f"{scope}/providers/{self.parent}", self.parent_api_version):
                for parent in parents:
                    parent_id = str(parent.get("id", "")) if isinstance(parent, dict) else ""
                    if not parent_id.startswith("/subscriptions/"):
                        raise ValueError(f"{self.parent} list returned an entry without an ARM id")
                    try:
                        yield from raw_pages(client, f"{parent_id}/{child}", self.api_version)
                    except HttpResponseError as e:
                        # A 403 on one account's diagnostic settings must not lose the other
                        # accounts' settings, nor look like an account that has none.
                        if skip is None:
                            raise
                        skip(f"{parent_id}/{child}", e)
            return
        if self.pager is None:
            yield from raw_pages(client, f"{scope}/providers/{self.type}", self.api_version)
            return
        for page in self.pager(client, rg, self.api_version).by_page():
            yield [rest_dict(model) for model in page]


SPECS: tuple[TypeSpec, ...] = (
    # The hot types are read as raw pages through their SDK client's pipeline (auth, retries,
    # timeouts): the SDKs' models wrap the very same JSON (`rest_dict` gives it back unchanged),
    # so deserialising them only costs time (bench/collect.py). The providers' own lists:
    # VMs `list_all`, disks `list`, storage `list`, sites `list`, key vaults
    # `list_by_subscription` (not the generic `vaults.list()`, which returns no properties).
    TypeSpec("Microsoft.Compute/virtualMachines", "2024-07-01", "compute"),
    TypeSpec("Microsoft.Compute/disks", "2024-03-02", "compute"),
    TypeSpec("Microsoft.Storage/storageAccounts", "2023-05-01", "storage", client_version=True),
    TypeSpec("Microsoft.Web/sites", "2023-12-01", "web", site_config=True, client_version=True),
    TypeSpec("Microsoft.KeyVault/vaults", "2023-07-01", "keyvault", client_version=True),
    # azure-mgmt-cognitiveservices 14 has msrest models that drop properties they do not
    # know; the provider's list endpoint is read as-is instead (private endpoint connections
    # are part of each account's properties).
    TypeSpec("Microsoft.CognitiveServices/accounts", "2024-10-01"),
    # No current SDK is a dependency for Machine Learning; same generic list.
    TypeSpec("Microsoft.MachineLearningServices/workspaces", "2024-10-01"),
    # The types below are read as raw REST JSON from their providers' list endpoints: the same
    # shape the file loaders see, without an SDK (or its model deserialisation) per type.
    TypeSpec("Microsoft.Compute/virtualMachineScaleSets", "2024-07-01"),
    TypeSpec("Microsoft.Compute/diskEncryptionSets", "2024-03-02"),
    TypeSpec("Microsoft.KeyVault/managedHSMs", "2023-07-01"),
    # Management-plane key documents (attributes, kty, release_policy; never key material):
    # `Microsoft.KeyVault/vaults/keys/read`, part of Reader.
    TypeSpec("Microsoft.KeyVault/vaults/keys", "2023-07-01",
             parent="Microsoft.KeyVault/vaults", parent_api_version="2023-07-01"),
    # Managed HSM keys (a confidential disk chain's key): `Microsoft.KeyVault/managedHSMs/keys/read`.
    TypeSpec("Microsoft.KeyVault/managedHSMs/keys", "2023-07-01",
             parent="Microsoft.KeyVault/managedHSMs", parent_api_version="2023-07-01"),
    TypeSpec("Microsoft.ContainerService/managedClusters", "2024-09-01"),
    TypeSpec("Microsoft.ContainerInstance/containerGroups", "2023-05-01"),
    TypeSpec("Microsoft.CognitiveServices/accounts/deployments", "2024-10-01",
             parent="Microsoft.CognitiveServices/accounts", parent_api_version="2024-10-01"),
    TypeSpec("Microsoft.Search/searchServices", "2023-11-01"),
    # Diagnostic settings are extension resources (`{account id}/providers/Microsoft.Insights/
    # diagnosticSettings/{name}`), listed per resource: only the AI accounts' are read
    # (`Microsoft.Insights/diagnosticSettings/read`, part of Reader).
    TypeSpec("Microsoft.Insights/diagnosticSettings", "2021-05-01-preview",
             parent="Microsoft.CognitiveServices/accounts", parent_api_version="2024-10-01",
             child_path="providers/Microsoft.Insights/diagnosticSettings"),
    # The model-transit chain (all `*/read` actions of Reader): a caller's VNet (subnets inline),
    # the private endpoints to AI accounts with each endpoint's DNS zone groups (one list per
    # endpoint), private DNS zones (global, so listed per subscription) with each zone's virtual
    # network links, and role assignments (`Microsoft.Authorization/roleAssignments/read`; the
    # subscription list includes assignments scoped to resources in it).
    TypeSpec("Microsoft.Network/virtualNetworks", "2024-05-01"),
    TypeSpec("Microsoft.Network/privateEndpoints", "2024-05-01"),
    TypeSpec("Microsoft.Network/privateEndpoints/privateDnsZoneGroups", "2024-05-01",
             parent="Microsoft.Network/privateEndpoints", parent_api_version="2024-05-01"),
    TypeSpec("Microsoft.Network/privateDnsZones", "2024-06-01"),
    TypeSpec("Microsoft.Network/privateDnsZones/virtualNetworkLinks", "2024-06-01",
             parent="Microsoft.Network/privateDnsZones", parent_api_version="2024-06-01"),
    TypeSpec("Microsoft.Authorization/roleAssignments", "2022-04-01"),
    # Container Apps as model callers (CCS-AZ-TRANSIT-004..006): the apps (identity, environment
    # id) and their managed environments (the VNet is the environment's, not the app's). Both
    # lists are `Microsoft.App/*/read` (Reader); secrets need `listSecrets`, never called.
    TypeSpec("Microsoft.App/containerApps", "2025-01-01"),
    TypeSpec("Microsoft.App/managedEnvironments", "2025-01-01"),
)
"""Every type the collector can read, in collection order."""

SUBSCRIPTIONS_API_VERSION = "2022-12-01"
BY_TYPE: dict[str, TypeSpec] = {spec.type.lower(): spec for spec in SPECS}


def select(types: set[str] | None) -> tuple[list[TypeSpec], list[str]]:
    """
    Return the specs for the wanted lower-cased types (None: all) and the wanted types no
    spec covers, sorted.
    """
    if types is None:
        return list(SPECS), []
    wanted = {t.lower() for t in types}
    specs = [spec for spec in SPECS if spec.type.lower() in wanted]
    return specs, sorted(wanted - BY_TYPE.keys())


def site_config(factory: ClientFactory, spec: TypeSpec, sub: str, site_id: str) -> dict[str, Any]:
    """
    Return the `properties` of a site's `config/web` resource (minTlsVersion, ftpsState, ...).

    A GET of `config/web` is `Microsoft.Web/sites/config/read` (part of Reader); it does not
    return app settings or connection strings, which need `config/list/action`.
    """
    parts = site_id.split("/")
    # /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{name}
    rg, name = parts[4], parts[8]
    config = spec.client(factory, sub).web_apps.get_configuration(rg, name)
    return dict(rest_dict(config).get("properties") or {})


def list_subscriptions(factory: ClientFactory) -> list[dict[str, Any]]:
    """
    Return every subscription the identity can read (`subscriptionId`, `displayName`, `state`).
    """
    client = factory.get("subscriptions", "", SUBSCRIPTIONS_API_VERSION)
    subs: list[dict[str, Any]] = []
    for page in client.subscriptions.list().by_page():
        subs.extend(rest_dict(s) for s in page)
    return subs
