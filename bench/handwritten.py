"""
The built-in Azure policies (`policies/azure/*.yaml`) written by hand as plain dict lookups.

This is the yardstick for the engine: the same decisions, the same evidence, and nothing
else. `check(doc)` returns `[(policy_id, status, evidence)]` for the applicable policies of
one canonical resource document, where `evidence` is `((path, observed), ...)` in the order
the decision read the paths, with None for an absent or null value — as ccscan's engine
records it (a `requires` path appears only when it is missing; `anyOf`/`allOf` stop at the
first deciding child).

Semantics copied from DESIGN.md: absent and null are the same; a condition on a missing
field is false; string comparisons ignore case; booleans also match the strings
"true"/"false". Unlike the engine, keys are looked up with their exact case (the generator
writes canonical camelCase keys).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

Evidence = tuple[tuple[str, Any], ...]
Decision = tuple[str, str, Evidence]


def _at(value: Any, keys: tuple[str, ...]) -> Any:
    """Walk `keys` through nested dicts; None when a step is absent, null or not a dict."""
    for k in keys:
        if type(value) is not dict:
            return None
        value = value.get(k)
    return value


def _eq(value: Any, lowered: str) -> bool:
    return isinstance(value, str) and value.lower() == lowered


def _true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


_VERSION = re.compile(r"(\d+)(?:[._](\d+))?(?:[._](\d+))?")


def _version(value: Any) -> tuple[int, int, int] | None:
    """"1.2", "TLS1_2", "TLSv1.2", "Tls12" -> (1, 2, 0); None if no version is in it."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    m = _VERSION.search(value)
    if m is None:
        return None
    major, minor, patch = m.groups()
    if minor is None and len(major) == 2:  # "TLS12": two glued digits are major.minor
        return (int(major[0]), int(major[1]), 0)
    return (int(major), int(minor or 0), int(patch or 0))


def _status(ok: bool) -> str:
    return "pass" if ok else "fail"


P_HW = "properties.hardwareProfile"
P_SIZE = "properties.hardwareProfile.vmSize"
P_SECTYPE = "properties.securityProfile.securityType"
P_SECBOOT = "properties.securityProfile.uefiSettings.secureBootEnabled"
P_VTPM = "properties.securityProfile.uefiSettings.vTpmEnabled"
P_OSDISK = "properties.storageProfile.osDisk"
P_ENC = "properties.storageProfile.osDisk.managedDisk.securityProfile.securityEncryptionType"
P_DES = "properties.storageProfile.osDisk.managedDisk.securityProfile.diskEncryptionSet.id"
CONFIDENTIAL_SIZE = re.compile(
    r"(?i)^Standard_(?:(?:DC|EC)\d+(?:-\d+)?i?[ae]d?s_v[5-9]|NCC\d+[a-z]*_[a-z]+\d+_v[5-9])$"
)


def virtual_machine(doc: dict[str, Any]) -> list[Decision]:
    """CCS-AZ-VM-001 .. CCS-AZ-VM-005."""
    props = doc.get("properties")
    hw = _at(props, ("hardwareProfile",))
    sectype = _at(props, ("securityProfile", "securityType"))
    cvm = _eq(sectype, "confidentialvm")
    out: list[Decision] = []
    if hw is None:
        out.append(("CCS-AZ-VM-001", "unknown", ((P_HW, None),)))
        out.append(("CCS-AZ-VM-002", "unknown", ((P_HW, None),)))
    else:
        out.append(("CCS-AZ-VM-001", _status(cvm), ((P_SECTYPE, sectype),)))
        uefi = _at(props, ("securityProfile", "uefiSettings"))
        boot = _at(uefi, ("secureBootEnabled",))
        if not _true(boot):
            out.append(("CCS-AZ-VM-002", "fail", ((P_SECBOOT, boot),)))
        else:
            vtpm = _at(uefi, ("vTpmEnabled",))
            out.append(("CCS-AZ-VM-002", _status(_true(vtpm)), ((P_SECBOOT, boot), (P_VTPM, vtpm))))
    if cvm:  # VM-003 and VM-004 apply to Confidential VMs only
        os_disk = _at(props, ("storageProfile", "osDisk"))
        if os_disk is None:
            out.append(("CCS-AZ-VM-003", "unknown", ((P_SECTYPE, sectype), (P_OSDISK, None))))
            out.append(("CCS-AZ-VM-004", "unknown", ((P_SECTYPE, sectype), (P_OSDISK, None))))
        else:
            disk_sec = _at(os_disk, ("managedDisk", "securityProfile"))
            enc = _at(disk_sec, ("securityEncryptionType",))
            out.append(("CCS-AZ-VM-003", _status(_eq(enc, "diskwithvmgueststate")),
                        ((P_SECTYPE, sectype), (P_ENC, enc))))
            des = _at(disk_sec, ("diskEncryptionSet", "id"))
            out.append(("CCS-AZ-VM-004", _status(des is not None),
                        ((P_SECTYPE, sectype), (P_DES, des))))
    size = _at(hw, ("vmSize",))
    if size is None:
        out.append(("CCS-AZ-VM-005", "unknown", ((P_SIZE, None),)))
    else:
        ok = isinstance(size, str) and CONFIDENTIAL_SIZE.search(size) is not None
        out.append(("CCS-AZ-VM-005", _status(ok), ((P_SIZE, size),)))
    return out


P_OSTYPE = "properties.osType"
P_DISKSEC = "properties.securityProfile.securityType"
DISK_CONFIDENTIAL = frozenset(s.lower() for s in (
    "ConfidentialVM_DiskEncryptedWithCustomerKey", "ConfidentialVM_DiskEncryptedWithPlatformKey",
    "ConfidentialVM_VMGuestStateOnlyEncryptedWithPlatformKey", "ConfidentialVM_NonPersistedTPM",
))
DISK_FULL = frozenset(s.lower() for s in (
    "ConfidentialVM_DiskEncryptedWithCustomerKey", "ConfidentialVM_DiskEncryptedWithPlatformKey",
))


def disk(doc: dict[str, Any]) -> list[Decision]:
    """CCS-AZ-DISK-001 (OS disks are confidential), CCS-AZ-DISK-002 (whole disk encrypted)."""
    props = doc.get("properties")
    os_type = _at(props, ("osType",))
    sectype = _at(props, ("securityProfile", "securityType"))
    low = sectype.lower() if isinstance(sectype, str) else None
    out: list[Decision] = []
    if os_type is not None:
        out.append(("CCS-AZ-DISK-001", _status(low in DISK_CONFIDENTIAL),
                    ((P_OSTYPE, os_type), (P_DISKSEC, sectype))))
    if low is not None and low.startswith("confidentialvm_"):
        out.append(("CCS-AZ-DISK-002", _status(low in DISK_FULL), ((P_DISKSEC, sectype),)))
    return out


P_PNA = "properties.publicNetworkAccess"
P_ACL = "properties.networkAcls.defaultAction"
P_LOCAL = "properties.disableLocalAuth"
P_PE_COUNT = "count(properties.privateEndpointConnections[*])"


def cognitive_account(doc: dict[str, Any]) -> list[Decision]:
    """CCS-AZ-AI-001 (not public), CCS-AZ-AI-002 (no API keys), CCS-AZ-AI-003 (approved PE)."""
    props = doc.get("properties")
    pna = _at(props, ("publicNetworkAccess",))
    if _eq(pna, "disabled"):
        ai1: Decision = ("CCS-AZ-AI-001", "pass", ((P_PNA, pna),))
    else:
        acl = _at(props, ("networkAcls", "defaultAction"))
        ai1 = ("CCS-AZ-AI-001", _status(_eq(acl, "deny")), ((P_PNA, pna), (P_ACL, acl)))
    local = _at(props, ("disableLocalAuth",))
    connections = _at(props, ("privateEndpointConnections",))
    approved = 0
    if type(connections) is list:
        for c in connections:
            state = _at(c, ("properties", "privateLinkServiceConnectionState", "status"))
            if _eq(state, "approved"):
                approved += 1
    return [
        ai1,
        ("CCS-AZ-AI-002", _status(_true(local)), ((P_LOCAL, local),)),
        ("CCS-AZ-AI-003", _status(approved >= 1), ((P_PE_COUNT, approved),)),
    ]


P_HTTPS = "properties.httpsOnly"
P_TLS = "properties.siteConfig.minTlsVersion"
P_FTPS = "properties.siteConfig.ftpsState"
TLS12 = (1, 2, 0)


def web_site(doc: dict[str, Any]) -> list[Decision]:
    """CCS-AZ-APP-001 (HTTPS only), -002 (TLS >= 1.2), -003 (no plain FTP)."""
    props = doc.get("properties")
    https = _at(props, ("httpsOnly",))
    out: list[Decision] = [("CCS-AZ-APP-001", _status(_true(https)), ((P_HTTPS, https),))]
    config = _at(props, ("siteConfig",))
    tls = _at(config, ("minTlsVersion",))
    if tls is None:
        out.append(("CCS-AZ-APP-002", "unknown", ((P_TLS, None),)))
    else:
        seen = _version(tls)
        out.append(("CCS-AZ-APP-002", _status(seen is not None and seen >= TLS12), ((P_TLS, tls),)))
    ftps = _at(config, ("ftpsState",))
    if ftps is None:
        out.append(("CCS-AZ-APP-003", "unknown", ((P_FTPS, None),)))
    else:
        ok = isinstance(ftps, str) and ftps.lower() in ("disabled", "ftpsonly")
        out.append(("CCS-AZ-APP-003", _status(ok), ((P_FTPS, ftps),)))
    return out


P_SECURE = "properties.supportsHttpsTrafficOnly"
P_MINTLS = "properties.minimumTlsVersion"


def storage_account(doc: dict[str, Any]) -> list[Decision]:
    """CCS-AZ-ST-001 (secure transfer), CCS-AZ-ST-002 (TLS >= 1.2)."""
    props = doc.get("properties")
    secure = _at(props, ("supportsHttpsTrafficOnly",))
    tls = _at(props, ("minimumTlsVersion",))
    seen = _version(tls) if tls is not None else None
    return [
        ("CCS-AZ-ST-001", _status(_true(secure)), ((P_SECURE, secure),)),
        ("CCS-AZ-ST-002", _status(seen is not None and seen >= TLS12), ((P_MINTLS, tls),)),
    ]


P_PURGE = "properties.enablePurgeProtection"


def key_vault(doc: dict[str, Any]) -> list[Decision]:
    """CCS-AZ-KV-001 (purge protection)."""
    purge = _at(doc.get("properties"), ("enablePurgeProtection",))
    return [("CCS-AZ-KV-001", _status(_true(purge)), ((P_PURGE, purge),))]


def ml_workspace(doc: dict[str, Any]) -> list[Decision]:
    """CCS-AZ-ML-001 (no public network access)."""
    pna = _at(doc.get("properties"), ("publicNetworkAccess",))
    return [("CCS-AZ-ML-001", _status(_eq(pna, "disabled")), ((P_PNA, pna),))]


def _false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.lower() == "false")


def _open_or_closed(pid: str, props: Any) -> Decision:
    """`anyOf: [publicNetworkAccess == Disabled, networkAcls.defaultAction == Deny]`."""
    pna = _at(props, ("publicNetworkAccess",))
    if _eq(pna, "disabled"):
        return (pid, "pass", ((P_PNA, pna),))
    acl = _at(props, ("networkAcls", "defaultAction"))
    return (pid, _status(_eq(acl, "deny")), ((P_PNA, pna), (P_ACL, acl)))


def storage_account_access(doc: dict[str, Any]) -> list[Decision]:
    """CCS-AZ-ST-003 (no shared keys), CCS-AZ-ST-004 (firewall denies by default)."""
    props = doc.get("properties")
    shared = _at(props, ("allowSharedKeyAccess",))
    return [("CCS-AZ-ST-003", _status(_false(shared)), (("properties.allowSharedKeyAccess", shared),)),
            _open_or_closed("CCS-AZ-ST-004", props)]


def key_vault_access(doc: dict[str, Any]) -> list[Decision]:
    """CCS-AZ-KV-002 (not public), -003 (RBAC), -004 (premium SKU)."""
    props = doc.get("properties")
    rbac = _at(props, ("enableRbacAuthorization",))
    sku = _at(props, ("sku", "name"))
    kv4: Decision = (("CCS-AZ-KV-004", "unknown", (("properties.sku.name", None),)) if sku is None
                     else ("CCS-AZ-KV-004", _status(_eq(sku, "premium")), (("properties.sku.name", sku),)))
    return [_open_or_closed("CCS-AZ-KV-002", props),
            ("CCS-AZ-KV-003", _status(_true(rbac)), (("properties.enableRbacAuthorization", rbac),)),
            kv4]


def cognitive_account_data(doc: dict[str, Any]) -> list[Decision]:
    """CCS-AZ-AI-004 (customer-managed key), CCS-AZ-AI-005 (outbound restricted)."""
    props = doc.get("properties")
    source = _at(props, ("encryption", "keySource"))
    outbound = _at(props, ("restrictOutboundNetworkAccess",))
    return [("CCS-AZ-AI-004", _status(_eq(source, "microsoft.keyvault")),
             (("properties.encryption.keySource", source),)),
            ("CCS-AZ-AI-005", _status(_true(outbound)),
             (("properties.restrictOutboundNetworkAccess", outbound),))]


def ml_hub(doc: dict[str, Any]) -> list[Decision]:
    """CCS-AZ-ML-002 (hubs allow only approved outbound traffic)."""
    kind = doc.get("kind")
    if not _eq(kind, "hub"):
        return []
    mode = _at(doc.get("properties"), ("managedNetwork", "isolationMode"))
    return [("CCS-AZ-ML-002", _status(_eq(mode, "allowonlyapprovedoutbound")),
             (("kind", kind), ("properties.managedNetwork.isolationMode", mode)))]


def _each(items: Any, keys: tuple[str, ...]) -> list[Any] | None:
    """A plain `[*]` path: the value at `keys` in every element; None if not a list."""
    if type(items) is not list:
        return None
    return [_at(x, keys) for x in items]


VMSS_PROFILE = "properties.virtualMachineProfile"
P_VMSS_SEC = "properties.virtualMachineProfile.securityProfile"


def scale_set(doc: dict[str, Any]) -> list[Decision]:
    """CCS-AZ-VMSS-001 .. CCS-AZ-VMSS-004."""
    props = doc.get("properties")
    profile = _at(props, ("virtualMachineProfile",))
    out: list[Decision] = []
    if profile is None:
        out.append(("CCS-AZ-VMSS-001", "unknown", ((VMSS_PROFILE, None),)))
        out.append(("CCS-AZ-VMSS-002", "unknown", ((VMSS_PROFILE, None),)))
    sectype = _at(profile, ("securityProfile", "securityType"))
    if profile is not None:
        out.append(("CCS-AZ-VMSS-001", _status(_eq(sectype, "confidentialvm")),
                    ((f"{P_VMSS_SEC}.securityType", sectype),)))
        boot = _at(profile, ("securityProfile", "uefiSettings", "secureBootEnabled"))
        p_boot = f"{P_VMSS_SEC}.uefiSettings.secureBootEnabled"
        if not _true(boot):
            out.append(("CCS-AZ-VMSS-002", "fail", ((p_boot, boot),)))
        else:
            vtpm = _at(profile, ("securityProfile", "uefiSettings", "vTpmEnabled"))
            out.append(("CCS-AZ-VMSS-002", _status(_true(vtpm)),
                        ((p_boot, boot), (f"{P_VMSS_SEC}.uefiSettings.vTpmEnabled", vtpm))))
    if _eq(sectype, "confidentialvm"):
        enc = _at(profile, ("storageProfile", "osDisk", "managedDisk", "securityProfile",
                            "securityEncryptionType"))
        out.append(("CCS-AZ-VMSS-003", _status(_eq(enc, "diskwithvmgueststate")), (
            (f"{P_VMSS_SEC}.securityType", sectype),
            (f"{VMSS_PROFILE}.storageProfile.osDisk.managedDisk.securityProfile.securityEncryptionType", enc))))
    sku = _at(doc, ("sku", "name"))
    if sku is None:
        out.append(("CCS-AZ-VMSS-004", "unknown", (("sku.name", None),)))
        return out
    ev: list[tuple[str, Any]] = [("sku.name", sku)]
    ok = isinstance(sku, str) and (sku.lower() == "mix" or bool(CONFIDENTIAL_SIZE.match(sku)))
    if ok:
        sizes = _at(props, ("skuProfile", "vmSizes"))
        listed = sizes if type(sizes) is list else []
        bad = sum(1 for x in listed
                  if not (isinstance(n := _at(x, ("name",)), str) and CONFIDENTIAL_SIZE.match(n)))
        ev.append(("count(properties.skuProfile.vmSizes[*])", bad))
        ok = bad == 0
        if ok and _eq(sku, "mix"):
            names = _each(sizes, ("name",))
            ev.append(("properties.skuProfile.vmSizes[*].name", names))
            ok = bool(names) and all(n is not None for n in names)
    out.append(("CCS-AZ-VMSS-004", _status(ok), tuple(ev)))
    return out


def disk_encryption_set(doc: dict[str, Any]) -> list[Decision]:
    """CCS-AZ-DES-001 (automatic rotation), CCS-AZ-DES-002 (known CMK encryption type)."""
    props = doc.get("properties")
    rotation = _at(props, ("rotationToLatestKeyVersionEnabled",))
    etype = _at(props, ("encryptionType",))
    ev: list[tuple[str, Any]] = [("properties.encryptionType", etype)]
    ok = isinstance(etype, str) and etype.lower() in (
        "encryptionatrestwithcustomerkey", "encryptionatrestwithplatformandcustomerkeys")
    if not ok and _eq(etype, "confidentialvmencryptedwithcustomerkey"):
        url = _at(props, ("activeKey", "keyUrl"))
        ev.append(("properties.activeKey.keyUrl", url))
        ok = url is not None
    return [("CCS-AZ-DES-001", _status(_true(rotation)),
             (("properties.rotationToLatestKeyVersionEnabled", rotation),)),
            ("CCS-AZ-DES-002", _status(ok), tuple(ev))]


def managed_hsm(doc: dict[str, Any]) -> list[Decision]:
    """CCS-AZ-HSM-001 (purge protection and private)."""
    props = doc.get("properties")
    purge = _at(props, ("enablePurgeProtection",))
    if not _true(purge):
        return [("CCS-AZ-HSM-001", "fail", ((P_PURGE, purge),))]
    _, status, ev = _open_or_closed("CCS-AZ-HSM-001", props)
    return [("CCS-AZ-HSM-001", status, ((P_PURGE, purge), *ev))]


def vault_key(doc: dict[str, Any]) -> list[Decision]:
    """CCS-AZ-KEY-001 (exportable keys have a release policy)."""
    props = doc.get("properties")
    exportable = _at(props, ("attributes", "exportable"))
    if not _true(exportable):
        return []
    data = _at(props, ("release_policy", "data"))
    ok = data is not None and not _eq(data, "")
    return [("CCS-AZ-KEY-001", _status(ok),
             (("properties.attributes.exportable", exportable), ("properties.release_policy.data", data)))]


AKS_SIZE = re.compile(
    r"(?i)^Standard_(?:(?:DC|EC)\d+(?:-\d+)?i?[ae]d?s(?:_cc)?_v[5-9]|NCC\d+[a-z]*_[a-z]+\d+_v[5-9])$"
)
P_POOLS = "count(properties.agentPoolProfiles[*])"


def managed_cluster(doc: dict[str, Any]) -> list[Decision]:
    """CCS-AZ-AKS-001 (confidential pools), -002 (KataCcIsolation on cc pools), -003 (private)."""
    props = doc.get("properties")
    pools = _at(props, ("agentPoolProfiles",))
    out: list[Decision] = []
    if pools is None:
        out.append(("CCS-AZ-AKS-001", "unknown", (("properties.agentPoolProfiles", None),)))
    else:
        names = _each(pools, ("name",))
        ev: list[tuple[str, Any]] = [("properties.agentPoolProfiles[*].name", names)]
        ok = bool(names) and all(n is not None for n in names)
        if ok:
            bad = sum(1 for p in pools
                      if not (isinstance(z := _at(p, ("vmSize",)), str) and AKS_SIZE.match(z)))
            ev.append((P_POOLS, bad))
            ok = bad == 0
        out.append(("CCS-AZ-AKS-001", _status(ok), tuple(ev)))
    listed = pools if type(pools) is list else []
    plain = sum(1 for p in listed
                if isinstance(z := _at(p, ("vmSize",)), str) and "_cc_" in z.lower()
                and not _eq(_at(p, ("workloadRuntime",)), "kataccisolation"))
    out.append(("CCS-AZ-AKS-002", _status(plain == 0), ((P_POOLS, plain),)))
    private = _at(props, ("apiServerAccessProfile", "enablePrivateCluster"))
    out.append(("CCS-AZ-AKS-003", _status(_true(private)),
                (("properties.apiServerAccessProfile.enablePrivateCluster", private),)))
    return out


def container_group(doc: dict[str, Any]) -> list[Decision]:
    """CCS-AZ-ACI-001 (Confidential SKU), -002 (no public IP), -003 (no added capabilities)."""
    props = doc.get("properties")
    flag = _at(doc, ("tags", "ccscan:confidential"))
    sku = _at(props, ("sku",))
    out: list[Decision] = []
    if not _eq(flag, "false"):
        out.append(("CCS-AZ-ACI-001", _status(_eq(sku, "confidential")),
                    (("tags['ccscan:confidential']", flag), ("properties.sku", sku))))
    if not _eq(sku, "confidential"):
        return out
    iptype = _at(props, ("ipAddress", "type"))
    public = iptype is not None and not _eq(iptype, "private")  # `not: {notEquals: Private}`
    out.append(("CCS-AZ-ACI-002", _status(not public),
                (("properties.sku", sku), ("properties.ipAddress.type", iptype))))
    containers = _at(props, ("containers",))
    listed = containers if type(containers) is list else []
    added = 0
    for c in listed:
        caps = _at(c, ("properties", "securityContext", "capabilities", "add"))
        added += sum(1 for x in caps if x is not None) if type(caps) is list else 0
    ev: list[tuple[str, Any]] = [
        ("properties.sku", sku),
        ("count(properties.containers[*].properties.securityContext.capabilities.add[*])", added)]
    ok = added == 0
    if ok:
        privileged = sum(1 for c in listed
                         if _true(_at(c, ("properties", "securityContext", "privileged"))))
        ev.append(("count(properties.containers[*])", privileged))
        ok = privileged == 0
    out.append(("CCS-AZ-ACI-003", _status(ok), tuple(ev)))
    cce = _at(props, ("confidentialComputeProperties", "ccePolicy"))
    if cce is not None:  # CCS-AZ-ACI-004: the decoded Rego must not allow all
        try:
            text = base64.b64decode(cce, validate=True).decode("utf-8")
        except (ValueError, TypeError):
            out.append(("CCS-AZ-ACI-004", "unknown", ((P_CCE, cce),)))
        else:
            allow_all = _ALLOW_ALL.search(text) is not None
            out.append(("CCS-AZ-ACI-004", _status(not allow_all),
                        ((P_CCE, cce), (f"{P_CCE}[decoded].text", text))))
    return out


P_CCE = "properties.confidentialComputeProperties.ccePolicy"
_ALLOW_ALL = re.compile(r"(?m)^\s*allow_all\s*:=\s*true\b")


def model_deployment(doc: dict[str, Any]) -> list[Decision]:
    """CCS-AZ-AI-006 (a content filter is attached)."""
    name = _at(doc.get("properties"), ("raiPolicyName",))
    ok = name is not None and not _eq(name, "")
    return [("CCS-AZ-AI-006", _status(ok), (("properties.raiPolicyName", name),))]


def search_service(doc: dict[str, Any]) -> list[Decision]:
    """CCS-AZ-SRCH-001 (no public network access)."""
    pna = _at(doc.get("properties"), ("publicNetworkAccess",))
    return [("CCS-AZ-SRCH-001", _status(_eq(pna, "disabled")), ((P_PNA, pna),))]


def _both(*fns: Callable[[dict[str, Any]], list[Decision]]) -> Callable[[dict[str, Any]], list[Decision]]:
    return lambda doc: [d for fn in fns for d in fn(doc)]


CHECKS: dict[str, Callable[[dict[str, Any]], list[Decision]]] = {
    "microsoft.compute/virtualmachines": virtual_machine,
    "microsoft.compute/disks": disk,
    "microsoft.cognitiveservices/accounts": _both(cognitive_account, cognitive_account_data),
    "microsoft.web/sites": web_site,
    "microsoft.storage/storageaccounts": _both(storage_account, storage_account_access),
    "microsoft.keyvault/vaults": _both(key_vault, key_vault_access),
    "microsoft.machinelearningservices/workspaces": _both(ml_workspace, ml_hub),
    "microsoft.compute/virtualmachinescalesets": scale_set,
    "microsoft.compute/diskencryptionsets": disk_encryption_set,
    "microsoft.keyvault/managedhsms": managed_hsm,
    "microsoft.keyvault/vaults/keys": vault_key,
    "microsoft.containerservice/managedclusters": managed_cluster,
    "microsoft.containerinstance/containergroups": container_group,
    "microsoft.cognitiveservices/accounts/deployments": model_deployment,
    "microsoft.search/searchservices": search_service,
    # Links of the model-transit chain: no single-resource policy judges them (the chain
    # policies CCS-AZ-TRANSIT-* are scoped out of this yardstick, see run.py covered()).
    "microsoft.authorization/roleassignments": lambda doc: [],
    "microsoft.network/privateendpoints": lambda doc: [],
    "microsoft.network/privateendpoints/privatednszonegroups": lambda doc: [],
    "microsoft.network/privatednszones": lambda doc: [],
    "microsoft.network/privatednszones/virtualnetworklinks": lambda doc: [],
}
"""Lower-cased resource type -> its checks (types compare case-insensitively)."""

POLICY_IDS = frozenset((
    "CCS-AZ-VM-001", "CCS-AZ-VM-002", "CCS-AZ-VM-003", "CCS-AZ-VM-004", "CCS-AZ-VM-005",
    "CCS-AZ-DISK-001", "CCS-AZ-DISK-002", "CCS-AZ-AI-001", "CCS-AZ-AI-002", "CCS-AZ-AI-003",
    "CCS-AZ-APP-001", "CCS-AZ-APP-002", "CCS-AZ-APP-003", "CCS-AZ-ST-001", "CCS-AZ-ST-002",
    "CCS-AZ-KV-001", "CCS-AZ-ML-001",
    "CCS-AZ-ST-003", "CCS-AZ-ST-004", "CCS-AZ-KV-002", "CCS-AZ-KV-003", "CCS-AZ-KV-004",
    "CCS-AZ-AI-004", "CCS-AZ-AI-005", "CCS-AZ-AI-006", "CCS-AZ-ML-002", "CCS-AZ-SRCH-001",
    "CCS-AZ-VMSS-001", "CCS-AZ-VMSS-002", "CCS-AZ-VMSS-003", "CCS-AZ-VMSS-004",
    "CCS-AZ-DES-001", "CCS-AZ-DES-002", "CCS-AZ-HSM-001", "CCS-AZ-KEY-001",
    "CCS-AZ-AKS-001", "CCS-AZ-AKS-002", "CCS-AZ-AKS-003",
    "CCS-AZ-ACI-001", "CCS-AZ-ACI-002", "CCS-AZ-ACI-003", "CCS-AZ-ACI-004",
))
"""The policies written here; the benchmark checks this is every built-in Azure policy."""


def check(doc: dict[str, Any]) -> list[Decision]:
    """
    Return (policy id, status, evidence) for each applicable built-in Azure policy.
    """
    fn = CHECKS.get(str(doc.get("type", "")).lower())
    return fn(doc) if fn is not None else []
