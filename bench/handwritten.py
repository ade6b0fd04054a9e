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


CHECKS: dict[str, Callable[[dict[str, Any]], list[Decision]]] = {
    "microsoft.compute/virtualmachines": virtual_machine,
    "microsoft.compute/disks": disk,
    "microsoft.cognitiveservices/accounts": cognitive_account,
    "microsoft.web/sites": web_site,
    "microsoft.storage/storageaccounts": storage_account,
    "microsoft.keyvault/vaults": key_vault,
    "microsoft.machinelearningservices/workspaces": ml_workspace,
}
"""Lower-cased resource type -> its checks (types compare case-insensitively)."""

POLICY_IDS = frozenset((
    "CCS-AZ-VM-001", "CCS-AZ-VM-002", "CCS-AZ-VM-003", "CCS-AZ-VM-004", "CCS-AZ-VM-005",
    "CCS-AZ-DISK-001", "CCS-AZ-DISK-002", "CCS-AZ-AI-001", "CCS-AZ-AI-002", "CCS-AZ-AI-003",
    "CCS-AZ-APP-001", "CCS-AZ-APP-002", "CCS-AZ-APP-003", "CCS-AZ-ST-001", "CCS-AZ-ST-002",
    "CCS-AZ-KV-001", "CCS-AZ-ML-001",
))
"""The policies written here; the benchmark checks this is every built-in Azure policy."""


def check(doc: dict[str, Any]) -> list[Decision]:
    """
    Return (policy id, status, evidence) for each applicable built-in Azure policy.
    """
    fn = CHECKS.get(str(doc.get("type", "")).lower())
    return fn(doc) if fn is not None else []
