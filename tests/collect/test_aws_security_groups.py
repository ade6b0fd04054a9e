"""
AWS::EC2::SecurityGroup against moto: describe-security-groups, paginated, in the canonical
shape the describe-security-groups file loader gives for the same answer.
"""

from __future__ import annotations

import json

import pytest

pytest.importorskip("moto")
import boto3
from moto import mock_aws
from support.aws_testing import ACCOUNT, FakeHttp, hooked_factory

from scanner.collect.aws import AwsCollector, AwsOptions
from scanner.inventory.files import InventoryFile

SG = frozenset({"aws::ec2::securitygroup"})


def collect(**options):
    factory = options.pop("session_factory", None)
    c = AwsCollector(AwsOptions(**options), **({"session_factory": factory} if factory else {}))
    return c, [r.doc for r in c.collect()]


def make_groups(region: str = "eu-west-1") -> dict[str, str]:
    ec2 = boto3.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    open_sg = ec2.create_security_group(GroupName="enclave-parent-open", Description="ssh from anywhere",
                                        VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=open_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
         "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    closed = ec2.create_security_group(GroupName="enclave-parent", Description="vpc only", VpcId=vpc,
                                       TagSpecifications=[{"ResourceType": "security-group",
                                                           "Tags": [{"Key": "Name", "Value": "parent-sg"}]}])["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=closed, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.30.0.0/16"}]}])
    return {"open": open_sg, "closed": closed, "vpc": vpc}


def test_security_groups_in_canonical_shape():
    with mock_aws():
        ids = make_groups()
        c, docs = collect(regions=("eu-west-1",), types=SG)
    assert c.incomplete == []
    assert {d["type"] for d in docs} == {"AWS::EC2::SecurityGroup"}
    by_id = {d["properties"]["GroupId"]: d for d in docs}
    opened, closed = by_id[ids["open"]], by_id[ids["closed"]]
    assert opened["id"] == f"arn:aws:ec2:eu-west-1:{ACCOUNT}:security-group/{ids['open']}"
    assert (opened["provider"], opened["account"], opened["location"]) == ("aws", ACCOUNT, "eu-west-1")
    assert opened["name"] == "enclave-parent-open" and closed["name"] == "parent-sg"
    assert closed["tags"] == {"Name": "parent-sg"}
    (rule,) = opened["properties"]["IpPermissions"]
    assert rule["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
    assert rule["Ipv6Ranges"] == [{"CidrIpv6": "::/0"}]
    assert (rule["FromPort"], rule["ToPort"]) == (22, 22)
    assert opened["properties"]["VpcId"] == ids["vpc"]
    json.dumps(docs)


def test_the_collector_equals_the_describe_security_groups_loader(tmp_path):
    with mock_aws():
        make_groups()
        answer = boto3.client("ec2", region_name="eu-west-1").describe_security_groups()
        _, docs = collect(regions=("eu-west-1",), types=SG)
    answer.pop("ResponseMetadata")
    for g in answer["SecurityGroups"]:  # the CLI's output names the ARN with its region
        g["SecurityGroupArn"] = f"arn:aws:ec2:eu-west-1:{g['OwnerId']}:security-group/{g['GroupId']}"
    (tmp_path / "sg.json").write_text(json.dumps(answer))
    inv = InventoryFile(tmp_path / "sg.json")
    loaded = sorted((r.doc for r in inv), key=lambda d: d["id"])
    assert inv.format == "aws-ec2-security-groups"
    got = sorted(docs, key=lambda d: d["id"])
    assert [d["id"] for d in got] == [d["id"] for d in loaded]
    for a, b in zip(got, loaded, strict=True):
        b["properties"].pop("SecurityGroupArn")
        a["properties"].pop("SecurityGroupArn", None)
        assert a == b


def test_pages_are_followed():
    pages: list[str | None] = []

    def first_page_only_one(params, **kw):
        token = (params.get("body") or {}).get("NextToken")
        pages.append(token)
        if token is None:
            return FakeHttp(200), {"SecurityGroups": [{"GroupId": "sg-0page1", "GroupName": "p1",
                                                       "OwnerId": ACCOUNT, "IpPermissions": []}],
                                   "NextToken": "page-2"}
        return None  # moto answers the second page

    with mock_aws():
        ids = make_groups("us-east-1")
        factory = hooked_factory(("before-call.ec2.DescribeSecurityGroups", first_page_only_one))
        _, docs = collect(regions=("us-east-1",), types=SG, session_factory=factory)
    assert pages == [None, "page-2"]
    assert {"sg-0page1", ids["open"], ids["closed"]} <= {d["properties"]["GroupId"] for d in docs}
