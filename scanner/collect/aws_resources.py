"""
Fetchers for the AWS resource types ccscan collects, and their canonical documents.

Each fetcher takes a `RegionContext` and yields canonical docs (see DESIGN.md): the describe
shape as boto3 returns it under `properties` (timestamps as ISO 8601 strings, as the AWS CLI
prints them), plus related data under documented keys (README "Derived keys"). Every list
call goes through a paginator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from botocore.exceptions import ClientError

from scanner.inventory.aws_describe import security_group
from scanner.inventory.formats import aws_resource, ebs_volume, ec2_instance


@dataclass(frozen=True)
class RegionContext:
    """
    What a fetcher needs: ids, a client factory, and a way to record partial failures.
    """

    account: str
    partition: str
    region: str
    regions: tuple[str, ...]
    """Every region scanned in this account (S3 buckets outside them are skipped)."""
    client: Callable[..., Any]
    """`client(service, region=this region)` -> a cached, thread-safe boto3 client."""
    note: Callable[[str, str], None]
    """`note(scope, reason)` records an incomplete scope and collection goes on."""
    reason: Callable[[Exception], str]
    """One line for an exception, credentials scrubbed."""
    available: Callable[[str], tuple[str, ...]]
    """Regions where a service has an endpoint in this partition."""

    def scope(self, what: str) -> str:
        return f"aws {self.account}/{self.region} {what}"


def jsonable(value: Any) -> Any:
    """
    Return `value` with datetimes as ISO 8601 strings and boto3's ResponseMetadata dropped.
    """
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def tag_dict(tags: list[dict] | None, key: str = "Key", value: str = "Value") -> dict[str, str]:
    """
    Return `[{"Key": k, "Value": v}]` as `{k: v}`.
    """
    return {str(t.get(key)): str(t.get(value, "")) for t in tags or [] if t.get(key) is not None}


def canonical(
    rtype: str, arn: str, name: str, region: str, account: str, tags: dict, properties: dict
) -> dict:
    """
    Return one canonical AWS resource document (the file loaders' shape, JSON-safe values).
    """
    return aws_resource(rtype, arn, name, region, account, tags, jsonable(properties))


def instance_doc(instance: dict, owner_id: str, partition: str = "aws") -> dict:
    """
    Return the canonical `AWS::EC2::Instance`, exactly as the describe-instances loader does.
    """
    doc = ec2_instance(jsonable(instance), owner_id)
    return _partition(doc, partition)


def volume_doc(volume: dict, region: str, account: str, partition: str = "aws") -> dict:
    """
    Return the canonical `AWS::EC2::Volume`, as the describe-volumes loader does given the
    account and region (which describe-volumes output itself does not name).
    """
    return _partition(ebs_volume(jsonable(volume), account, region), partition)


def _partition(doc: dict, partition: str) -> dict:
    # The file loaders assume the `aws` partition; GovCloud and China ARNs differ.
    if partition != "aws":
        doc["id"] = doc["id"].replace("arn:aws:", f"arn:{partition}:", 1)
    return doc


def _paginate(client: Any, op: str, key: str, **kwargs: Any) -> Iterator[dict]:
    for page in client.get_paginator(op).paginate(**kwargs):
        yield from page.get(key, [])


def _code(e: ClientError) -> str:
    return str(e.response.get("Error", {}).get("Code", ""))


def fetch_instances(ctx: RegionContext) -> Iterator[dict]:
    """
    Yield EC2 instances (CpuOptions.AmdSevSnp, EnclaveOptions, MetadataOptions included).
    """
    ec2 = ctx.client("ec2")
    for page in ec2.get_paginator("describe_instances").paginate():
        for reservation in page.get("Reservations", []):
            owner = str(reservation.get("OwnerId") or ctx.account)
            for instance in reservation.get("Instances", []):
                yield instance_doc(instance, owner, ctx.partition)


def fetch_volumes(ctx: RegionContext) -> Iterator[dict]:
    """
    Yield EBS volumes; encrypted ones get `KmsKeyMetadata` (kms:DescribeKey of their key).

    describe-volumes gives only the key ARN, also for the AWS managed `aws/ebs` key; the key's
    `KeyManager` (AWS or CUSTOMER) is what CCS-AWS-EBS-002 checks.
    """
    keys: dict[str, dict | None] = {}
    for volume in _paginate(ctx.client("ec2"), "describe_volumes", "Volumes"):
        doc = volume_doc(volume, ctx.region, ctx.account, ctx.partition)
        key = volume.get("KmsKeyId")
        if key:
            if key not in keys:  # one DescribeKey per key, not per volume
                keys[key] = _key_metadata(ctx, key)
            if keys[key] is not None:
                doc["properties"]["KmsKeyMetadata"] = keys[key]
        yield doc


def _key_metadata(ctx: RegionContext, key_id: str) -> dict | None:
    try:
        meta = ctx.client("kms").describe_key(KeyId=key_id)["KeyMetadata"]
    except ClientError as e:
        ctx.note(ctx.scope(f"kms:DescribeKey {key_id}"), ctx.reason(e))
        return None
    return jsonable(meta)


def fetch_keys(ctx: RegionContext) -> Iterator[dict]:
    """
    Yield KMS keys: describe_key's KeyMetadata plus `KeyRotationEnabled`, `Aliases`.

    Rotation status and tags are read for customer-managed keys only (AWS-managed keys rotate
    yearly and cannot be changed); asymmetric, HMAC and imported keys have no rotation status.
    """
    kms = ctx.client("kms")
    aliases: dict[str, list[str]] = {}
    for alias in _paginate(kms, "list_aliases", "Aliases"):
        if alias.get("TargetKeyId"):
            aliases.setdefault(alias["TargetKeyId"], []).append(alias["AliasName"])
    for key in _paginate(kms, "list_keys", "Keys"):
        try:
            meta = dict(kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"])
        except ClientError as e:  # a key policy may deny us one key; the others still count
            ctx.note(ctx.scope(f"kms:DescribeKey {key['KeyId']}"), ctx.reason(e))
            continue
        tags: dict[str, str] = {}
        if meta.get("KeyManager") == "CUSTOMER" and meta.get("KeyState") != "PendingDeletion":
            tags = _key_tags(ctx, kms, meta)
            _key_policy(ctx, kms, meta)
            if meta.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT" and (
                meta.get("Origin") == "AWS_KMS"
            ):
                _rotation(ctx, kms, meta)
        meta["Aliases"] = sorted(aliases.get(meta["KeyId"], []))
        name = tags.get("Name") or (meta["Aliases"][0] if meta["Aliases"] else meta["KeyId"])
        yield canonical("AWS::KMS::Key", meta["Arn"], name, ctx.region, ctx.account, tags, meta)


def _key_tags(ctx: RegionContext, kms: Any, meta: dict) -> dict[str, str]:
    try:
        found = list(_paginate(kms, "list_resource_tags", "Tags", KeyId=meta["KeyId"]))
    except ClientError as e:
        ctx.note(ctx.scope(f"kms:ListResourceTags {meta['KeyId']}"), ctx.reason(e))
        return {}
    return tag_dict(found, "TagKey", "TagValue")


def _key_policy(ctx: RegionContext, kms: Any, meta: dict) -> None:
    from scanner.collect.aws_kms_policy import decrypt_grants

    try:
        text = kms.get_key_policy(KeyId=meta["KeyId"], PolicyName="default")["Policy"]
        meta.update(decrypt_grants(text, ctx.account))
    except ClientError as e:
        # Left absent: the enclave policy `requires` the counts, so the finding is `unknown`.
        ctx.note(ctx.scope(f"kms:GetKeyPolicy {meta['KeyId']}"), ctx.reason(e))
    except ValueError as e:
        ctx.note(ctx.scope(f"kms:GetKeyPolicy {meta['KeyId']}"), f"unreadable key policy: {e}")


def _rotation(ctx: RegionContext, kms: Any, meta: dict) -> None:
    try:
        status = kms.get_key_rotation_status(KeyId=meta["KeyId"])
    except ClientError as e:
        # Left absent: the rotation policy `requires` the key, so the finding is `unknown`.
        ctx.note(ctx.scope(f"kms:GetKeyRotationStatus {meta['KeyId']}"), ctx.reason(e))
        return
    meta["KeyRotationEnabled"] = bool(status.get("KeyRotationEnabled"))
    if status.get("RotationPeriodInDays") is not None:
        meta["RotationPeriodInDays"] = status["RotationPeriodInDays"]


def fetch_vpcs(ctx: RegionContext) -> Iterator[dict]:
    """
    Yield VPCs with their VPC endpoints attached as `properties.VpcEndpoints`.
    """
    ec2 = ctx.client("ec2")
    endpoints: dict[str, list[dict]] | None = None
    try:
        found: dict[str, list[dict]] = {}
        for ep in _paginate(ec2, "describe_vpc_endpoints", "VpcEndpoints"):
            found.setdefault(str(ep.get("VpcId")), []).append(ep)
        endpoints = found
    except ClientError as e:
        # Left absent, so endpoint policies `requires` it and say `unknown`, not `fail`.
        ctx.note(ctx.scope("ec2:DescribeVpcEndpoints"), ctx.reason(e))
        endpoints = None
    for vpc in _paginate(ec2, "describe_vpcs", "Vpcs"):
        props = dict(vpc)
        if endpoints is not None:
            props["VpcEndpoints"] = endpoints.get(vpc["VpcId"], [])
        owner = str(vpc.get("OwnerId") or ctx.account)
        tags = tag_dict(vpc.get("Tags"))
        arn = f"arn:{ctx.partition}:ec2:{ctx.region}:{owner}:vpc/{vpc['VpcId']}"
        yield canonical("AWS::EC2::VPC", arn, tags.get("Name") or vpc["VpcId"], ctx.region,
                        owner, tags, props)


def fetch_security_groups(ctx: RegionContext) -> Iterator[dict]:
    """
    Yield EC2 security groups (`IpPermissions` with their IPv4 and IPv6 ranges), as the
    describe-security-groups loader reads them, with the region the output does not name.
    """
    for group in _paginate(ctx.client("ec2"), "describe_security_groups", "SecurityGroups"):
        yield security_group(jsonable(group), ctx.region, ctx.partition)


def fetch_load_balancers(ctx: RegionContext) -> Iterator[dict]:
    """
    Yield ELBv2 load balancers with `properties.Listeners` (describe_listeners shape).
    """
    elb = ctx.client("elbv2")
    lbs = list(_paginate(elb, "describe_load_balancers", "LoadBalancers"))
    tags: dict[str, dict[str, str]] = {}
    arns = [lb["LoadBalancerArn"] for lb in lbs]
    for i in range(0, len(arns), 20):  # DescribeTags takes at most 20 ARNs and has no paginator
        for desc in elb.describe_tags(ResourceArns=arns[i : i + 20]).get("TagDescriptions", []):
            tags[desc["ResourceArn"]] = tag_dict(desc.get("Tags"))
    for lb in lbs:
        arn = lb["LoadBalancerArn"]
        props = dict(lb)
        try:
            props["Listeners"] = list(
                _paginate(elb, "describe_listeners", "Listeners", LoadBalancerArn=arn)
            )
        except ClientError as e:
            ctx.note(ctx.scope(f"elasticloadbalancing:DescribeListeners {arn}"), ctx.reason(e))
        yield canonical("AWS::ElasticLoadBalancingV2::LoadBalancer", arn, lb["LoadBalancerName"],
                        ctx.region, ctx.account, tags.get(arn, {}), props)


def fetch_bedrock_logging(ctx: RegionContext) -> Iterator[dict]:
    """
    Yield the region's Bedrock model-invocation logging configuration as one resource.

    Regions without a Bedrock endpoint are skipped (no resource, not incomplete).
    """
    if ctx.region not in ctx.available("bedrock"):
        return
    resp = ctx.client("bedrock").get_model_invocation_logging_configuration()
    config = resp.get("loggingConfig") or {}
    props = {
        "loggingConfig": config,
        "LoggingEnabled": bool(config.get("cloudWatchConfig") or config.get("s3Config")),
    }
    arn = f"arn:{ctx.partition}:bedrock:{ctx.region}:{ctx.account}:model-invocation-logging"
    yield canonical("AWS::Bedrock::ModelInvocationLoggingConfiguration", arn,
                    f"model-invocation-logging/{ctx.region}", ctx.region, ctx.account, {}, props)


def _fetch_buckets(ctx: RegionContext) -> Iterator[dict]:
    from scanner.collect.aws_s3 import fetch_buckets  # keeps S3 policy analysis in its module

    return fetch_buckets(ctx)


FETCHERS: dict[str, Callable[[RegionContext], Iterator[dict]]] = {
    "AWS::EC2::Instance": fetch_instances,
    "AWS::EC2::Volume": fetch_volumes,
    "AWS::KMS::Key": fetch_keys,
    "AWS::EC2::VPC": fetch_vpcs,
    "AWS::EC2::SecurityGroup": fetch_security_groups,
    "AWS::ElasticLoadBalancingV2::LoadBalancer": fetch_load_balancers,
    "AWS::S3::Bucket": _fetch_buckets,
    "AWS::Bedrock::ModelInvocationLoggingConfiguration": fetch_bedrock_logging,
}
"""CloudFormation type -> fetcher: the explicit table of what the collector supports."""

GLOBAL_TYPES = frozenset({"AWS::S3::Bucket"})
"""Types listed once per account (from its first region) rather than once per region."""
