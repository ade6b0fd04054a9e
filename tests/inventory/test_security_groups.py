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
