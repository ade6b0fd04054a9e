"""
Recognise each inventory shape and normalise it to the canonical resource document.

Every normaliser takes the parsed JSON and yields canonical docs; `detect` names the shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from scanner.inventory import aws_describe, jsonparse, powershell
from scanner.inventory.aws_describe import aws_resource, aws_tags, ebs_volume, ec2_instance
from scanner.inventory.azcli_names import RenameConflict, rest_names

__all__ = ["FORMATS", "ShapeError", "arm_resource", "aws_resource", "canonical", "detect",
           "ebs_volume", "ec2_instance", "normalise"]

ARM_ENVELOPE = frozenset({
    "id", "name", "type", "location", "tags", "sku", "kind", "identity", "zones", "plan",
    "managedBy", "etag", "extendedLocation", "systemData", "apiVersion", "properties",
    "provider", "account",
    # Added by az CLI / Resource Graph around the ARM envelope:
    "resourceGroup", "subscriptionId", "tenantId",
})
"""Top-level ARM keys; everything else in az CLI's flattened output belongs in `properties`."""

_SUBSCRIPTION = re.compile(r"^/subscriptions/([^/]+)", re.IGNORECASE)

FORMATS = (
    "snapshot", "arm-list", "resource-graph", "arm", "az-cli", "azure-powershell",
    "aws-ec2-instances", "aws-ec2-volumes", "aws-ec2-reservation", "aws-ec2-instance",
    "aws-ec2-volume", "aws-kms-key", "aws-elbv2-load-balancers", "aws-ec2-vpcs",
    "aws-ec2-security-groups", "aws-s3-buckets", "aws-config",
)
"""Names accepted by `--input-format` (plus `auto`)."""


class ShapeError(ValueError):
    """The data matches no known inventory shape (or not the forced one)."""


def detect(data: Any) -> str:
    """
    Name the shape of a parsed inventory file; raise ShapeError when none fits, or when
    the data has the marks of more than one shape (a guess could read the wrong half).
    """
    if isinstance(data, dict):
        shapes = _object_shapes(data)
        what = f"a JSON object with keys {_keys(data)}"
    elif isinstance(data, list):
        if not data:
            raise ShapeError("an empty JSON array holds no resources (and names no shape)")
        shapes = _item_shapes(data[0])
        what = "a JSON array whose first item"
    else:
        raise ShapeError(f"a JSON {type(data).__name__} is no inventory")
    if len(shapes) > 1:
        raise ShapeError(f"{what} has the marks of several shapes ({', '.join(shapes)}); "
                         "split it, or force one with --input-format")
    if not shapes:
        if isinstance(data, list):
            raise ShapeError("a JSON array whose items are not ARM resources or AWS Config items "
                             "(nor PowerShell objects or AWS instances or volumes)")
        raise ShapeError(f"{what} is no known inventory shape")
    return shapes[0]


def _object_shapes(data: dict) -> list[str]:
    if "ccscan_snapshot" in data:
        return ["snapshot"]
    shapes = [shape for key, shape in aws_describe.MARKERS.items() if key in data]
    if "aws-ec2-instance" in shapes:  # an Instance lists its SecurityGroups: not the groups' output
        shapes = [s for s in shapes if s != "aws-ec2-security-groups"]
    if _is_config(data) or any(k in data for k in ("configurationItems", "baseConfigurationItems", "Results")):
        shapes.append("aws-config")
    if isinstance(data.get("value"), list):
        shapes.append("arm-list")
    if "data" in data and isinstance(data["data"], (list, dict)):
        shapes.append("resource-graph")
    return shapes + [s for s in _resource_shapes(data) if s not in shapes]


def _item_shapes(first: Any) -> list[str]:
    if not isinstance(first, dict):
        return []
    shapes = ["aws-config"] if _is_config(first) else []
    shapes += [shape for key, shape in aws_describe.ITEM_MARKERS.items() if key in first]
    return shapes + _resource_shapes(first)


def _resource_shapes(d: dict) -> list[str]:
    shapes = []
    if isinstance(d.get("id"), str) and isinstance(d.get("type"), str):
        shapes.append("arm" if "properties" in d else "az-cli")
    if powershell.is_powershell(d):
        shapes.append("azure-powershell")
    return shapes


def _keys(d: dict) -> str:
    keys = list(d)[:5]
    return "{" + ", ".join(repr(k) for k in keys) + (", …}" if len(d) > 5 else "}")


def _is_config(d: Any) -> bool:
    return isinstance(d, dict) and "resourceType" in d and ("configuration" in d or "resourceId" in d)


def normalise(shape: str, data: Any) -> Iterator[dict[str, Any]]:
    """
    Yield canonical docs from parsed data of the given shape; raise ShapeError on mismatch.
    """
    try:
        yield from NORMALISERS[shape](data)
    except (KeyError, TypeError, AttributeError) as e:
        raise ShapeError(f"does not have the {shape} shape ({type(e).__name__}: {e})") from None
    except (powershell.PowerShellShapeError, RenameConflict) as e:
        raise ShapeError(str(e)) from None


def canonical(item: Any, owned: bool = False) -> dict[str, Any]:
    """
    Normalise one resource of any single-resource shape (JSONL lines, list items).

    `owned`: `item` was parsed for this call alone (a JSONL line), so an ARM resource is
    completed in place rather than copied.
    """
    if not isinstance(item, dict):
        raise ShapeError(f"a resource must be a JSON object, not {type(item).__name__}")
    if item.get("provider") == "aws":
        return item
    if _is_config(item):
        return config_item(item)
    if powershell.is_powershell(item):
        try:
            return arm_resource(powershell.to_rest(item))
        except powershell.PowerShellShapeError as e:
            raise ShapeError(str(e)) from None
    return arm_resource(item, owned)


def arm_resource(item: dict[str, Any], owned: bool = False) -> dict[str, Any]:
    """An ARM or az CLI resource: lift az's flattened properties back under `properties`."""
    if isinstance(item.get("properties"), dict):
        doc = item if owned else dict(item)  # the same keys, in the same order, either way
    else:
        doc = {k: v for k, v in item.items() if k in ARM_ENVELOPE and k != "properties"}
        flat = {k: v for k, v in item.items() if k not in ARM_ENVELOPE}
        doc["properties"] = rest_names(str(doc.get("type", "")), flat)
    doc.setdefault("provider", "azure")
    if "account" not in doc:
        m = _SUBSCRIPTION.match(str(doc.get("id", "")))
        doc["account"] = m.group(1) if m else doc.get("subscriptionId")
    if doc.get("tags") is None:
        doc["tags"] = {}
    return doc


def _arm_list(data: dict) -> Iterator[dict]:
    for item in data["value"]:
        yield arm_resource(item)


def _arm_items(data: Any) -> Iterator[dict]:
    for item in data if isinstance(data, list) else [data]:
        yield arm_resource(item)


def _powershell(data: Any) -> Iterator[dict]:
    for item in data if isinstance(data, list) else [data]:
        yield arm_resource(powershell.to_rest(item))


def _resource_graph(data: dict) -> Iterator[dict]:
    rows = data["data"]
    if isinstance(rows, dict):  # table form: {"columns": [{"name": …}], "rows": [[…]]}
        names = [c["name"] for c in rows["columns"]]
        for i, row in enumerate(rows["rows"]):
            if not isinstance(row, list) or len(row) != len(names):
                got = f"{len(row)} values" if isinstance(row, list) else f"a {type(row).__name__}"
                raise ShapeError(f"Resource Graph table row #{i + 1} has {got} "
                                 f"for {len(names)} columns")
            yield arm_resource(dict(zip(names, row, strict=True)))
        return
    for item in rows:
        yield arm_resource(item)


def _snapshot(data: dict) -> Iterator[dict]:
    for item in data["resources"]:
        yield canonical(item)


def _upper_first(value: Any) -> Any:
    # AWS Config serialises describe shapes in camelCase; policies read the describe
    # API's PascalCase (CpuOptions.AmdSevSnp), so keys are lifted to match.
    if isinstance(value, dict):
        return {(k[:1].upper() + k[1:] if isinstance(k, str) else k): _upper_first(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_upper_first(v) for v in value]
    return value


def _embedded(text: str, what: str, depth: int) -> Any:
    # AWS Config nests JSON documents as strings; they count towards the depth limit of the
    # canonical doc they end up in (`depth` levels above them).
    try:
        return jsonparse.loads(text, jsonparse.MAX_DEPTH - depth)
    except jsonparse.JsonError as e:
        raise ShapeError(f"{what} is a string but not JSON ({e.message})") from None


def config_item(item: dict[str, Any]) -> dict[str, Any]:
    """An AWS Config configuration item → canonical doc (`configuration` → `properties`)."""
    conf = item.get("configuration") or {}
    if isinstance(conf, str):
        conf = _embedded(conf, "configuration", 1)
    if not isinstance(conf, dict):
        raise ShapeError(f"configuration must be a JSON object, not {type(conf).__name__}")
    props = _upper_first(conf)
    if str(item.get("resourceType", "")).lower() == "aws::ec2::securitygroup":
        props = aws_describe.config_security_group(props)
    supp = item.get("supplementaryConfiguration")
    if supp:
        if not isinstance(supp, dict):
            raise ShapeError("supplementaryConfiguration must be a JSON object, "
                             f"not {type(supp).__name__}")
        props["SupplementaryConfiguration"] = _upper_first({
            k: (_embedded(v, f"supplementaryConfiguration.{k}", 3)
                if isinstance(v, str) and v[:1] in "[{" else v)
            for k, v in supp.items()
        })
    tags = item.get("tags") or {}
    rid = item.get("resourceId", "")
    arn = item.get("ARN") or item.get("arn") or rid
    return aws_resource(item["resourceType"], arn, item.get("resourceName") or rid,
                        item.get("awsRegion"), item.get("awsAccountId") or item.get("accountId"),
                        aws_tags(tags), props)


def _config(data: Any) -> Iterator[dict]:
    if isinstance(data, list):
        items = data
    elif _is_config(data):
        items = [data]
    else:
        items = data.get("configurationItems") or data.get("baseConfigurationItems") or [
            _embedded(r, f"Results[{i}]", 0) if isinstance(r, str) else r
            for i, r in enumerate(data.get("Results", []))
        ]
    for item in items:
        yield config_item(item)


NORMALISERS: dict[str, Callable[[Any], Iterator[dict]]] = {
    "snapshot": _snapshot,
    "arm-list": _arm_list,
    "resource-graph": _resource_graph,
    "arm": _arm_items,
    "az-cli": _arm_items,
    "azure-powershell": _powershell,
    "aws-ec2-instances": aws_describe.instances,
    "aws-ec2-volumes": aws_describe.volumes,
    "aws-ec2-reservation": aws_describe.reservation_instances,
    "aws-ec2-instance": aws_describe.bare_instances,
    "aws-ec2-volume": aws_describe.bare_volumes,
    "aws-kms-key": aws_describe.kms_key,
    "aws-elbv2-load-balancers": aws_describe.load_balancers,
    "aws-ec2-vpcs": aws_describe.vpcs,
    "aws-ec2-security-groups": aws_describe.security_groups,
    "aws-s3-buckets": aws_describe.buckets,
    "aws-config": _config,
}
