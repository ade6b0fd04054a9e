"""
Helpers for the AWS collector tests: a moto estate, and botocore event hooks for faults.

Faults are injected through botocore's own event system on the boto3 Session that the
collector builds (its `session_factory` hook), never by patching ccscan code.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

ACCOUNT = "123456789012"  # moto's default account

# moto loads hundreds of AMIs into every EC2 region it touches; the tests need none of them.
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")

DENY_HTTP = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::models-prod", "arn:aws:s3:::models-prod/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ],
}


def hooked_factory(
    *hooks: tuple[str, Callable[..., Any]], first: bool = False
) -> Callable[..., Any]:
    """
    Return a session factory whose sessions carry the given (event, handler) hooks.
    """

    def factory(**kwargs: Any) -> Any:
        session = boto3.Session(**kwargs)
        for event, handler in hooks:
            if first:
                session.events.register_first(event, handler)
            else:
                session.events.register(event, handler)
        return session

    return factory


class FakeHttp:
    """The part of an HTTP response botocore reads when a before-call hook answers."""

    def __init__(self, status: int) -> None:
        self.status_code = status
        self.headers: dict[str, str] = {}
        self.content = b""


def error_reply(code: str, message: str, status: int = 403) -> tuple[FakeHttp, dict]:
    """A before-call hook's answer that makes botocore raise ClientError(code)."""
    return FakeHttp(status), {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status, "RequestId": "fault-injection"},
    }


def ec2_throttle_response(url: str) -> AWSResponse:
    """A raw EC2 throttling answer for a before-send hook: goes through botocore's retries."""
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error>'
        b"<Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>"
        b"</Error></Errors><RequestID>throttle</RequestID></Response>"
    )

    class Raw:
        def stream(self, **kwargs: Any):
            yield body

    return AWSResponse(url, 503, {"Content-Type": "text/xml"}, Raw())


def region_of(request_signer: Any) -> str:
    return str(request_signer.region_name)


ENCLAVE_KEY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
         "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "Enclave decrypts only when attested", "Effect": "Allow",
         "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/enclave-parent"},
         "Action": "kms:Decrypt", "Resource": "*",
         "Condition": {"StringEqualsIgnoreCase": {
             "kms:RecipientAttestation:ImageSha384": "9" * 96}}},
    ],
}
"""The AWS Nitro Enclaves guide's key policy shape: decrypt only with an attested image."""


def build_estate(region: str = "us-east-1") -> dict[str, str]:
    """
    Create one resource of every collected type (compliant and not) in moto; return their ids.
    """
    s = boto3.Session(region_name=region)
    ec2, kms, s3, elb = s.client("ec2"), s.client("kms"), s.client("s3"), s.client("elbv2")
    ids: dict[str, str] = {}
    inst = ec2.run_instances(
        ImageId="ami-12c6146b",
        MinCount=1,
        MaxCount=1,
        InstanceType="m6a.large",
        MetadataOptions={"HttpTokens": "required"},
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "inference-1"}]}
        ],
    )["Instances"][0]
    ids["instance"] = inst["InstanceId"]
    cmk = kms.create_key(Description="models")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=cmk["KeyId"])
    kms.create_alias(AliasName="alias/models", TargetKeyId=cmk["KeyId"])
    ids["cmk"] = cmk["KeyId"]
    stale = kms.create_key(Description="stale", Tags=[{"TagKey": "Name", "TagValue": "stale"}])
    ids["stale"] = stale["KeyMetadata"]["KeyId"]
    enclave = kms.create_key(Description="enclave", Policy=json.dumps(ENCLAVE_KEY_POLICY),
                             Tags=[{"TagKey": "ccscan:enclave", "TagValue": "true"}])
    ids["enclave_key"] = enclave["KeyMetadata"]["KeyId"]
    ids["cmk_volume"] = ec2.create_volume(
        AvailabilityZone=f"{region}a", Size=8, Encrypted=True, KmsKeyId=cmk["Arn"]
    )["VolumeId"]
    ids["plain_volume"] = ec2.create_volume(AvailabilityZone=f"{region}a", Size=8)["VolumeId"]
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    ids["vpc"] = vpc
    ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"com.amazonaws.{region}.bedrock-runtime",
        VpcEndpointType="Interface",
        PrivateDnsEnabled=True,
    )
    subnets = [
        n["SubnetId"]
        for n in ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])[
            "Subnets"
        ]
    ][:2]
    lb = elb.create_load_balancer(Name="models", Subnets=subnets)["LoadBalancers"][0]
    ids["lb"] = lb["LoadBalancerArn"]
    elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[
            {
                "Type": "redirect",
                "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"},
            }
        ],
    )
    kwargs = (
        {}
        if region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    )
    s3.create_bucket(Bucket="models-prod", **kwargs)
    s3.put_bucket_policy(Bucket="models-prod", Policy=json.dumps(DENY_HTTP))
    s3.put_bucket_tagging(
        Bucket="models-prod", Tagging={"TagSet": [{"Key": "data", "Value": "confidential"}]}
    )
    s3.create_bucket(Bucket="scratch-open", **kwargs)
    s.client("bedrock").put_model_invocation_logging_configuration(
        loggingConfig={
            "cloudWatchConfig": {
                "logGroupName": "/bedrock/invocations",
                "roleArn": f"arn:aws:iam::{ACCOUNT}:role/logs",
            }
        }
    )
    return ids
