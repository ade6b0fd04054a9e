"""
The az CLI prints its Python SDK's attribute names (camelCased) where those differ from the
REST API's: rename them back, so policies written against the REST shape read az output.

Each rename is the SDK model's own mapping (its `rest_field(name=...)`), see
tests/inventory/test_azcli_names.py, which checks this table against the installed SDKs.
Only the flattened az output (no `properties` wrapper) is renamed: where az keeps the
wrapper it prints what the service returned.
"""

from __future__ import annotations

from typing import Any

RENAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "microsoft.storage/storageaccounts": (
        ("enableHttpsTrafficOnly", "supportsHttpsTrafficOnly"),
        ("networkRuleSet", "networkAcls"),
        ("networkAcls.virtualNetworkRules[].virtualNetworkResourceId", "id"),
        ("networkAcls.ipRules[].ipAddressOrRange", "value"),
        ("networkAcls.ipv6Rules[].ipAddressOrRange", "value"),
        ("enableNfsV3", "isNfsV3Enabled"),
        ("encryption.keyVaultProperties", "keyvaultproperties"),
        ("encryption.keyvaultproperties.keyName", "keyname"),
        ("encryption.keyvaultproperties.keyVersion", "keyversion"),
        ("encryption.keyvaultproperties.keyVaultUri", "keyvaulturi"),
        ("encryption.encryptionIdentity", "identity"),
        ("encryption.identity.encryptionUserAssignedIdentity", "userAssignedIdentity"),
        ("encryption.identity.encryptionFederatedIdentityClientId", "federatedIdentityClientId"),
    ),
    "microsoft.compute/disks": (
        ("diskSizeGb", "diskSizeGB"),
        ("diskIopsReadWrite", "diskIOPSReadWrite"),
        ("diskIopsReadOnly", "diskIOPSReadOnly"),
        ("securityProfile.secureVmDiskEncryptionSetId", "secureVMDiskEncryptionSetId"),
        ("securityProfile.confidentialVmVersion", "confidentialVMVersion"),
        ("lastOwnershipUpdateTime", "LastOwnershipUpdateTime"),
    ),
    "microsoft.compute/virtualmachines": (
        ("storageProfile.osDisk.diskSizeGb", "diskSizeGB"),
        ("storageProfile.dataDisks[].diskSizeGb", "diskSizeGB"),
        ("storageProfile.dataDisks[].diskIopsReadWrite", "diskIOPSReadWrite"),
        ("additionalCapabilities.ultraSsdEnabled", "ultraSSDEnabled"),
        ("osProfile.linuxConfiguration.provisionVmAgent", "provisionVMAgent"),
        ("osProfile.windowsConfiguration.provisionVmAgent", "provisionVMAgent"),
        ("osProfile.windowsConfiguration.winRm", "winRM"),
    ),
    "microsoft.compute/virtualmachinescalesets": (
        ("virtualMachineProfile.storageProfile.osDisk.diskSizeGb", "diskSizeGB"),
        ("virtualMachineProfile.storageProfile.dataDisks[].diskSizeGb", "diskSizeGB"),
        ("upgradePolicy.automaticOsUpgradePolicy", "automaticOSUpgradePolicy"),
        ("upgradePolicy.automaticOSUpgradePolicy.enableAutomaticOsUpgrade",
         "enableAutomaticOSUpgrade"),
        ("additionalCapabilities.ultraSsdEnabled", "ultraSSDEnabled"),
    ),
    "microsoft.web/sites": (
        ("hostNameSslStates[].virtualIp", "virtualIP"),
        ("siteConfig.acrUserManagedIdentityId", "acrUserManagedIdentityID"),
        ("siteConfig.autoHealRules.triggers.privateBytesInKb", "privateBytesInKB"),
        ("functionAppConfig.scaleAndConcurrency.instanceMemoryMb", "instanceMemoryMB"),
    ),
}
"""Type → (az path under `properties`, REST name of its last part), applied in order, so a
later path names the parent by its REST name. `[]` steps into every item of an array."""


class RenameConflict(ValueError):
    """Both the az name and the REST name are present, with different values."""


def rest_names(rtype: str, props: dict[str, Any]) -> dict[str, Any]:
    """
    Return `props` (az's flattened properties of a `rtype` resource) with REST names.

    Raise RenameConflict when both names of one field hold different values.
    """
    renames = RENAMES.get(rtype.lower())
    if not renames:
        return props
    props = _copy(props)
    for path, new in renames:
        *parents, old = path.split(".")
        for holder in holders(props, parents):
            if old not in holder:
                continue
            value = holder.pop(old)
            if new in holder and holder[new] != value:
                raise RenameConflict(
                    f"both {old!r} (az CLI) and {new!r} (REST) are set, to different values, "
                    f"at {'.'.join(['properties', *parents])}")
            holder[new] = value
    return props


def holders(value: Any, steps: list[str]) -> list[dict]:
    """The objects at `steps` under `value` (`name[]` steps into each item of an array)."""
    found = [value]
    for step in steps:
        key, each = (step[:-2], True) if step.endswith("[]") else (step, False)
        nxt: list[dict] = []
        for v in found:
            child = v.get(key) if isinstance(v, dict) else None
            if each and isinstance(child, list):
                nxt.extend(c for c in child if isinstance(c, dict))
            elif not each and isinstance(child, dict):
                nxt.append(child)
        found = nxt
    return [f for f in found if isinstance(f, dict)]


def _copy(value: Any) -> Any:
    # Renaming works on a copy: the caller's parsed document stays as read.
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
