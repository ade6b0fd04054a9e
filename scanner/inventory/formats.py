"""
Recognise each inventory shape and normalise it to the canonical resource document.

Every normaliser takes the parsed JSON and yields canonical docs; `detect` names the shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from scanner.inventory import jsonparse

ARM_ENVELOPE = frozenset({
    "id", "name", "type", "location", "tags", "sku", "kind", "identity", "zones", "plan",
    "managedBy", "etag", "extendedLocation", "systemData", "apiVersion", "properties",
    "provider", "account",
    # Added by az CLI / Resource Graph around the ARM envelope:
    "resourceGroup", "subscriptionId", "tenantId",
})
"""Top-level ARM keys; everything else in az CLI's flattened output belongs in `properties`."""

_SUBSCRIPTION = re.compile(r"^/subscriptions/([^/]+)", re.IGNORECASE)
_REGION = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d+)")

FORMATS = (
    "snapshot", "arm-list", "resource-graph", "arm", "az-cli", "aws-ec2-instances",
    "aws-ec2-volumes", "aws-config",
)
"""Names accepted by `--input-format` (plus `auto`)."""


class ShapeError(ValueError):
    """The data matches no known inventory shape (or not the forced one)."""


def detect(data: Any) -> str:
    """
    Name the shape of a parsed inventory file; raise ShapeError when none fits.
    """
    if isinstance(data, dict):
        if "ccscan_snapshot" in data:
            return "snapshot"
        if "Reservations" in data:
            return "aws-ec2-instances"
        if "Volumes" in data:
            return "aws-ec2-volumes"
        if _is_config(data) or any(k in data for k in ("configurationItems", "baseConfigurationItems", "Results")):
            return "aws-config"
        if isinstance(data.get("value"), list):
            return "arm-list"
        if "data" in data and isinstance(data["data"], (list, dict)):
            return "resource-graph"
        if isinstance(data.get("id"), str) and isinstance(data.get("type"), str):
            return "arm" if "properties" in data else "az-cli"
        raise ShapeError(f"a JSON object with keys {_keys(data)} is no known inventory shape")
    if isinstance(data, list):
        if not data:
            raise ShapeError("an empty JSON array holds no resources (and names no shape)")
        first = data[0]
        if _is_config(first):
            return "aws-config"
        if isinstance(first, dict) and "id" in first and "type" in first:
            return "arm" if "properties" in first else "az-cli"
        raise ShapeError("a JSON array whose items are not ARM resources or AWS Config items")
    raise ShapeError(f"a JSON {type(data).__name__} is no inventory")


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


def canonical(item: Any) -> dict[str, Any]:
    """
    Normalise one resource of any single-resource shape (JSONL lines, list items).
    """
    if not isinstance(item, dict):
        raise ShapeError(f"a resource must be a JSON object, not {type(item).__name__}")
    if item.get("provider") == "aws":
        return item
    if _is_config(item):
        return config_item(item)
    return arm_resource(item)


def arm_resource(item: dict[str, Any]) -> dict[str, Any]:
    """An ARM or az CLI resource: lift az's flattened properties back under `properties`."""
    if "properties" in item and isinstance(item.get("properties"), dict):
        doc = dict(item)
    else:
        doc = {k: v for k, v in item.items() if k in ARM_ENVELOPE and k != "properties"}
        doc["properties"] = {k: v for k, v in item.items() if k not in ARM_ENVELOPE}
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


def _aws_tags(tags: Any) -> dict[str, str]:
    if isinstance(tags, list):
        return {t.get("Key", ""): t.get("Value", "") for t in tags if isinstance(t, dict)}
    return dict(tags) if isinstance(tags, dict) else {}


def _region(zone: str | None) -> str | None:
    m = _REGION.match(zone or "")
    return m.group(1) if m else None


def aws_resource(
    rtype: str, arn: str, name: str, region: str | None, account: str | None, tags: dict, props: dict
) -> dict[str, Any]:
    """The canonical doc of an AWS resource (shared with the AWS collector)."""
    return {
        "id": arn, "type": rtype, "name": name, "location": region, "provider": "aws",
        "account": account, "tags": tags, "properties": props,
    }


def ec2_instance(instance: dict, account: str | None, region: str | None = None) -> dict[str, Any]:
    """`describe-instances` Instance → AWS::EC2::Instance."""
    region = region or _region(instance.get("Placement", {}).get("AvailabilityZone"))
    tags = _aws_tags(instance.get("Tags"))
    iid = instance["InstanceId"]
    arn = f"arn:aws:ec2:{region or ''}:{account or ''}:instance/{iid}"
    return aws_resource("AWS::EC2::Instance", arn, tags.get("Name", iid), region, account, tags, instance)


def ebs_volume(volume: dict, account: str | None = None, region: str | None = None) -> dict[str, Any]:
    """`describe-volumes` Volume → AWS::EC2::Volume (the describe output names no account)."""
    region = region or _region(volume.get("AvailabilityZone"))
    tags = _aws_tags(volume.get("Tags"))
    vid = volume["VolumeId"]
    arn = f"arn:aws:ec2:{region or ''}:{account or ''}:volume/{vid}"
    return aws_resource("AWS::EC2::Volume", arn, tags.get("Name", vid), region, account, tags, volume)


def _instances(data: dict) -> Iterator[dict]:
    for reservation in data["Reservations"]:
        for instance in reservation["Instances"]:
            yield ec2_instance(instance, reservation.get("OwnerId"))


def _volumes(data: dict) -> Iterator[dict]:
    for volume in data["Volumes"]:
        yield ebs_volume(volume)


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
                        _aws_tags(tags), props)


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
    "aws-ec2-instances": _instances,
    "aws-ec2-volumes": _volumes,
    "aws-config": _config,
}
