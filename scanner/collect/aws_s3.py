"""
S3 buckets with their bucket policy, and whether that policy denies requests without TLS.

`DeniesInsecureTransport` is derived here rather than in a YAML policy because deciding it
means matching IAM wildcards in `Resource` against the bucket's ARNs, which the policy
language (rightly) does not do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

from botocore.exceptions import ClientError

from scanner.collect.aws_resources import RegionContext, canonical, tag_dict

_NO_POLICY = {"NoSuchBucketPolicy"}
_NO_TAGS = {"NoSuchTagSet", "NoSuchTagSetError"}


def fetch_buckets(ctx: RegionContext) -> Iterator[dict]:
    """
    Yield the account's buckets located in the scanned regions.

    Properties: list_buckets' entry (`Name`, `CreationDate`, `BucketRegion`), `BucketPolicy`
    (the parsed policy document, null without one) and `DeniesInsecureTransport`.
    """
    s3 = ctx.client("s3")
    for bucket in _paginate_buckets(s3):
        region = bucket.get("BucketRegion") or _location(ctx, s3, bucket["Name"])
        if region is None or region not in ctx.regions:
            continue
        yield _bucket_doc(ctx, dict(bucket, BucketRegion=region), region)


def _paginate_buckets(s3: Any) -> Iterator[dict]:
    for page in s3.get_paginator("list_buckets").paginate():
        yield from page.get("Buckets", [])


def _location(ctx: RegionContext, s3: Any, name: str) -> str | None:
    try:
        loc = s3.get_bucket_location(Bucket=name).get("LocationConstraint")
    except ClientError as e:
        ctx.note(f"aws {ctx.account} s3:GetBucketLocation {name}", ctx.reason(e))
        return None
    # Legacy answers: no constraint means us-east-1, "EU" means eu-west-1.
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(loc, loc)


def _bucket_doc(ctx: RegionContext, bucket: dict, region: str) -> dict:
    s3 = ctx.client("s3", region)
    name = bucket["Name"]
    scope = f"aws {ctx.account}/{region} AWS::S3::Bucket {name}"
    props: dict[str, Any] = dict(bucket)
    try:
        text = s3.get_bucket_policy(Bucket=name)["Policy"]
        props["BucketPolicy"] = json.loads(text)
    except ClientError as e:
        if _code(e) in _NO_POLICY:
            props["BucketPolicy"] = None
        else:  # left absent: the TLS policy `requires` it and reports `unknown`
            ctx.note(f"{scope} s3:GetBucketPolicy", ctx.reason(e))
    except ValueError:
        ctx.note(f"{scope} s3:GetBucketPolicy", "bucket policy is not valid JSON")
    if "BucketPolicy" in props:
        arn = f"arn:{ctx.partition}:s3:::{name}"
        props["DeniesInsecureTransport"] = denies_insecure_transport(props["BucketPolicy"], arn)
    tags: dict[str, str] = {}
    try:
        tags = tag_dict(s3.get_bucket_tagging(Bucket=name).get("TagSet"))
    except ClientError as e:
        if _code(e) not in _NO_TAGS:
            ctx.note(f"{scope} s3:GetBucketTagging", ctx.reason(e))
    return canonical("AWS::S3::Bucket", f"arn:{ctx.partition}:s3:::{name}", name, region,
                     ctx.account, tags, props)


def _code(e: ClientError) -> str:
    return str(e.response.get("Error", {}).get("Code", ""))


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _all_principals(stmt: dict) -> bool:
    principal = stmt.get("Principal")
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return "*" in _as_list(principal.get("AWS"))
    return False


def _all_actions(stmt: dict) -> bool:
    return any(str(a).lower() in ("*", "s3:*") for a in _as_list(stmt.get("Action")))


def _covers(stmt: dict, arn: str) -> bool:
    # IAM resource matching: `*` and `?` wildcards, case-sensitive.
    patterns = [str(r) for r in _as_list(stmt.get("Resource"))]
    return all(any(fnmatchcase(target, p) for p in patterns) for target in (arn, arn + "/*"))


def _insecure_transport_only(stmt: dict) -> bool:
    # Exactly Bool aws:SecureTransport = false; any further condition would narrow the deny.
    cond = stmt.get("Condition")
    if not isinstance(cond, dict) or len(cond) != 1:
        return False
    (op, body), = cond.items()
    if op != "Bool" or not isinstance(body, dict) or len(body) != 1:
        return False
    (key, value), = body.items()
    values = [str(v).lower() for v in _as_list(value)]
    return key.lower() == "aws:securetransport" and values == ["false"]


def denies_insecure_transport(policy: Any, bucket_arn: str) -> bool:
    """
    Return True iff a Deny statement for every principal and every S3 action, covering the bucket
    and its objects, applies when `aws:SecureTransport` is false.
    """
    if not isinstance(policy, dict):
        return False
    for stmt in _as_list(policy.get("Statement")):
        if (
            isinstance(stmt, dict)
            and stmt.get("Effect") == "Deny"
            and not {"NotPrincipal", "NotAction", "NotResource"} & stmt.keys()
            and _all_principals(stmt)
            and _all_actions(stmt)
            and _covers(stmt, bucket_arn)
            and _insecure_transport_only(stmt)
        ):
            return True
    return False
