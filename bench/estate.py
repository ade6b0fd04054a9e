"""
The synthetic Azure estate: one builder per resource type the built-in Azure packs check.

Each builder takes the seeded `random.Random` and the resource's index and returns one
canonical ARM document (`provider: azure`, `account` = subscription id), ~1-2 KB, shaped
like the documents under `fixtures/azure/` and mixing compliant, non-compliant and
incomplete values (absent fields, `siteConfig` missing from site list responses, VM stubs
without a hardware profile, lower-cased Resource Graph types, lower-case enum values).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

TENANT = "00000000-0000-0000-0000-0000000000aa"
SUBSCRIPTIONS = tuple(f"00000000-0000-0000-0000-0000000001{i:02x}" for i in range(16))
REGIONS = ("westeurope", "northeurope", "eastus2", "westus3", "uksouth", "swedencentral")
WORKLOADS = ("llm-inference", "rag", "training", "embeddings", "chat", "eval", "batch", "etl")
ENVS = ("prod", "staging", "dev", "test")
CREATED = "2025-09-01T10:00:00.0000000Z"
DES = "Microsoft.Compute/diskEncryptionSets"
PE = "Microsoft.Network/privateEndpoints"

# (type, weight): roughly the mix of an AI estate; VMs and disks dominate.
MIX: tuple[tuple[str, int], ...] = (
    ("Microsoft.Compute/virtualMachines", 30), ("Microsoft.Compute/disks", 20),
    ("Microsoft.Web/sites", 15), ("Microsoft.Storage/storageAccounts", 12),
    ("Microsoft.CognitiveServices/accounts", 10), ("Microsoft.KeyVault/vaults", 8),
    ("Microsoft.MachineLearningServices/workspaces", 5),
    ("Microsoft.Compute/virtualMachineScaleSets", 4), ("Microsoft.Compute/diskEncryptionSets", 2),
    ("Microsoft.KeyVault/managedHSMs", 1), ("Microsoft.KeyVault/vaults/keys", 2),
    ("Microsoft.ContainerService/managedClusters", 2),
    ("Microsoft.ContainerInstance/containerGroups", 2),
    ("Microsoft.CognitiveServices/accounts/deployments", 3), ("Microsoft.Search/searchServices", 2),
    # The model-transit chain: role assignments of site identities on AI accounts, the accounts'
    # private endpoints with their DNS zone groups, private DNS zones and their VNet links.
    ("Microsoft.Authorization/roleAssignments", 4), ("Microsoft.Network/privateEndpoints", 3),
    ("Microsoft.Network/privateEndpoints/privateDnsZoneGroups", 3),
    ("Microsoft.Network/privateDnsZones", 1), ("Microsoft.Network/privateDnsZones/virtualNetworkLinks", 2),
)

RECENT = 256
"""How many recent sites, accounts, endpoints and zones later resources may refer to."""


class _Recent:
    """
    The last RECENT resources of each referenced kind, so that chain links name resources
    the estate holds (mostly: a few refer to ones it does not). Bounded: memory stays flat.
    """

    def __init__(self) -> None:
        self.sites: deque[tuple[str, str]] = deque(maxlen=RECENT)  # (principal id, vnet id)
        self.accounts: deque[str] = deque(maxlen=RECENT)
        self.calls: deque[tuple[str, str]] = deque(maxlen=RECENT)  # (account, caller's vnet)
        self.endpoints: deque[tuple[str, str]] = deque(maxlen=RECENT)  # (endpoint, vnet to reach)
        self.zones: deque[str] = deque(maxlen=RECENT)
        self.zone_vnets: deque[tuple[str, str]] = deque(maxlen=RECENT)  # (zone, vnet to link)


_recent = _Recent()


def _one(rng: random.Random, items: deque[Any], fallback: Any) -> Any:
    return items[rng.randrange(len(items))] if items else fallback


def _pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    total = sum(w for _, w in weighted)
    x = rng.randrange(total)
    for value, w in weighted:
        x -= w
        if x < 0:
            return value
    raise AssertionError("unreachable")


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _identity(rng: random.Random) -> dict[str, str]:
    return {"type": "SystemAssigned", "principalId": _uuid(rng), "tenantId": TENANT}


class _Ctx:
    """Identity of one resource: subscription, group, name, region, tags."""

    def __init__(self, rng: random.Random, i: int, rtype: str, prefix: str) -> None:
        self.sub = SUBSCRIPTIONS[rng.randrange(len(SUBSCRIPTIONS))]
        self.workload = WORKLOADS[rng.randrange(len(WORKLOADS))]
        self.env = ENVS[rng.randrange(len(ENVS))]
        self.rg = f"rg-{self.workload}-{self.env}"
        self.name = f"{prefix}-{self.workload}-{i:07d}"
        self.region = REGIONS[rng.randrange(len(REGIONS))]
        # Resource Graph answers carry lower-cased types.
        self.type = rtype.lower() if rng.random() < 0.05 else rtype
        self.id = self.arm(f"{rtype}/{self.name}")

    def arm(self, rid: str) -> str:
        return f"/subscriptions/{self.sub}/resourceGroups/{self.rg}/providers/{rid}"

    def envelope(self, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": self.id, "name": self.name, "type": self.type, "location": self.region,
            "provider": "azure", "account": self.sub,
            "tags": {"workload": self.workload, "env": self.env, "owner": "platform-ai",
                     "costCenter": f"cc-{1000 + WORKLOADS.index(self.workload)}"},
        }
        doc.update(extra)
        doc["properties"] = properties
        return doc


def _put(rng: random.Random, d: dict[str, Any], key: str, value: Any, p_absent: float) -> None:
    """Set `d[key] = value`, except with probability `p_absent` (then the field is absent)."""
    if rng.random() >= p_absent:
        d[key] = value


CONFIDENTIAL_SIZES = ("Standard_DC4as_v5", "Standard_DC8ads_v5", "Standard_EC16as_v5",
                      "Standard_DC16es_v5", "Standard_EC32eds_v5", "Standard_NCC40ads_H100_v5")
ORDINARY_SIZES = ("Standard_D4s_v5", "Standard_E8s_v5", "Standard_D16as_v5", "Standard_DC4s_v3",
                  "Standard_NC24ads_A100_v4", "Standard_B2ms")


def virtual_machine(rng: random.Random, i: int) -> dict[str, Any]:
    """A VM: confidential (some with weaker disk encryption), Trusted Launch, Standard, stub."""
    c = _Ctx(rng, i, "Microsoft.Compute/virtualMachines", "vm")
    kind = _pick(rng, (("cvm", 40), ("tl", 30), ("std", 25), ("stub", 5)))
    confidential = kind == "cvm"
    size = (CONFIDENTIAL_SIZES if confidential else ORDINARY_SIZES)[rng.randrange(6)]
    managed: dict[str, Any] = {"storageAccountType": "Premium_LRS",
                               "id": c.arm(f"Microsoft.Compute/disks/{c.name}_OsDisk_1")}
    if confidential:
        sec: dict[str, Any] = {"securityEncryptionType": _pick(rng, (
            ("DiskWithVMGuestState", 70), ("VMGuestStateOnly", 20), ("NonPersistedTPM", 5),
            ("diskwithvmgueststate", 5)))}
        if rng.random() < 0.6:
            sec["diskEncryptionSet"] = {"id": c.arm(f"{DES}/des-{c.env}")}
        if rng.random() < 0.95:
            managed["securityProfile"] = sec
    os_disk = {
        "osType": "Linux", "name": f"{c.name}_OsDisk_1", "createOption": "FromImage",
        "caching": "ReadWrite", "managedDisk": managed, "deleteOption": "Delete", "diskSizeGB": 30,
    }
    storage: dict[str, Any] = {
        "imageReference": {
            "publisher": "Canonical",
            "offer": f"0001-com-ubuntu-{'confidential-vm' if confidential else 'server'}-jammy",
            "sku": "22_04-lts-cvm" if confidential else "22_04-lts-gen2",
            "version": "latest", "exactVersion": "22.04.202410020",
        },
        "dataDisks": [], "diskControllerType": "SCSI",
    }
    if not (confidential and rng.random() < 0.03):  # a few documents lack the OS disk
        storage["osDisk"] = os_disk
    props: dict[str, Any] = {"vmId": _uuid(rng)}
    if kind != "stub":
        props["hardwareProfile"] = {"vmSize": size}
    props["storageProfile"] = storage
    props["osProfile"] = {
        "computerName": c.name[:15], "adminUsername": "azureuser",
        "linuxConfiguration": {"disablePasswordAuthentication": True, "provisionVMAgent": True,
                               "patchSettings": {"patchMode": "ImageDefault"}},
        "secrets": [], "allowExtensionOperations": True,
    }
    props["networkProfile"] = {"networkInterfaces": [
        {"id": c.arm(f"Microsoft.Network/networkInterfaces/{c.name}-nic")}]}
    props["diagnosticsProfile"] = {"bootDiagnostics": {"enabled": True}}
    props["provisioningState"] = "Succeeded"
    day = f"2026-0{rng.randrange(1, 10)}-1{rng.randrange(10)}"
    props["timeCreated"] = f"{day}T09:14:11.5238164+00:00"
    if kind in ("cvm", "tl"):
        uefi = {"secureBootEnabled": rng.random() < 0.85, "vTpmEnabled": rng.random() < 0.95}
        stype = "ConfidentialVM" if confidential else "TrustedLaunch"
        props["securityProfile"] = {"uefiSettings": uefi, "securityType": stype}
    elif kind == "std" and rng.random() < 0.3:
        props["securityProfile"] = {"securityType": "Standard"}  # API 2025-11-01 and later
    return c.envelope(props, zones=[str(rng.randrange(1, 4))])


DISK_TYPES = (
    ("ConfidentialVM_DiskEncryptedWithCustomerKey", 25),
    ("ConfidentialVM_DiskEncryptedWithPlatformKey", 20),
    ("ConfidentialVM_VMGuestStateOnlyEncryptedWithPlatformKey", 10),
    ("ConfidentialVM_NonPersistedTPM", 5), ("TrustedLaunch", 20), ("Standard", 5), (None, 15),
)


def disk(rng: random.Random, i: int) -> dict[str, Any]:
    """A managed disk: OS disks (osType set) of every security type, and data disks."""
    c = _Ctx(rng, i, "Microsoft.Compute/disks", "disk")
    stype = _pick(rng, DISK_TYPES)
    os_disk = rng.random() < 0.65
    props: dict[str, Any] = {
        "hyperVGeneration": "V2", "supportsHibernation": False,
        "supportedCapabilities": {"diskControllerTypes": "SCSI, NVMe", "architecture": "x64"},
        "creationData": {"createOption": "FromImage" if os_disk else "Empty"},
        "diskSizeGB": 30 if os_disk else 256, "diskIOPSReadWrite": 120, "diskMBpsReadWrite": 25,
        "encryption": {"type": "EncryptionAtRestWithPlatformKey"},
        "networkAccessPolicy": "AllowAll", "publicNetworkAccess": "Enabled",
        "timeCreated": "2026-03-02T09:14:20.1841243+00:00", "provisioningState": "Succeeded",
        "diskState": "Attached", "uniqueId": _uuid(rng),
    }
    if os_disk:
        props["creationData"]["imageReference"] = {"id": (
            f"/Subscriptions/{c.sub}/Providers/Microsoft.Compute/Locations/{c.region}/Publishers/"
            "canonical/ArtifactTypes/VMImage/Offers/0001-com-ubuntu-confidential-vm-jammy/"
            "Skus/22_04-lts-cvm/Versions/22.04.202410020")}
        props["osType"] = "Linux" if rng.random() < 0.9 else "Windows"
    if stype is not None:
        sec: dict[str, Any] = {"securityType": stype}
        if stype.endswith("CustomerKey"):
            sec["secureVMDiskEncryptionSetId"] = c.arm(f"{DES}/des-{c.env}")
        props["securityProfile"] = sec
    return c.envelope(props, managedBy=c.arm(f"Microsoft.Compute/virtualMachines/vm-{c.workload}"),
                      sku={"name": "Premium_LRS", "tier": "Premium"}, zones=["1"])


PE_STATUSES = (
    ("Approved", 60), ("Pending", 20), ("Rejected", 10), ("Disconnected", 5), ("approved", 5))


def cognitive_account(rng: random.Random, i: int) -> dict[str, Any]:
    """A Cognitive Services / Azure OpenAI / AI Services account, open or closed."""
    c = _Ctx(rng, i, "Microsoft.CognitiveServices/accounts", "oai")
    kind = _pick(rng, (("OpenAI", 60), ("AIServices", 30), ("CognitiveServices", 10)))
    connections = []
    for n in range(_pick(rng, ((0, 40), (1, 45), (2, 10), (3, 5)))):
        state: dict[str, Any] = {"status": _pick(rng, PE_STATUSES), "description": "Auto-Approved",
                                 "actionsRequired": "None"}
        connections.append({
            "id": f"{c.id}/privateEndpointConnections/pe-{c.name}.{n}",
            "name": f"pe-{c.name}.{n}",
            "type": "Microsoft.CognitiveServices/accounts/privateEndpointConnections",
            "properties": {
                "provisioningState": "Succeeded", "groupIds": ["account"],
                "privateEndpoint": {"id": c.arm(f"{PE}/pe-{c.name}-{n}")},
                "privateLinkServiceConnectionState": state,
            },
        })
    props: dict[str, Any] = {
        "endpoint": f"https://{c.name}.openai.azure.com/",
        "internalId": f"{rng.getrandbits(128):032x}",
        "dateCreated": "2025-06-11T08:02:17.5130000Z",
        "customSubDomainName": c.name,
    }
    _put(rng, props, "networkAcls", {
        "defaultAction": _pick(rng, (("Allow", 55), ("Deny", 45))),
        "virtualNetworkRules": [], "ipRules": []}, 0.1)
    _put(rng, props, "privateEndpointConnections", connections, 0.1)
    _put(rng, props, "publicNetworkAccess", _pick(rng, (("Enabled", 60), ("Disabled", 40))), 0.1)
    props["isMigrated"] = False
    props["provisioningState"] = "Succeeded"
    _put(rng, props, "disableLocalAuth", _pick(rng, ((True, 50), (False, 48), ("true", 2))), 0.15)
    _put(rng, props, "encryption", {"keySource": _pick(rng, (
        ("Microsoft.KeyVault", 40), ("Microsoft.CognitiveServices", 60)))}, 0.3)
    _put(rng, props, "restrictOutboundNetworkAccess", rng.random() < 0.5, 0.3)
    _recent.accounts.append(c.id)
    return c.envelope(props, etag=f'"{_uuid(rng)}"', sku={"name": "S0"}, kind=kind,
                      identity=_identity(rng))


def web_site(rng: random.Random, i: int) -> dict[str, Any]:
    """An App Service app: with its site config (web config endpoint) or without (list response)."""
    c = _Ctx(rng, i, "Microsoft.Web/sites", "app")
    host = f"{c.name}.azurewebsites.net"
    props: dict[str, Any] = {
        "name": c.name, "state": "Running", "hostNames": [host], "enabled": True,
        "enabledHostNames": [host, f"{c.name}.scm.azurewebsites.net"],
        "serverFarmId": c.arm(f"Microsoft.Web/serverfarms/asp-{c.workload}"),
        "reserved": True, "clientCertEnabled": False, "publicNetworkAccess": "Enabled",
        "defaultHostName": host, "outboundIpAddresses": "198.51.100.10,198.51.100.11",
        "lastModifiedTimeUtc": "2026-03-10T12:00:41.2266667",
    }
    _put(rng, props, "httpsOnly", rng.random() < 0.7, 0.1)
    if rng.random() < 0.6:
        props["siteConfig"] = {
            "numberOfWorkers": 1, "linuxFxVersion": "PYTHON|3.12", "alwaysOn": True,
            "http20Enabled": True,
            "minTlsVersion": _pick(rng, (
                ("1.2", 55), ("1.3", 15), ("1.1", 10), ("1.0", 10), (None, 10))),
            "scmMinTlsVersion": "1.2",
            "ftpsState": _pick(rng, (
                ("Disabled", 40), ("FtpsOnly", 30), ("AllAllowed", 20), (None, 10))),
            "remoteDebuggingEnabled": False,
        }
    vnet = c.arm(f"Microsoft.Network/virtualNetworks/vnet-{c.workload}-{c.env}").replace(
        f"/resourceGroups/{c.rg}/", f"/resourceGroups/rg-net-{c.env}/")
    if rng.random() < 0.6:  # VNet-integrated, mostly with route-all
        props["virtualNetworkSubnetId"] = f"{vnet}/subnets/snet-apps"
        if "siteConfig" in props:
            props["siteConfig"]["vnetRouteAllEnabled"] = rng.random() < 0.75
    kind = _pick(rng, (("app,linux", 50), ("app", 20), ("functionapp,linux", 30)))
    who = rng.random()
    if who < 0.7:
        identity: dict[str, Any] | None = _identity(rng)
    elif who < 0.8:
        uami = c.arm(f"Microsoft.ManagedIdentity/userAssignedIdentities/id-{c.name}")
        identity = {"type": "UserAssigned", "userAssignedIdentities": {
            uami: {"principalId": _uuid(rng), "clientId": _uuid(rng)}}}
    else:
        identity = None
    if identity is None:
        return c.envelope(props, kind=kind)
    principal = identity.get("principalId") or next(iter(identity["userAssignedIdentities"].values()))["principalId"]
    _recent.sites.append((principal, vnet))
    return c.envelope(props, kind=kind, identity=identity)


def storage_account(rng: random.Random, i: int) -> dict[str, Any]:
    """A storage account with secure transfer and minimum TLS settings of every kind."""
    c = _Ctx(rng, i, "Microsoft.Storage/storageAccounts", "st")
    short = f"st{c.env}{i:07d}"
    props: dict[str, Any] = {
        "keyCreationTime": {"key1": CREATED, "key2": CREATED},
        "allowCrossTenantReplication": False, "allowBlobPublicAccess": rng.random() < 0.2,
        "allowSharedKeyAccess": rng.random() < 0.4,
        "networkAcls": {"bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": [],
                        "defaultAction": _pick(rng, (("Deny", 60), ("Allow", 40)))},
    }
    _put(rng, props, "supportsHttpsTrafficOnly", rng.random() < 0.85, 0.05)
    props["encryption"] = {"requireInfrastructureEncryption": False,
                           "keySource": "Microsoft.Storage",
                           "services": {"file": {"keyType": "Account", "enabled": True},
                                        "blob": {"keyType": "Account", "enabled": True}}}
    props.update({
        "accessTier": "Hot", "provisioningState": "Succeeded",
        "creationTime": "2025-09-01T10:00:00.0000000Z",
        "primaryEndpoints": {"blob": f"https://{short}.blob.core.windows.net/",
                             "dfs": f"https://{short}.dfs.core.windows.net/"},
        "primaryLocation": c.region, "statusOfPrimary": "available",
    })
    _put(rng, props, "minimumTlsVersion", _pick(rng, (
        ("TLS1_2", 65), ("TLS1_3", 5), ("TLS1_1", 12), ("TLS1_0", 13), ("tls1_2", 5))), 0.08)
    return c.envelope(props, sku={"name": "Standard_ZRS", "tier": "Standard"}, kind="StorageV2")


def key_vault(rng: random.Random, i: int) -> dict[str, Any]:
    """A key vault; purge protection on, off, or never set (absent)."""
    c = _Ctx(rng, i, "Microsoft.KeyVault/vaults", "kv")
    props: dict[str, Any] = {
        "sku": {"family": "A", "name": _pick(rng, (("premium", 50), ("standard", 50)))},
        "tenantId": TENANT,
        "accessPolicies": [{"tenantId": TENANT, "objectId": _uuid(rng),
                            "permissions": {"keys": ["get", "wrapKey", "unwrapKey"]}}],
        "enabledForDeployment": False, "enabledForDiskEncryption": rng.random() < 0.5,
        "enabledForTemplateDeployment": False, "enableSoftDelete": True,
        "softDeleteRetentionInDays": 90, "enableRbacAuthorization": rng.random() < 0.7,
        "vaultUri": f"https://{c.name[:24]}.vault.azure.net/", "provisioningState": "Succeeded",
        "publicNetworkAccess": _pick(rng, (("Disabled", 50), ("Enabled", 50))),
        "networkAcls": {"bypass": "AzureServices", "defaultAction": "Deny", "ipRules": [],
                        "virtualNetworkRules": []},
    }
    _put(rng, props, "enablePurgeProtection", rng.random() < 0.75, 0.3)
    return c.envelope(props)


def ml_workspace(rng: random.Random, i: int) -> dict[str, Any]:
    """An Azure ML workspace / AI Foundry hub or project, public or private."""
    c = _Ctx(rng, i, "Microsoft.MachineLearningServices/workspaces", "mlw")
    props: dict[str, Any] = {
        "friendlyName": c.name, "workspaceId": _uuid(rng),
        "keyVault": c.arm(f"Microsoft.KeyVault/vaults/kv-{c.workload}"),
        "storageAccount": c.arm(f"Microsoft.Storage/storageAccounts/st{c.workload[:3]}{c.env}"),
        "applicationInsights": c.arm(f"Microsoft.insights/components/appi-{c.workload}"),
        "hbiWorkspace": rng.random() < 0.5, "v1LegacyMode": False,
        "discoveryUrl": f"https://{c.region}.api.azureml.ms/discovery",
        "provisioningState": "Succeeded",
    }
    _put(rng, props, "publicNetworkAccess", _pick(rng, (("Disabled", 55), ("Enabled", 45))), 0.1)
    kind = _pick(rng, (("Default", 60), ("Hub", 25), ("Project", 15)))
    _put(rng, props, "managedNetwork", {"isolationMode": _pick(rng, (
        ("AllowOnlyApprovedOutbound", 50), ("AllowInternetOutbound", 30), ("Disabled", 20)))}, 0.2)
    return c.envelope(props, kind=kind, sku={"name": "Basic", "tier": "Basic"},
                      identity=_identity(rng))


def scale_set(rng: random.Random, i: int) -> dict[str, Any]:
    """A uniform or flexible scale set: confidential or not, instance mix, or no profile."""
    c = _Ctx(rng, i, "Microsoft.Compute/virtualMachineScaleSets", "vmss")
    confidential = rng.random() < 0.55
    props: dict[str, Any] = {"orchestrationMode": _pick(rng, (("Uniform", 70), ("Flexible", 30))),
                             "provisioningState": "Succeeded", "uniqueId": _uuid(rng)}
    if rng.random() < 0.9:
        enc = _pick(rng, (("DiskWithVMGuestState", 70), ("VMGuestStateOnly", 30)))
        uefi = {"secureBootEnabled": rng.random() < 0.9, "vTpmEnabled": rng.random() < 0.9}
        props["virtualMachineProfile"] = {
            "securityProfile": {"securityType": "ConfidentialVM" if confidential else "TrustedLaunch",
                                "uefiSettings": uefi},
            "storageProfile": {"osDisk": {"createOption": "FromImage", "managedDisk": {
                "storageAccountType": "Premium_LRS",
                **({"securityProfile": {"securityEncryptionType": enc}} if confidential else {})}}},
        }
    sizes = CONFIDENTIAL_SIZES if confidential else ORDINARY_SIZES
    sku: dict[str, Any] = {"name": sizes[rng.randrange(len(sizes))], "capacity": rng.randrange(1, 9)}
    if rng.random() < 0.15:
        sku["name"] = "Mix"
        mix = [CONFIDENTIAL_SIZES[rng.randrange(len(CONFIDENTIAL_SIZES))] for _ in range(2)]
        if rng.random() < 0.3:
            mix.append(ORDINARY_SIZES[rng.randrange(len(ORDINARY_SIZES))])
        props["skuProfile"] = {"vmSizes": [{"name": n} for n in mix]}
    return c.envelope(props, sku=sku)


def disk_encryption_set(rng: random.Random, i: int) -> dict[str, Any]:
    """A disk encryption set of each encryption type, rotating its key or not."""
    c = _Ctx(rng, i, DES, "des")
    props: dict[str, Any] = {"provisioningState": "Succeeded"}
    _put(rng, props, "encryptionType", _pick(rng, (
        ("ConfidentialVmEncryptedWithCustomerKey", 40), ("EncryptionAtRestWithCustomerKey", 40),
        ("EncryptionAtRestWithPlatformAndCustomerKeys", 20))), 0.05)
    _put(rng, props, "activeKey", {"keyUrl": f"https://kv-{c.workload}.vault.azure.net/keys/des-key"}, 0.1)
    _put(rng, props, "rotationToLatestKeyVersionEnabled", rng.random() < 0.6, 0.2)
    return c.envelope(props, identity=_identity(rng))


def managed_hsm(rng: random.Random, i: int) -> dict[str, Any]:
    """A Managed HSM, purge-protected or not, public or private."""
    c = _Ctx(rng, i, "Microsoft.KeyVault/managedHSMs", "hsm")
    props: dict[str, Any] = {"tenantId": TENANT, "enableSoftDelete": True,
                             "hsmUri": f"https://{c.name}.managedhsm.azure.net/"}
    _put(rng, props, "enablePurgeProtection", rng.random() < 0.7, 0.1)
    props["publicNetworkAccess"] = _pick(rng, (("Disabled", 60), ("Enabled", 40)))
    props["networkAcls"] = {"bypass": "None", "defaultAction": _pick(rng, (("Deny", 50), ("Allow", 50)))}
    return c.envelope(props, sku={"family": "B", "name": "Standard_B1"})


def vault_key(rng: random.Random, i: int) -> dict[str, Any]:
    """A Key Vault key (ARM management plane), exportable with or without a release policy."""
    c = _Ctx(rng, i, "Microsoft.KeyVault/vaults/keys", "key")
    c.id = c.arm(f"Microsoft.KeyVault/vaults/kv-{c.workload}/keys/{c.name}")
    exportable = rng.random() < 0.6
    props: dict[str, Any] = {"kty": _pick(rng, (("RSA-HSM", 70), ("RSA", 30))), "keySize": 3072,
                             "attributes": {"enabled": True, "exportable": exportable}}
    if exportable and rng.random() < 0.7:
        props["release_policy"] = {"contentType": "application/json; charset=utf-8",
                                  "data": "eyJ2ZXJzaW9uIjoiMS4wLjAiLCJhbnlPZiI6W119"}
    return c.envelope(props)


def managed_cluster(rng: random.Random, i: int) -> dict[str, Any]:
    """An AKS cluster whose node pools are confidential, confidential-container hosts, or not."""
    c = _Ctx(rng, i, "Microsoft.ContainerService/managedClusters", "aks")
    pools = []
    for n in range(rng.randrange(1, 4)):
        kind = _pick(rng, (("cvm", 40), ("cc", 30), ("plain", 30)))
        pool: dict[str, Any] = {"name": f"pool{n}", "count": 3, "mode": "System" if n == 0 else "User"}
        if kind == "cc":
            pool["vmSize"] = "Standard_DC4as_cc_v5"
            _put(rng, pool, "workloadRuntime", _pick(rng, (("KataCcIsolation", 70), ("OCIContainer", 30))), 0.2)
        else:
            sizes = CONFIDENTIAL_SIZES if kind == "cvm" else ORDINARY_SIZES
            pool["vmSize"] = sizes[rng.randrange(len(sizes))]
        pools.append(pool)
    props: dict[str, Any] = {"kubernetesVersion": "1.30.4", "dnsPrefix": c.name}
    _put(rng, props, "agentPoolProfiles", pools, 0.05)
    _put(rng, props, "apiServerAccessProfile", {"enablePrivateCluster": rng.random() < 0.6}, 0.2)
    return c.envelope(props, identity=_identity(rng))


def container_group(rng: random.Random, i: int) -> dict[str, Any]:
    """An ACI container group: confidential or standard, public or private, with capabilities."""
    c = _Ctx(rng, i, "Microsoft.ContainerInstance/containerGroups", "aci")
    sku = _pick(rng, (("Confidential", 60), ("Standard", 40)))
    container: dict[str, Any] = {"name": "inference", "properties": {
        "image": "contoso.azurecr.io/inference:1.4",
        "resources": {"requests": {"cpu": 2, "memoryInGB": 4}}}}
    if rng.random() < 0.2:
        container["properties"]["securityContext"] = {"capabilities": {"add": ["CAP_NET_ADMIN"]}}
    props: dict[str, Any] = {"sku": sku, "osType": "Linux", "containers": [container]}
    if rng.random() < 0.7:
        props["ipAddress"] = {"type": _pick(rng, (("Private", 60), ("Public", 40))),
                              "ports": [{"port": 443, "protocol": "TCP"}]}
    doc = c.envelope(props)
    if sku == "Standard" and rng.random() < 0.5:
        doc["tags"]["ccscan:confidential"] = "false"
    return doc


def model_deployment(rng: random.Random, i: int) -> dict[str, Any]:
    """A model deployment of an AI account, with or without a content filter."""
    c = _Ctx(rng, i, "Microsoft.CognitiveServices/accounts/deployments", "dep")
    c.id = c.arm(f"Microsoft.CognitiveServices/accounts/oai-{c.workload}/deployments/{c.name}")
    props: dict[str, Any] = {"model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-08-06"},
                             "provisioningState": "Succeeded"}
    _put(rng, props, "raiPolicyName", _pick(rng, (("Microsoft.DefaultV2", 70), ("strict-filter", 30))), 0.2)
    return c.envelope(props, sku={"name": "Standard", "capacity": 10})


def search_service(rng: random.Random, i: int) -> dict[str, Any]:
    """An AI Search service, public or private (lower-case enum values, as the API returns)."""
    c = _Ctx(rng, i, "Microsoft.Search/searchServices", "srch")
    props: dict[str, Any] = {"replicaCount": 1, "partitionCount": 1, "hostingMode": "default"}
    _put(rng, props, "publicNetworkAccess", _pick(rng, (("disabled", 50), ("enabled", 50))), 0.1)
    return c.envelope(props, sku={"name": "standard"})


ROLES = (("5e0bd9bd-7b93-4f28-af87-19fc36ad61bd", 50), ("a97b65f3-24c7-4388-baec-2e87135dc908", 30),
         ("2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", 20))
"""Cognitive Services OpenAI User, Cognitive Services User, Storage Blob Data Reader."""


def role_assignment(rng: random.Random, i: int) -> dict[str, Any]:
    """A site identity's role: on a recent AI account (a few gone), a storage account, or a group."""
    c = _Ctx(rng, i, "Microsoft.Authorization/roleAssignments", "ra")
    guid = _uuid(rng)
    principal, vnet = _one(rng, _recent.sites, (_uuid(rng), ""))
    where = rng.random()
    if where < 0.75:
        scope = _one(rng, _recent.accounts, c.arm("Microsoft.CognitiveServices/accounts/oai-none"))
        if rng.random() < 0.03:  # deleted since: the chain is unknown
            scope = f"{scope}-deleted"
        elif vnet:
            _recent.calls.append((scope, vnet))
    elif where < 0.9:
        scope = c.arm(f"Microsoft.Storage/storageAccounts/st{c.workload}{i:07d}")
    else:
        scope = f"/subscriptions/{c.sub}/resourceGroups/{c.rg}"
    c.id = f"{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}"
    c.name, c.sub = guid, scope.split("/")[2]
    role = _pick(rng, ROLES)
    props = {"roleDefinitionId": f"/subscriptions/{c.sub}/providers/Microsoft.Authorization/roleDefinitions/{role}",
             "principalId": principal.upper() if rng.random() < 0.05 else principal,
             "principalType": "ServicePrincipal", "scope": scope, "condition": None,
             "conditionVersion": None, "createdOn": CREATED, "updatedOn": CREATED,
             "delegatedManagedIdentityResourceId": None, "description": None}
    doc = c.envelope(props)
    doc.pop("location", None)  # ARM gives role assignments neither location nor tags; the
    doc["tags"] = {}           # file loaders fill tags as {}, so the bench writes them so
    return doc


def private_endpoint(rng: random.Random, i: int) -> dict[str, Any]:
    """A private endpoint to a recent AI account: approved, pending or rejected; automatic or manual."""
    c = _Ctx(rng, i, PE, "pe")
    # Mostly for an account some caller has a role on (the endpoint its platform team made).
    account, vnet = _one(rng, _recent.calls, ("", "")) if rng.random() < 0.8 else ("", "")
    if not account:
        account = _one(rng, _recent.accounts, c.arm("Microsoft.CognitiveServices/accounts/oai-none"))
    status = _pick(rng, PE_STATUSES)
    manual = rng.random() < 0.15
    conn = {"id": f"{c.id}/privateLinkServiceConnections/{c.name}", "name": c.name,
            "type": "Microsoft.Network/privateEndpoints/privateLinkServiceConnections",
            "properties": {"provisioningState": "Succeeded", "privateLinkServiceId": account,
                           "groupIds": ["account"],
                           "privateLinkServiceConnectionState": {"status": status, "description": "",
                                                                 "actionsRequired": "None"}}}
    props: dict[str, Any] = {
        "provisioningState": "Succeeded", "resourceGuid": _uuid(rng),
        "privateLinkServiceConnections": [] if manual else [conn],
        "manualPrivateLinkServiceConnections": [conn] if manual else [],
        "subnet": {"id": c.arm(f"Microsoft.Network/virtualNetworks/vnet-{c.workload}-{c.env}/subnets/snet-pe")},
        "networkInterfaces": [{"id": c.arm(f"Microsoft.Network/networkInterfaces/{c.name}.nic")}],
        "customDnsConfigs": [{"fqdn": f"{account.rsplit('/', 1)[-1]}.openai.azure.com",
                              "ipAddresses": [f"10.{rng.randrange(256)}.{rng.randrange(256)}.4"]}],
    }
    _recent.endpoints.append((c.id, vnet))
    return c.envelope(props, etag=f'W/"{_uuid(rng)}"')


def dns_zone_group(rng: random.Random, i: int) -> dict[str, Any]:
    """The DNS zone group of a recent endpoint, naming a recent private DNS zone (a few gone)."""
    c = _Ctx(rng, i, f"{PE}/privateDnsZoneGroups", "zg")
    endpoint, vnet = _one(rng, _recent.endpoints, (c.arm(f"{PE}/pe-none"), ""))
    c.id, c.name = f"{endpoint}/privateDnsZoneGroups/default-{i:07d}", f"default-{i:07d}"
    c.sub = endpoint.split("/")[2]
    zone = _one(rng, _recent.zones, c.arm("Microsoft.Network/privateDnsZones/privatelink.openai.azure.com"))
    if rng.random() < 0.02:
        zone = f"{zone}-gone"
    elif vnet:
        _recent.zone_vnets.append((zone, vnet))
    props = {"provisioningState": "Succeeded", "privateDnsZoneConfigs": [{
        "name": "privatelink-openai-azure-com", "properties": {"privateDnsZoneId": zone, "recordSets": [{
            "recordType": "A", "recordSetName": endpoint.rsplit("/", 1)[-1], "ttl": 10,
            "provisioningState": "Succeeded", "ipAddresses": ["10.0.0.4"]}]}}]}
    doc = c.envelope(props)
    doc.pop("location", None)
    return doc


def private_dns_zone(rng: random.Random, i: int) -> dict[str, Any]:
    """A `privatelink.openai.azure.com` zone (one per DNS resource group)."""
    c = _Ctx(rng, i, "Microsoft.Network/privateDnsZones", "zone")
    c.rg, c.name = f"rg-dns-{i:07d}", "privatelink.openai.azure.com"
    c.id = c.arm(f"Microsoft.Network/privateDnsZones/{c.name}")
    props = {"maxNumberOfRecordSets": 25000, "maxNumberOfVirtualNetworkLinks": 1000,
             "numberOfRecordSets": rng.randrange(1, 40), "numberOfVirtualNetworkLinks": rng.randrange(1, 6),
             "provisioningState": "Succeeded"}
    _recent.zones.append(c.id)
    doc = c.envelope(props, etag=_uuid(rng))
    doc["location"] = "global"
    return doc


def vnet_link(rng: random.Random, i: int) -> dict[str, Any]:
    """A recent zone's link to the VNet of a caller that needs it, or to a hub VNet."""
    c = _Ctx(rng, i, "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "link")
    zone, vnet = _one(rng, _recent.zone_vnets, ("", "")) if rng.random() < 0.7 else ("", "")
    if not zone:
        zone = _one(rng, _recent.zones, c.arm("Microsoft.Network/privateDnsZones/privatelink.openai.azure.com"))
    c.id, c.sub = f"{zone}/virtualNetworkLinks/{c.name}", zone.split("/")[2]
    if not vnet or rng.random() < 0.2:
        vnet = c.arm(f"Microsoft.Network/virtualNetworks/vnet-hub-{c.env}")
    props = {"virtualNetwork": {"id": vnet}, "registrationEnabled": False,
             "virtualNetworkLinkState": "Completed", "provisioningState": "Succeeded"}
    doc = c.envelope(props, etag=f'"{_uuid(rng)}"')
    doc["location"] = "global"
    return doc


BUILDERS: dict[str, Callable[[random.Random, int], dict[str, Any]]] = {
    "Microsoft.Compute/virtualMachines": virtual_machine,
    "Microsoft.Compute/disks": disk,
    "Microsoft.Web/sites": web_site,
    "Microsoft.Storage/storageAccounts": storage_account,
    "Microsoft.CognitiveServices/accounts": cognitive_account,
    "Microsoft.KeyVault/vaults": key_vault,
    "Microsoft.MachineLearningServices/workspaces": ml_workspace,
    "Microsoft.Compute/virtualMachineScaleSets": scale_set,
    "Microsoft.Compute/diskEncryptionSets": disk_encryption_set,
    "Microsoft.KeyVault/managedHSMs": managed_hsm,
    "Microsoft.KeyVault/vaults/keys": vault_key,
    "Microsoft.ContainerService/managedClusters": managed_cluster,
    "Microsoft.ContainerInstance/containerGroups": container_group,
    "Microsoft.CognitiveServices/accounts/deployments": model_deployment,
    "Microsoft.Search/searchServices": search_service,
    "Microsoft.Authorization/roleAssignments": role_assignment,
    "Microsoft.Network/privateEndpoints": private_endpoint,
    "Microsoft.Network/privateEndpoints/privateDnsZoneGroups": dns_zone_group,
    "Microsoft.Network/privateDnsZones": private_dns_zone,
    "Microsoft.Network/privateDnsZones/virtualNetworkLinks": vnet_link,
}


def generate_resources(count: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    """
    Yield `count` canonical resource documents, the same ones for the same seed.
    """
    global _recent
    rng = random.Random(seed)
    _recent = _Recent()  # the same references for the same seed, whatever ran before
    for i in range(count):
        yield BUILDERS[_pick(rng, MIX)](rng, i)
