"""
`aws ec2 describe-security-groups` files: detected as their own shape (a bare Instance, which
also has `SecurityGroups`, stays an instance), rules arrive unchanged, and a malformed group is
refused naming the file rather than dropped.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.errors import InputError
from scanner.inventory.files import InventoryFile
from scanner.inventory.formats import detect

GROUP = {"GroupId": "sg-0aaa0000000000001", "GroupName": "enclave-parent", "OwnerId": "111122223333",
         "VpcId": "vpc-0aaa", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                                                 "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}


def load(tmp_path, data):
    p = tmp_path / "sg.json"
    p.write_text(json.dumps(data))
    return [r.doc for r in InventoryFile(p)]


def test_a_group_without_an_arn_has_no_region(tmp_path):
    (doc,) = load(tmp_path, {"SecurityGroups": [GROUP]})
    assert doc["id"] == "arn:aws:ec2::111122223333:security-group/sg-0aaa0000000000001"
    assert (doc["type"], doc["name"], doc["location"], doc["account"]) == (
        "AWS::EC2::SecurityGroup", "enclave-parent", None, "111122223333")
    assert doc["properties"] == GROUP


def test_the_arn_gives_id_and_region_and_a_name_tag_the_name(tmp_path):
    arn = "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0aaa0000000000001"
    group = {**GROUP, "SecurityGroupArn": arn, "Tags": [{"Key": "Name", "Value": "parent-sg"}]}
    (doc,) = load(tmp_path, {"SecurityGroups": [group], "NextToken": "x"})
    assert (doc["id"], doc["location"], doc["name"], doc["tags"]) == (arn, "eu-west-1", "parent-sg",
                                                                       {"Name": "parent-sg"})


def test_a_bare_instance_is_not_read_as_security_groups():
    instance = {"InstanceId": "i-0a", "SecurityGroups": [{"GroupId": "sg-1", "GroupName": "g"}]}
    assert detect(instance) == "aws-ec2-instance"
    assert detect({"SecurityGroups": []}) == "aws-ec2-security-groups"


@pytest.mark.parametrize(("data", "reason"), [
    ({"SecurityGroups": "sg-1"}, "SecurityGroups must be a JSON array"),
    ({"SecurityGroups": [{"GroupName": "no id"}]}, "GroupId"),
    ({"SecurityGroups": [{"GroupId": ""}]}, "GroupId must be a non-empty string"),
    ({"SecurityGroups": [GROUP, 7]}, "must be a JSON object"),
])
def test_a_malformed_group_is_refused_naming_the_file(tmp_path, data, reason):
    with pytest.raises(InputError) as err:
        load(tmp_path, data)
    assert err.value.path.endswith("sg.json")
    assert reason in str(err.value.diagnostics())


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=6),
                     lambda kids: st.lists(kids, max_size=3)
                     | st.dictionaries(st.text(max_size=6), kids, max_size=3), max_leaves=10)


@given(st.dictionaries(st.sampled_from(["GroupId", "GroupName", "OwnerId", "SecurityGroupArn",
                                        "Tags", "IpPermissions", "other"]), _json, max_size=5))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_group_is_read_whole_or_refused(tmp_path, group):
    try:
        (doc,) = load(tmp_path, {"SecurityGroups": [group]})
    except InputError:
        assert not (isinstance(group.get("GroupId"), str) and group["GroupId"])
    else:
        assert doc["properties"] == group  # nothing dropped or rewritten
        assert doc["id"].endswith(f":security-group/{group['GroupId']}")


def config_item(permissions: list) -> dict:
    return {"resourceType": "AWS::EC2::SecurityGroup", "resourceId": "sg-0aaa0000000000001",
            "ARN": "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0aaa0000000000001",
            "awsRegion": "eu-west-1", "awsAccountId": "111122223333", "configurationItemStatus": "OK",
            "configuration": {"groupId": "sg-0aaa0000000000001", "groupName": "enclave-parent",
                              "ipPermissions": permissions, "ipPermissionsEgress": []}}


def test_config_items_give_the_describe_ip_ranges(tmp_path):
    # AWS Config gives each IPv4 range twice: `ipv4Ranges` objects and `ipRanges` strings
    both = {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "ipv6Ranges": [{"cidrIpv6": "::/0"}],
            "ipv4Ranges": [{"cidrIp": "10.20.0.0/16", "description": "vpc"}],
            "ipRanges": ["10.20.0.0/16", "0.0.0.0/0"]}
    strings_only = {"ipProtocol": "-1", "ipRanges": ["0.0.0.0/0"]}
    (doc,) = load(tmp_path, {"configurationItems": [config_item([both, strings_only])]})
    first, second = doc["properties"]["IpPermissions"]
    assert first["IpRanges"] == [{"CidrIp": "10.20.0.0/16", "Description": "vpc"}, {"CidrIp": "0.0.0.0/0"}]
    assert "Ipv4Ranges" not in first
    assert first["Ipv6Ranges"] == [{"CidrIpv6": "::/0"}]
    assert second == {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def test_an_open_rule_from_aws_config_fails_the_enclave_policy(tmp_path, ccscan):
    instance = {"resourceType": "AWS::EC2::Instance", "resourceId": "i-0a1b2c3d4e5f60031",
                "ARN": "arn:aws:ec2:eu-west-1:111122223333:instance/i-0a1b2c3d4e5f60031",
                "awsRegion": "eu-west-1", "awsAccountId": "111122223333", "configurationItemStatus": "OK",
                "configuration": {"instanceId": "i-0a1b2c3d4e5f60031", "state": {"name": "running"},
                                  "enclaveOptions": {"enabled": True},
                                  "securityGroups": [{"groupId": "sg-0aaa0000000000001"}]}}
    group = config_item([{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": ["0.0.0.0/0"]}])
    (tmp_path / "config.json").write_text(json.dumps({"configurationItems": [instance, group]}))
    res = ccscan("scan", str(tmp_path), "--check", "CCS-AWS-EC2-003", "--format", "json")
    assert res.exit_code == 1, res.stderr
    assert [f["status"] for f in res.json()["findings"]] == ["fail"]


@given(st.lists(st.dictionaries(st.sampled_from(["ipRanges", "ipv4Ranges", "ipProtocol"]),
                                st.lists(st.sampled_from(["0.0.0.0/0", "10.0.0.0/8"]) | _json, max_size=3)
                                | _json, max_size=3), max_size=3))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_config_rules_keep_every_ipv4_range(tmp_path, rules):
    (doc,) = load(tmp_path, {"configurationItems": [config_item(rules)]})
    # every CIDR string Config gives in `ipRanges` is a `CidrIp` afterwards (both lists, or absent)
    for rule, out in zip(rules, doc["properties"]["IpPermissions"], strict=True):
        flat, v4 = rule.get("ipRanges", []), rule.get("ipv4Ranges", [])
        if isinstance(flat, list) and isinstance(v4, list):
            got = [r.get("CidrIp") for r in out.get("IpRanges", []) if isinstance(r, dict)]
            assert all(c in got for c in flat if isinstance(c, str))
