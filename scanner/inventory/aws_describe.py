"""
AWS CLI describe outputs → canonical docs: the list answers (`describe-instances`,
`describe-volumes`, `kms describe-key`, `elbv2 describe-load-balancers`, `describe-vpcs`,
`describe-security-groups`, `s3api list-buckets`) and the single objects some commands print (`run-instances`' bare
Reservation, `create-volume`'s bare Volume, one Instance picked with `--query`).

Only what the describe call returns is here: keys the collector derives from further calls
(`KeyRotationEnabled`, `Listeners`, `VpcEndpoints`, `DeniesInsecureTransport`, ...) are
absent, so the policies that `requires` them give `unknown`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_REGION = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d+)")
_ARN = re.compile(r"^arn:[^:]*:[^:]*:([^:]*):([^:]*):")

MARKERS = {
    "Reservations": "aws-ec2-instances",
    "Volumes": "aws-ec2-volumes",
    "ReservationId": "aws-ec2-reservation",
    "InstanceId": "aws-ec2-instance",
    "VolumeId": "aws-ec2-volume",
    "KeyMetadata": "aws-kms-key",
    "LoadBalancers": "aws-elbv2-load-balancers",
    "Vpcs": "aws-ec2-vpcs",
    "SecurityGroups": "aws-ec2-security-groups",  # a bare Instance has the key too: see formats
    "Buckets": "aws-s3-buckets",
}
"""The top-level key that names each AWS output shape; two of them in one object is ambiguous."""

ITEM_MARKERS = {"InstanceId": "aws-ec2-instance", "VolumeId": "aws-ec2-volume"}
"""Shapes that may also come as a JSON array (`--query 'Reservations[].Instances[]'`)."""


def aws_tags(tags: Any) -> dict[str, str]:
    """AWS `[{"Key", "Value"}]` tags (or an already flat dict) → a dict."""
    if isinstance(tags, list):
        return {t.get("Key", ""): t.get("Value", "") for t in tags if isinstance(t, dict)}
    return dict(tags) if isinstance(tags, dict) else {}


def zone_region(zone: str | None) -> str | None:
    """`eu-west-1a` → `eu-west-1`."""
    m = _REGION.match(zone if isinstance(zone, str) else "")
    return m.group(1) if m else None


def _arn_parts(arn: Any) -> tuple[str | None, str | None]:
    m = _ARN.match(arn if isinstance(arn, str) else "")
    return (m.group(1) or None, m.group(2) or None) if m else (None, None)


def aws_resource(
    rtype: str, arn: str, name: str, region: str | None, account: str | None, tags: dict, props: dict
) -> dict[str, Any]:
    """The canonical doc of an AWS resource (shared with the AWS collector)."""
    return {
        "id": arn, "type": rtype, "name": name, "location": region, "provider": "aws",
        "account": account, "tags": tags, "properties": props,
    }


def _object(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise TypeError(f"{what} must be a JSON object, not {type(value).__name__}")
    return value


def _objects(value: Any, what: str) -> list[dict]:
    if not isinstance(value, list):
        raise TypeError(f"{what} must be a JSON array, not {type(value).__name__}")
    return [_object(v, f"{what}[{i}]") for i, v in enumerate(value)]


def ec2_instance(instance: dict, account: str | None, region: str | None = None) -> dict[str, Any]:
    """`describe-instances` Instance → AWS::EC2::Instance."""
    region = region or zone_region(instance.get("Placement", {}).get("AvailabilityZone"))
    tags = aws_tags(instance.get("Tags"))
    iid = instance["InstanceId"]
    arn = f"arn:aws:ec2:{region or ''}:{account or ''}:instance/{iid}"
    return aws_resource("AWS::EC2::Instance", arn, tags.get("Name", iid), region, account, tags, instance)


def ebs_volume(volume: dict, account: str | None = None, region: str | None = None) -> dict[str, Any]:
    """`describe-volumes` Volume → AWS::EC2::Volume (the describe output names no account)."""
    region = region or zone_region(volume.get("AvailabilityZone"))
    tags = aws_tags(volume.get("Tags"))
    vid = volume["VolumeId"]
    arn = f"arn:aws:ec2:{region or ''}:{account or ''}:volume/{vid}"
    return aws_resource("AWS::EC2::Volume", arn, tags.get("Name", vid), region, account, tags, volume)


def instances(data: dict) -> Iterator[dict]:
    """`aws ec2 describe-instances`."""
    for reservation in data["Reservations"]:
        yield from reservation_instances(reservation)


def reservation_instances(reservation: dict) -> Iterator[dict]:
    """One Reservation (`aws ec2 run-instances` prints a bare one)."""
    for instance in _objects(reservation["Instances"], "Instances"):
        yield ec2_instance(instance, reservation.get("OwnerId") or _owner(instance))


def _owner(instance: dict) -> str | None:
    # A bare Instance names no account; its network interfaces do.
    for eni in instance.get("NetworkInterfaces") or []:
        if isinstance(eni, dict) and isinstance(eni.get("OwnerId"), str):
            return eni["OwnerId"]
    return None


def bare_instances(data: Any) -> Iterator[dict]:
    """One Instance object, or an array of them (`--query 'Reservations[].Instances[]'`)."""
    for instance in _objects(data if isinstance(data, list) else [data], "instances"):
        yield ec2_instance(instance, _owner(instance))


def volumes(data: dict) -> Iterator[dict]:
    """`aws ec2 describe-volumes`."""
    for volume in data["Volumes"]:
        yield ebs_volume(volume)


def bare_volumes(data: Any) -> Iterator[dict]:
    """One Volume object (`aws ec2 create-volume`), or an array of them."""
    for volume in _objects(data if isinstance(data, list) else [data], "volumes"):
        yield ebs_volume(volume)


def kms_key(data: dict) -> Iterator[dict]:
    """`aws kms describe-key` → AWS::KMS::Key (no rotation status, aliases or key policy)."""
    meta = _object(data["KeyMetadata"], "KeyMetadata")
    region, account = _arn_parts(meta["Arn"])
    yield aws_resource("AWS::KMS::Key", meta["Arn"], str(meta["KeyId"]), region,
                       meta.get("AWSAccountId") or account, {}, meta)


def load_balancers(data: dict) -> Iterator[dict]:
    """`aws elbv2 describe-load-balancers` → AWS::ElasticLoadBalancingV2::LoadBalancer."""
    for lb in _objects(data["LoadBalancers"], "LoadBalancers"):
        region, account = _arn_parts(lb["LoadBalancerArn"])
        yield aws_resource("AWS::ElasticLoadBalancingV2::LoadBalancer", lb["LoadBalancerArn"],
                           str(lb["LoadBalancerName"]), region, account, {}, lb)


def vpcs(data: dict) -> Iterator[dict]:
    """`aws ec2 describe-vpcs` → AWS::EC2::VPC (the output names no region)."""
    for vpc in _objects(data["Vpcs"], "Vpcs"):
        owner = vpc.get("OwnerId")
        tags = aws_tags(vpc.get("Tags"))
        arn = f"arn:aws:ec2::{owner or ''}:vpc/{vpc['VpcId']}"
        yield aws_resource("AWS::EC2::VPC", arn, tags.get("Name") or vpc["VpcId"], None, owner,
                           tags, vpc)


def security_group(group: dict, region: str | None = None, partition: str = "aws") -> dict[str, Any]:
    """
    `describe-security-groups` SecurityGroup → AWS::EC2::SecurityGroup. The id is the group's
    ARN (`SecurityGroupArn`, which newer APIs print; else built, without a region when the
    output names none).
    """
    gid = group["GroupId"]
    if not isinstance(gid, str) or not gid:
        raise TypeError("security group GroupId must be a non-empty string")
    owner = group.get("OwnerId") if isinstance(group.get("OwnerId"), str) else None
    given = group.get("SecurityGroupArn")
    arn_region, arn_account = _arn_parts(given)
    region = region or arn_region
    arn = f"arn:{partition}:ec2:{region or ''}:{owner or arn_account or ''}:security-group/{gid}"
    tags = aws_tags(group.get("Tags"))
    name = tags.get("Name") or str(group.get("GroupName") or gid)
    return aws_resource("AWS::EC2::SecurityGroup", arn, name, region, owner or arn_account, tags, group)


def config_security_group(props: dict) -> dict:
    """
    An AWS Config SecurityGroup `configuration` (already PascalCase) in describe shape: Config
    lists each rule's IPv4 ranges twice, as `ipv4Ranges` objects and as `ipRanges` strings
    (`["0.0.0.0/0"]`), where describe has `IpRanges: [{"CidrIp": …}]`. Read as they come, the
    strings would hold no `CidrIp`, and an open rule would look closed.
    """
    for key in ("IpPermissions", "IpPermissionsEgress"):
        rules = props.get(key)
        if not isinstance(rules, list):
            continue  # left as is: a policy reading it says `unknown`
        props[key] = [_describe_rule(r) if isinstance(r, dict) else r for r in rules]
    return props


def _describe_rule(rule: dict) -> dict:
    v4, flat = rule.get("Ipv4Ranges"), rule.get("IpRanges")
    if v4 is None and not (isinstance(flat, list) and any(isinstance(c, str) for c in flat)):
        return rule
    if v4 is not None and not isinstance(v4, list) or flat is not None and not isinstance(flat, list):
        return rule  # not lists: left as is, so a policy reading them says `unknown`
    ranges = list(v4 or [])
    seen = {c for r in ranges if isinstance(r, dict) and isinstance(c := r.get("CidrIp"), str)}
    for c in flat or []:
        cidr = c.get("CidrIp") if isinstance(c, dict) else c
        if isinstance(cidr, str):
            if cidr in seen:
                continue  # the same range, given both ways
            seen.add(cidr)
        ranges.append(c if isinstance(c, dict) else {"CidrIp": cidr})
    out = {k: v for k, v in rule.items() if k != "Ipv4Ranges"}
    out["IpRanges"] = ranges
    return out


def security_groups(data: dict) -> Iterator[dict]:
    """`aws ec2 describe-security-groups` → AWS::EC2::SecurityGroup."""
    for group in _objects(data["SecurityGroups"], "SecurityGroups"):
        yield security_group(group)


def buckets(data: dict) -> Iterator[dict]:
    """`aws s3api list-buckets` → AWS::S3::Bucket (names and regions only, no policy)."""
    for bucket in _objects(data["Buckets"], "Buckets"):
        name = bucket["Name"]
        if not isinstance(name, str):
            raise TypeError(f"bucket Name must be a string, not {type(name).__name__}")
        yield aws_resource("AWS::S3::Bucket", f"arn:aws:s3:::{name}", name,
                           bucket.get("BucketRegion"), None, {}, bucket)
