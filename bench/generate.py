"""
Seeded generator of a synthetic Azure (ARM) inventory for the ccscan benchmark.

Writes N canonical resources of the types the built-in Azure packs check (virtual machines,
managed disks, Cognitive Services / Azure OpenAI accounts, App Service sites, storage
accounts, key vaults, Azure ML workspaces), ~1-2 KB each, mixing compliant, non-compliant
and incomplete (list-response) documents. The same `--seed` and `--count` give the same
bytes. Output is a ccscan snapshot: JSONL (a header line, then one resource per line) or
JSON (the header with a `resources` array). Both are streamed: a million resources never
sit in memory together.

    python bench/generate.py --count 100000 --seed 7 --format jsonl --out /tmp/inv.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

try:  # orjson (the `fast` extra) is ~5x faster at dumping; output bytes are the same.
    import orjson

    def _dumps(doc: Any) -> bytes:
        return orjson.dumps(doc)

except ImportError:  # pragma: no cover - depends on the install

    def _dumps(doc: Any) -> bytes:
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


SNAPSHOT_TIME = "2026-11-28T12:00:00Z"
"""Fixed, so that the same seed gives the same file."""
TENANT = "00000000-0000-0000-0000-0000000000aa"
SUBSCRIPTIONS = tuple(f"00000000-0000-0000-0000-0000000001{i:02x}" for i in range(16))
REGIONS = ("westeurope", "northeurope", "eastus2", "westus3", "uksouth", "swedencentral")
WORKLOADS = ("llm-inference", "rag", "training", "embeddings", "chat", "eval", "batch", "etl")
ENVS = ("prod", "staging", "dev", "test")

# (type, weight): roughly the mix of an AI estate; VMs and disks dominate.
MIX: tuple[tuple[str, int], ...] = (
    ("Microsoft.Compute/virtualMachines", 30),
    ("Microsoft.Compute/disks", 20),
    ("Microsoft.Web/sites", 15),
    ("Microsoft.Storage/storageAccounts", 12),
    ("Microsoft.CognitiveServices/accounts", 10),
    ("Microsoft.KeyVault/vaults", 8),
    ("Microsoft.MachineLearningServices/workspaces", 5),
)


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


class _Ctx:
    """Identity of one resource: subscription, group, name, region, tags."""

    def __init__(self, rng: random.Random, i: int, rtype: str, prefix: str) -> None:
        self.sub = SUBSCRIPTIONS[rng.randrange(len(SUBSCRIPTIONS))]
        self.workload = WORKLOADS[rng.randrange(len(WORKLOADS))]
        self.env = ENVS[rng.randrange(len(ENVS))]
        self.rg = f"rg-{self.workload}-{self.env}"
        self.name = f"{prefix}-{self.workload}-{i:07d}"
        self.region = REGIONS[rng.randrange(len(REGIONS))]
        self.type = rtype.lower() if rng.random() < 0.05 else rtype  # Resource Graph lower-cases types
        self.id = f"/subscriptions/{self.sub}/resourceGroups/{self.rg}/providers/{rtype}/{self.name}"

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


def _maybe(rng: random.Random, p_absent: float, value: Any) -> Any:
    """`value`, or the marker _ABSENT with probability p_absent."""
    return _ABSENT if rng.random() < p_absent else value


_ABSENT = object()


def _put(d: dict[str, Any], key: str, value: Any) -> None:
    if value is not _ABSENT:
        d[key] = value


CONFIDENTIAL_SIZES = ("Standard_DC4as_v5", "Standard_DC8ads_v5", "Standard_EC16as_v5",
                      "Standard_DC16es_v5", "Standard_EC32eds_v5", "Standard_NCC40ads_H100_v5")
ORDINARY_SIZES = ("Standard_D4s_v5", "Standard_E8s_v5", "Standard_D16as_v5", "Standard_DC4s_v3",
                  "Standard_NC24ads_A100_v4", "Standard_B2ms")


def virtual_machine(rng: random.Random, i: int) -> dict[str, Any]:
    """A VM: confidential (some with weaker OS disk encryption), Trusted Launch, Standard or a stub."""
    c = _Ctx(rng, i, "Microsoft.Compute/virtualMachines", "vm")
    kind = _pick(rng, (("cvm", 40), ("tl", 30), ("std", 25), ("stub", 5)))
    confidential = kind == "cvm"
    size = (CONFIDENTIAL_SIZES if confidential else ORDINARY_SIZES)[rng.randrange(6)]
    managed: dict[str, Any] = {
        "storageAccountType": "Premium_LRS",
        "id": c.arm(f"Microsoft.Compute/disks/{c.name}_OsDisk_1"),
    }
    if confidential:
        sec: dict[str, Any] = {"securityEncryptionType": _pick(rng, (
            ("DiskWithVMGuestState", 70), ("VMGuestStateOnly", 20), ("NonPersistedTPM", 5),
            ("diskwithvmgueststate", 5)))}
        if rng.random() < 0.6:
            sec["diskEncryptionSet"] = {"id": c.arm(f"Microsoft.Compute/diskEncryptionSets/des-{c.env}")}
        if rng.random() < 0.95:
            managed["securityProfile"] = sec
    os_disk = {
        "osType": "Linux", "name": f"{c.name}_OsDisk_1", "createOption": "FromImage",
        "caching": "ReadWrite", "managedDisk": managed, "deleteOption": "Delete", "diskSizeGB": 30,
    }
    storage: dict[str, Any] = {
        "imageReference": {
            "publisher": "Canonical",
            "offer": "0001-com-ubuntu-confidential-vm-jammy" if confidential else "0001-com-ubuntu-server-jammy",
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
    props["timeCreated"] = f"2026-0{rng.randrange(1, 10)}-1{rng.randrange(10)}T09:14:11.5238164+00:00"
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
    ("ConfidentialVM_NonPersistedTPM", 5),
    ("TrustedLaunch", 20),
    ("Standard", 5),
    (None, 15),
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
            sec["secureVMDiskEncryptionSetId"] = c.arm(f"Microsoft.Compute/diskEncryptionSets/des-{c.env}")
        props["securityProfile"] = sec
    return c.envelope(props, managedBy=c.arm(f"Microsoft.Compute/virtualMachines/vm-{c.workload}"),
                      sku={"name": "Premium_LRS", "tier": "Premium"}, zones=["1"])


PE_STATUSES = (("Approved", 60), ("Pending", 20), ("Rejected", 10), ("Disconnected", 5), ("approved", 5))


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
                "privateEndpoint": {"id": c.arm(f"Microsoft.Network/privateEndpoints/pe-{c.name}-{n}")},
                "privateLinkServiceConnectionState": state,
            },
        })
    props: dict[str, Any] = {
        "endpoint": f"https://{c.name}.openai.azure.com/",
        "internalId": f"{rng.getrandbits(128):032x}",
        "dateCreated": "2025-06-11T08:02:17.5130000Z",
        "customSubDomainName": c.name,
    }
    _put(props, "networkAcls", _maybe(rng, 0.1, {
        "defaultAction": _pick(rng, (("Allow", 55), ("Deny", 45))),
        "virtualNetworkRules": [], "ipRules": []}))
    _put(props, "privateEndpointConnections", _maybe(rng, 0.1, connections))
    _put(props, "publicNetworkAccess", _maybe(rng, 0.1, _pick(rng, (("Enabled", 60), ("Disabled", 40)))))
    props["isMigrated"] = False
    props["provisioningState"] = "Succeeded"
    _put(props, "disableLocalAuth", _maybe(rng, 0.15, _pick(rng, ((True, 50), (False, 48), ("true", 2)))))
    return c.envelope(props, etag=f'"{_uuid(rng)}"', sku={"name": "S0"}, kind=kind,
                      identity={"type": "SystemAssigned", "principalId": _uuid(rng), "tenantId": TENANT})


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
    _put(props, "httpsOnly", _maybe(rng, 0.1, rng.random() < 0.7))
    if rng.random() < 0.6:
        props["siteConfig"] = {
            "numberOfWorkers": 1, "linuxFxVersion": "PYTHON|3.12", "alwaysOn": True,
            "http20Enabled": True,
            "minTlsVersion": _pick(rng, (("1.2", 55), ("1.3", 15), ("1.1", 10), ("1.0", 10), (None, 10))),
            "scmMinTlsVersion": "1.2",
            "ftpsState": _pick(rng, (("Disabled", 40), ("FtpsOnly", 30), ("AllAllowed", 20), (None, 10))),
            "remoteDebuggingEnabled": False,
        }
    kind = _pick(rng, (("app,linux", 50), ("app", 20), ("functionapp,linux", 30)))
    return c.envelope(props, kind=kind)


def storage_account(rng: random.Random, i: int) -> dict[str, Any]:
    """A storage account with secure transfer and minimum TLS settings of every kind."""
    c = _Ctx(rng, i, "Microsoft.Storage/storageAccounts", "st")
    short = f"st{c.env}{i:07d}"
    props: dict[str, Any] = {
        "keyCreationTime": {"key1": "2025-09-01T10:00:00.0000000Z", "key2": "2025-09-01T10:00:00.0000000Z"},
        "allowCrossTenantReplication": False, "allowBlobPublicAccess": rng.random() < 0.2,
        "allowSharedKeyAccess": rng.random() < 0.4,
        "networkAcls": {"bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": [],
                        "defaultAction": _pick(rng, (("Deny", 60), ("Allow", 40)))},
    }
    _put(props, "supportsHttpsTrafficOnly", _maybe(rng, 0.05, rng.random() < 0.85))
    props["encryption"] = {"requireInfrastructureEncryption": False, "keySource": "Microsoft.Storage",
                           "services": {"file": {"keyType": "Account", "enabled": True},
                                        "blob": {"keyType": "Account", "enabled": True}}}
    props.update({
        "accessTier": "Hot", "provisioningState": "Succeeded",
        "creationTime": "2025-09-01T10:00:00.0000000Z",
        "primaryEndpoints": {"blob": f"https://{short}.blob.core.windows.net/",
                             "dfs": f"https://{short}.dfs.core.windows.net/"},
        "primaryLocation": c.region, "statusOfPrimary": "available",
    })
    _put(props, "minimumTlsVersion", _maybe(rng, 0.08, _pick(rng, (
        ("TLS1_2", 65), ("TLS1_3", 5), ("TLS1_1", 12), ("TLS1_0", 13), ("tls1_2", 5)))))
    return c.envelope(props, sku={"name": "Standard_ZRS", "tier": "Standard"}, kind="StorageV2")


def key_vault(rng: random.Random, i: int) -> dict[str, Any]:
    """A key vault; purge protection on, off, or never set (absent)."""
    c = _Ctx(rng, i, "Microsoft.KeyVault/vaults", "kv")
    props: dict[str, Any] = {
        "sku": {"family": "A", "name": _pick(rng, (("premium", 50), ("standard", 50)))},
        "tenantId": TENANT,
        "accessPolicies": [{"tenantId": TENANT, "objectId": _uuid(rng),
                            "permissions": {"keys": ["get", "wrapKey", "unwrapKey"], "secrets": []}}],
        "enabledForDeployment": False, "enabledForDiskEncryption": rng.random() < 0.5,
        "enabledForTemplateDeployment": False, "enableSoftDelete": True,
        "softDeleteRetentionInDays": 90, "enableRbacAuthorization": rng.random() < 0.7,
        "vaultUri": f"https://{c.name[:24]}.vault.azure.net/", "provisioningState": "Succeeded",
        "publicNetworkAccess": _pick(rng, (("Disabled", 50), ("Enabled", 50))),
        "networkAcls": {"bypass": "AzureServices", "defaultAction": "Deny", "ipRules": [],
                        "virtualNetworkRules": []},
    }
    _put(props, "enablePurgeProtection", _maybe(rng, 0.3, rng.random() < 0.75))
    return c.envelope(props)


def ml_workspace(rng: random.Random, i: int) -> dict[str, Any]:
    """An Azure ML workspace / AI Foundry hub or project, public or private."""
    c = _Ctx(rng, i, "Microsoft.MachineLearningServices/workspaces", "mlw")
    props: dict[str, Any] = {
        "friendlyName": c.name, "workspaceId": _uuid(rng),
        "keyVault": c.arm(f"Microsoft.KeyVault/vaults/kv-{c.workload}"),
        "storageAccount": c.arm(f"Microsoft.Storage/storageAccounts/st{c.workload.replace('-', '')}"),
        "applicationInsights": c.arm(f"Microsoft.insights/components/appi-{c.workload}"),
        "hbiWorkspace": rng.random() < 0.5, "v1LegacyMode": False,
        "discoveryUrl": f"https://{c.region}.api.azureml.ms/discovery",
        "provisioningState": "Succeeded",
    }
    _put(props, "publicNetworkAccess", _maybe(rng, 0.1, _pick(rng, (("Disabled", 55), ("Enabled", 45)))))
    kind = _pick(rng, (("Default", 60), ("Hub", 25), ("Project", 15)))
    return c.envelope(props, kind=kind, sku={"name": "Basic", "tier": "Basic"},
                      identity={"type": "SystemAssigned", "principalId": _uuid(rng), "tenantId": TENANT})


BUILDERS: dict[str, Callable[[random.Random, int], dict[str, Any]]] = {
    "Microsoft.Compute/virtualMachines": virtual_machine,
    "Microsoft.Compute/disks": disk,
    "Microsoft.Web/sites": web_site,
    "Microsoft.Storage/storageAccounts": storage_account,
    "Microsoft.CognitiveServices/accounts": cognitive_account,
    "Microsoft.KeyVault/vaults": key_vault,
    "Microsoft.MachineLearningServices/workspaces": ml_workspace,
}


def generate_resources(count: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    """
    Yield `count` canonical resource documents, the same ones for the same seed.
    """
    rng = random.Random(seed)
    for i in range(count):
        yield BUILDERS[_pick(rng, MIX)](rng, i)


def snapshot_header(count: int, seed: int) -> dict[str, Any]:
    """The ccscan snapshot header of a generated inventory."""
    return {
        "ccscan_snapshot": 1, "collector": "azure", "tool_version": "0.1.0",
        "time": SNAPSHOT_TIME, "source": "bench:synthetic", "cloud": "AzureCloud",
        "subscriptions": list(SUBSCRIPTIONS), "resource_count": count,
        "generator": {"name": "bench/generate.py", "seed": seed}, "incomplete": [],
    }


def write_inventory(out: IO[bytes], count: int, seed: int = 1, fmt: str = "jsonl") -> int:
    """
    Stream a snapshot of `count` resources to the binary stream `out`; return bytes written.
    """
    written = 0
    header = snapshot_header(count, seed)
    if fmt == "jsonl":
        written += out.write(_dumps(header) + b"\n")
        for doc in generate_resources(count, seed):
            written += out.write(_dumps(doc) + b"\n")
        return written
    if fmt != "json":
        raise ValueError(f"unknown format {fmt!r} (json or jsonl)")
    # The header object, left open, then the array one resource per line (so the loader can
    # report each resource's line).
    head = _dumps(header)[:-1] + b',"resources":[\n'
    written += out.write(head)
    for n, doc in enumerate(generate_resources(count, seed)):
        written += out.write((b",\n" if n else b"") + _dumps(doc))
    written += out.write(b"\n]}\n")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="resources to generate (default 100000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--format", choices=("json", "jsonl"), default="jsonl")
    parser.add_argument("--out", type=Path, required=True, help="output file ('-' for stdout)")
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must be >= 0")
    started = time.perf_counter()
    if str(args.out) == "-":
        size = write_inventory(sys.stdout.buffer, args.count, args.seed, args.format)
    else:
        with args.out.open("wb", buffering=1 << 20) as f:
            size = write_inventory(f, args.count, args.seed, args.format)
    took = time.perf_counter() - started
    avg = (size / args.count) if args.count else 0
    print(f"wrote {args.count} resources, {size / 1e6:.1f} MB ({avg:.0f} B/resource) "
          f"to {args.out} in {took:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
