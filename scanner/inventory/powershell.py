"""
Azure PowerShell `ConvertTo-Json` output → the ARM REST resource shape.

Two cmdlets are read: `Get-AzResource -ExpandProperties` (a PascalCase envelope around the
REST `properties`, which keep their camelCase names) and `Get-AzVM` (the .NET SDK model,
PascalCase everywhere, properties flattened to the top). ConvertTo-Json writes objects deeper
than its `-Depth` (2 by default) as type names or `@{...}` strings; such a document has lost
the fields policies read, so it is refused, never judged.
"""

from __future__ import annotations

import re
from typing import Any

from scanner.inventory.azcli_names import holders

_TYPE_NAME = (r"(?:System\.[\w.`]+|Microsoft\.Azure\.(?:Management|Commands|PowerShell)\.[\w.`]+)"
              r"(?:\[[^\s]*\])?")
TRUNCATED = re.compile(rf"^{_TYPE_NAME}(?: {_TYPE_NAME})*$|^@\{{(?:[^=;{{}}]+=.*)?\}}$")
"""What ConvertTo-Json writes in place of an object nested deeper than -Depth: its type name
(an array of them space-joined) or, for a PSCustomObject, `@{key=value; ...}`."""

ENVELOPE = {
    "Id": "id", "ResourceId": "id", "Name": "name", "ResourceName": "name", "Type": "type",
    "ResourceType": "type", "Location": "location", "Tags": "tags", "Sku": "sku", "Kind": "kind",
    "Identity": "identity", "Plan": "plan", "Zones": "zones", "ManagedBy": "managedBy",
    "ETag": "etag", "Etag": "etag", "ExtendedLocation": "extendedLocation",
    "ResourceGroupName": "resourceGroup", "SubscriptionId": "subscriptionId",
}
"""PascalCase envelope key → ARM key; `Id`/`ResourceId` (and the other pairs) are aliases."""

LOWER_ENVELOPE = frozenset({"id", "type", "name", "properties", "location", "tags"})

PS_ONLY = frozenset({
    "TagsTable", "CreatedTime", "ChangedTime", "ParentResource", "ExtensionResourceName",
    "ExtensionResourceType", "RequestId", "StatusCode", "Extensions", "DisplayHint",
    "FullyQualifiedDomainName",
})
"""Keys the cmdlets add that are no part of the REST resource (`Extensions` is the VM's
child `resources`, which the REST GET of a VM does not need for any policy)."""

VM_RENAMES = {
    "OSProfile": "osProfile",
    "OSDisk": "osDisk",
    "AvailabilitySetReference": "availabilitySet",
}
"""Get-AzVM keys whose REST name is not the key with its first letter lowered."""

VM_FLATTENED = (
    ("networkProfile.networkInterfaces[]", frozenset({"id"})),
    ("networkProfile.networkInterfaceConfigurations[]", frozenset({"name"})),
    ("networkProfile.networkInterfaceConfigurations[].properties.ipConfigurations[]",
     frozenset({"name"})),
    ("networkProfile.networkInterfaceConfigurations[].properties.ipConfigurations[]"
     + ".properties.publicIPAddressConfiguration", frozenset({"name", "sku"})),
)
"""Sub-resources the .NET SDK flattens (x-ms-client-flatten): at each path (REST names, in
order), every key but the listed ones moves back under the item's `properties`."""

VM_ENUMS = {
    "osType": ("Windows", "Linux"),
    "caching": ("None", "ReadOnly", "ReadWrite"),
}
""".NET enums that ConvertTo-Json writes as numbers (without -EnumsAsStrings)."""

DATA_MAPS = frozenset({"userAssignedIdentities"})
"""Objects whose keys are data (resource ids), not field names: kept as they are."""

_VM_TYPE = "microsoft.compute/virtualmachines"


class PowerShellShapeError(ValueError):
    """The document is PowerShell output that cannot be read faithfully."""


def is_powershell(item: Any) -> bool:
    """A PascalCase envelope: `Id`/`ResourceId` and `Type`/`ResourceType`."""
    # spelled out, not any() over generators: asked of every JSONL record
    return isinstance(item, dict) \
        and (isinstance(item.get("Id"), str) or isinstance(item.get("ResourceId"), str)) \
        and (isinstance(item.get("Type"), str) or isinstance(item.get("ResourceType"), str))


def to_rest(item: Any) -> dict[str, Any]:
    """
    One PowerShell resource → an ARM REST resource (envelope and `properties`).

    Raise PowerShellShapeError for a truncated document, mixed PascalCase/camelCase envelope,
    Get-AzResource output without -ExpandProperties, or an SDK model other than Get-AzVM's.
    """
    if not isinstance(item, dict):
        raise PowerShellShapeError(f"a resource must be a JSON object, not {type(item).__name__}")
    _check_truncated(item, "")
    mixed = sorted(LOWER_ENVELOPE & item.keys())
    if mixed:
        raise PowerShellShapeError(
            f"mixes PowerShell's PascalCase envelope with ARM's camelCase key {mixed[0]!r}: "
            "which one holds the resource is unclear")
    doc: dict[str, Any] = {}
    for key, value in item.items():
        if key in ENVELOPE:
            _put(doc, ENVELOPE[key], _envelope_value(ENVELOPE[key], value), key)
    if not isinstance(doc.get("id"), str) or not isinstance(doc.get("type"), str):
        raise PowerShellShapeError("a PowerShell resource needs a string Id and Type")
    if "Properties" in item or "ResourceType" in item or "ResourceId" in item:
        props = item.get("Properties")
        if props is None:
            raise PowerShellShapeError(
                f"{doc['id']}: Properties is empty; export with "
                "`Get-AzResource -ExpandProperties | ConvertTo-Json -Depth 100`")
        if not isinstance(props, dict):
            raise PowerShellShapeError(
                f"Properties must be a JSON object, not {type(props).__name__}")
        doc["properties"] = props
    elif doc["type"].lower() == _VM_TYPE:
        doc["properties"] = _unflatten({
            _vm_key(k): _vm_value(_vm_key(k), v) for k, v in item.items()
            if k not in ENVELOPE and k not in PS_ONLY and not _text_copy(k, item)
        })
    else:
        raise PowerShellShapeError(
            f"PowerShell object of type {doc['type']!r} without Properties: only "
            "`Get-AzResource -ExpandProperties` and `Get-AzVM` output is read")
    return doc


def _unflatten(props: dict[str, Any]) -> dict[str, Any]:
    for path, keep in VM_FLATTENED:
        for holder in holders(props, path.split(".")[:-1]):
            last = path.rsplit(".", 1)[-1]
            key, each = (last[:-2], True) if last.endswith("[]") else (last, False)
            value = holder.get(key)
            items = value if each and isinstance(value, list) else [value] if not each else []
            for sub in items:
                if isinstance(sub, dict) and "properties" not in sub:
                    moved = {k: sub.pop(k) for k in [k for k in sub if k not in keep]}
                    if moved:
                        sub["properties"] = moved
    return props


def _text_copy(key: str, item: dict) -> bool:
    # Older Az.Compute models carry `HardwareProfileText` etc.: the same object as a JSON
    # string, which ConvertTo-Json writes too (it ignores [JsonIgnore]).
    return key.endswith("Text") and key[:-4] in item


def _put(doc: dict, key: str, value: Any, source: str) -> None:
    # `Id` and `ResourceId` (`Name`/`ResourceName`, ...) are aliases; two that differ are
    # not one resource.
    if key in doc and doc[key] != value:
        raise PowerShellShapeError(f"{source} {value!r} differs from {doc[key]!r} under another name")
    doc[key] = value


def _envelope_value(key: str, value: Any) -> Any:
    if key in ("sku", "identity", "plan", "extendedLocation"):
        return _camel(value)
    if key == "tags" and value is None:
        return {}
    return value


def _check_truncated(value: Any, path: str) -> None:
    if isinstance(value, str):
        if TRUNCATED.match(value):
            raise PowerShellShapeError(
                f"{path or 'the document'} is {value[:60]!r}: ConvertTo-Json cut the document "
                "off at its -Depth (2 by default); export again with `ConvertTo-Json -Depth 100`")
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_truncated(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_truncated(v, f"{path}[{i}]")


def _lower_first(key: Any) -> Any:
    return key[:1].lower() + key[1:] if isinstance(key, str) else key


def _camel(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            name = _lower_first(k)
            out[name] = ({kk: _camel(vv) for kk, vv in v.items()}
                         if name in DATA_MAPS and isinstance(v, dict) else _camel(v))
        return out
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def _vm_key(key: Any) -> Any:
    return VM_RENAMES.get(key, _lower_first(key))


def _vm_value(name: Any, value: Any) -> Any:
    if isinstance(value, dict):
        return {_vm_key(k): _vm_value(_vm_key(k), v) for k, v in value.items()}
    if isinstance(value, list):
        return [_vm_value(None, v) for v in value]
    enum = VM_ENUMS.get(name) if isinstance(name, str) else None
    if enum and isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value < len(enum):
            raise PowerShellShapeError(f"{name} {value} is no known value ({', '.join(enum)})")
        return enum[value]
    return value
