"""
Every inventory shape is detected and normalised to the one canonical document.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scanner.errors import InputError
from scanner.inventory.files import InventoryFile

SUB = "00000000-0000-0000-0000-00000000000a"
VM_ID = f"/subscriptions/{SUB}/resourceGroups/rg-ai/providers/Microsoft.Compute/virtualMachines/cvm-01"
ARM_VM = {
    "id": VM_ID, "name": "cvm-01", "type": "Microsoft.Compute/virtualMachines", "location": "westeurope",
    "tags": {"env": "prod"},
    "properties": {"securityProfile": {"securityType": "ConfidentialVM"},
                   "hardwareProfile": {"vmSize": "Standard_DC4as_v5"}},
}
AZ_VM = {  # `az vm show`: no properties wrapper, resourceGroup added
    "id": VM_ID, "name": "cvm-01", "type": "Microsoft.Compute/virtualMachines", "location": "westeurope",
    "resourceGroup": "rg-ai", "tags": None,
    "securityProfile": {"securityType": "ConfidentialVM"}, "hardwareProfile": {"vmSize": "Standard_DC4as_v5"},
}


def load(tmp_path, data, name="inv.json", fmt="auto"):
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else json.dumps(data, indent=1))
    inv = InventoryFile(p, fmt)
    return inv, [r.doc for r in inv]


def test_arm_list_with_next_link(tmp_path):
    inv, docs = load(tmp_path, {"value": [ARM_VM], "nextLink": "https://management.azure.com/…?$skiptoken=x"})
    assert inv.format == "arm-list" and len(docs) == 1
    assert docs[0]["account"] == SUB and docs[0]["provider"] == "azure"
    assert docs[0]["properties"]["securityProfile"]["securityType"] == "ConfidentialVM"


def test_az_cli_flattened_output_is_lifted_under_properties(tmp_path):
    inv, docs = load(tmp_path, [AZ_VM])
    assert inv.format == "az-cli"
    doc = docs[0]
    assert doc["properties"] == {"securityProfile": {"securityType": "ConfidentialVM"},
                                 "hardwareProfile": {"vmSize": "Standard_DC4as_v5"}}
    assert doc["resourceGroup"] == "rg-ai" and doc["tags"] == {}
    _, arm_docs = load(tmp_path, ARM_VM, "arm.json")
    assert arm_docs[0]["properties"] == doc["properties"]


def test_single_arm_resource(tmp_path):
    inv, docs = load(tmp_path, ARM_VM)
    assert inv.format == "arm" and docs[0]["id"] == VM_ID


def test_resource_graph_list_and_table_forms(tmp_path):
    inv, docs = load(tmp_path, {"count": 1, "data": [ARM_VM], "totalRecords": 1})
    assert inv.format == "resource-graph" and docs[0]["name"] == "cvm-01"
    table = {"data": {"columns": [{"name": k, "type": "string"} for k in ARM_VM],
                      "rows": [list(ARM_VM.values())]}}
    _, docs2 = load(tmp_path, table, "table.json")
    assert docs2 == docs


def test_aws_describe_instances(tmp_path):
    data = {"Reservations": [{"OwnerId": "111122223333", "Instances": [{
        "InstanceId": "i-0abc", "InstanceType": "m6a.large",
        "Placement": {"AvailabilityZone": "us-east-1b"},
        "CpuOptions": {"CoreCount": 1, "ThreadsPerCore": 2, "AmdSevSnp": "enabled"},
        "Tags": [{"Key": "Name", "Value": "inference-1"}]}]}]}
    inv, docs = load(tmp_path, data)
    assert inv.format == "aws-ec2-instances"
    doc = docs[0]
    assert doc["id"] == "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc"
    assert (doc["type"], doc["name"], doc["location"], doc["account"], doc["provider"]) == (
        "AWS::EC2::Instance", "inference-1", "us-east-1", "111122223333", "aws")
    assert doc["properties"]["CpuOptions"]["AmdSevSnp"] == "enabled"


def test_aws_describe_volumes(tmp_path):
    inv, docs = load(tmp_path, {"Volumes": [{"VolumeId": "vol-1", "AvailabilityZone": "eu-west-1a",
                                             "Encrypted": True}]})
    assert inv.format == "aws-ec2-volumes"
    assert docs[0]["type"] == "AWS::EC2::Volume" and docs[0]["location"] == "eu-west-1"
    assert docs[0]["id"] == "arn:aws:ec2:eu-west-1::volume/vol-1"


def test_aws_config_items_lift_camel_case_to_the_describe_shape(tmp_path):
    item = {"resourceType": "AWS::EC2::Instance", "resourceId": "i-9", "awsRegion": "us-east-2",
            "awsAccountId": "111122223333", "ARN": "arn:aws:ec2:us-east-2:111122223333:instance/i-9",
            "configuration": json.dumps({"cpuOptions": {"amdSevSnp": "enabled"},
                                         "metadataOptions": {"httpTokens": "required"}}),
            "tags": {"Name": "x"}}
    inv, docs = load(tmp_path, {"configurationItems": [item]})
    assert inv.format == "aws-config"
    props = docs[0]["properties"]
    assert props["CpuOptions"]["AmdSevSnp"] == "enabled"
    assert props["MetadataOptions"]["HttpTokens"] == "required"
    assert docs[0]["account"] == "111122223333" and docs[0]["location"] == "us-east-2"


def test_snapshot_json_and_jsonl_carry_incomplete_scopes(tmp_path):
    header = {"ccscan_snapshot": 1, "collector": "azure", "time": "2026-11-28T10:00:00Z", "source": "azure",
              "incomplete": [{"scope": "subscription x", "reason": "403 Forbidden"}]}
    inv, docs = load(tmp_path, {**header, "resources": [ARM_VM]})
    assert inv.format == "snapshot" and docs[0]["account"] == SUB
    assert inv.incomplete == [{"scope": "subscription x", "reason": "403 Forbidden"}]
    text = json.dumps(header) + "\n" + json.dumps(ARM_VM) + "\n"
    inv2, docs2 = load(tmp_path, text, "snap.jsonl")
    assert inv2.format == "snapshot" and docs2 == docs and inv2.incomplete == inv.incomplete
    assert inv2.count == 1 and len(inv2.sha256) == 64


def test_line_numbers_point_at_each_resource(tmp_path):
    other = {**ARM_VM, "id": VM_ID + "-b", "name": "cvm-02"}
    p = tmp_path / "list.json"
    p.write_text(json.dumps({"value": [ARM_VM, other]}, indent=2))
    lines = [r.line for r in InventoryFile(p)]
    text = p.read_text().splitlines()
    assert [text[n - 1].strip().startswith('"id"') for n in lines] == [True, True]
    assert lines[0] < lines[1]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"foo": 1}, "no known inventory shape"),
        ([], "empty JSON array"),
        ([1, 2], "not ARM resources"),
        ("42", "is no inventory"),
        ({"value": [{"name": "no id"}]}, "has no 'id'"),
        ({"Reservations": [{"Instances": [{"NoInstanceId": 1}]}]}, "aws-ec2-instances shape"),
    ],
)
def test_shapes_that_match_nothing_are_input_errors(tmp_path, data, fragment):
    with pytest.raises(InputError) as err:
        load(tmp_path, data)
    assert fragment in err.value.message
    assert err.value.path.endswith("inv.json")


def test_forced_format_that_does_not_fit_is_an_error(tmp_path):
    with pytest.raises(InputError, match="aws-ec2-volumes shape"):
        load(tmp_path, {"value": [ARM_VM]}, fmt="aws-ec2-volumes")
    with pytest.raises(InputError, match="unknown input format"):
        load(tmp_path, {"value": [ARM_VM]}, fmt="xml")


CONFIG = {"resourceType": "AWS::EC2::Instance", "resourceId": "i-1"}


@pytest.mark.parametrize(
    ("item", "words"),
    [
        ({**CONFIG, "configuration": "not json"}, "configuration is a string but not JSON"),
        ({**CONFIG, "configuration": "{\"a\": "}, "configuration is a string but not JSON"),
        ({**CONFIG, "configuration": "[1, 2]"}, "configuration must be a JSON object, not list"),
        ({**CONFIG, "configuration": 5}, "configuration must be a JSON object, not int"),
        ({**CONFIG, "supplementaryConfiguration": {"Tags": "{oops"}},
         "supplementaryConfiguration.Tags is a string but not JSON"),
        ({**CONFIG, "supplementaryConfiguration": "{}"},
         "supplementaryConfiguration must be a JSON object, not str"),
    ],
)
def test_aws_config_items_that_do_not_parse_are_input_errors(tmp_path, item, words):
    for data, name in (({"configurationItems": [CONFIG, item]}, "inv.json"),):
        with pytest.raises(InputError) as err:
            load(tmp_path, data, name)
        assert f"resource #2: {words}" in err.value.message
    p = tmp_path / "inv.jsonl"
    p.write_text(json.dumps(CONFIG) + "\n" + json.dumps(item) + "\n")
    with pytest.raises(InputError) as err:
        list(InventoryFile(p))
    assert words in err.value.message and err.value.line == 2


def test_aws_config_select_results_that_are_not_json_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="Results\\[1\\] is a string but not JSON"):
        load(tmp_path, {"Results": [json.dumps(CONFIG), "{truncated"]})


@pytest.mark.parametrize(("row", "words"), [
    (["a"], "row #2 has 1 values for 3 columns"),
    (["a", "b", "c", "d"], "row #2 has 4 values for 3 columns"),
    ({"id": "a"}, "row #2 has a dict for 3 columns"),
])
def test_resource_graph_rows_must_match_the_columns(tmp_path, row, words):
    table = {"data": {"columns": [{"name": "id"}, {"name": "type"}, {"name": "name"}],
                      "rows": [[VM_ID, "Microsoft.Compute/virtualMachines", "a"], row]}}
    with pytest.raises(InputError) as err:
        load(tmp_path, table)
    assert f"resource #2: Resource Graph table {words}" in err.value.message


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10)
    | st.sampled_from(["System.Collections.Hashtable", "@{a=1}", "Microsoft.Compute/virtualMachines",
                       "Microsoft.Storage/storageAccounts", "arn:aws:kms:eu-west-1:1:key/k"]),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "type", "value", "data", "properties", "Reservations", "Instances",
                         "Volumes", "resourceType", "configuration", "supplementaryConfiguration",
                         "resourceId", "Results", "rows", "columns", "name", "x",
                         # the shapes people export (tests/inventory/test_export_shapes.py):
                         "Id", "ResourceId", "Type", "ResourceType", "Properties", "Sku",
                         "Identity", "StorageProfile", "OsType", "ReservationId", "InstanceId",
                         "VolumeId", "KeyMetadata", "Arn", "KeyId", "LoadBalancers",
                         "LoadBalancerArn", "LoadBalancerName", "Vpcs", "VpcId", "Buckets", "Name",
                         "NetworkInterfaces", "OwnerId", "enableHttpsTrafficOnly",
                         "networkRuleSet", "ipRules", "ipAddressOrRange"]), kids, max_size=4),
    max_leaves=15,
)


@given(json_values)
@example({"resourceType": "", "configuration": "0:"})  # found by this test: it used to crash
@example({"resourceType": "", "resourceId": "", "supplementaryConfiguration": {"x": "[,"}})
@example({"data": {"columns": [{"name": "id"}], "rows": [[]]}})
@example({"Results": ["x"]})
@example({"Id": "a", "Type": "Microsoft.Compute/virtualMachines", "StorageProfile": {"OsType": 9}})
@example({"Id": "a", "Type": "Microsoft.Storage/storageAccounts", "Properties": None})
@example([{"id": "a", "type": "Microsoft.Storage/storageAccounts", "networkRuleSet": {
    "ipRules": [{"ipAddressOrRange": 1}, 2]}, "enableHttpsTrafficOnly": 0, "properties": 1}])
@example({"KeyMetadata": {"Arn": 5, "KeyId": None}})
@example({"Buckets": [{"Name": "b"}], "Owner": None})
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_json_loads_or_is_one_input_error(tmp_path, data):
    for name, text in (("x.json", json.dumps(data)),
                       ("x.jsonl", "".join(json.dumps(d) + "\n" for d in
                                           (data if isinstance(data, list) and data else [data])))):
        p = tmp_path / name
        p.write_text(text)
        try:
            for r in InventoryFile(p):
                assert isinstance(r.doc["id"], str) and isinstance(r.doc["type"], str)
                assert isinstance(r.doc["properties"], dict)
        except InputError as e:
            assert e.path == str(p)
