"""
The shapes people export: Azure PowerShell, az CLI's SDK names, AWS single objects and the
describe calls of the AWS types beyond EC2; and detection stays unambiguous.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.errors import InputError
from scanner.inventory.files import InventoryFile
from scanner.inventory.formats import FORMATS, ShapeError, detect
from scanner.inventory.powershell import TRUNCATED

ROOT = Path(__file__).resolve().parents[2]
SUB = "00000000-0000-0000-0000-00000000000a"
VM_ID = f"/subscriptions/{SUB}/resourceGroups/rg-ai/providers/Microsoft.Compute/virtualMachines/cvm-01"
ST_ID = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1"

FIXTURE_SHAPES = {
    "azure/prod-ai/virtual-machines.json": "arm-list",
    "azure/prod-ai/disks.json": "arm-list",
    "azure/prod-ai/cognitive-services.json": "arm-list",
    "azure/prod-ai/confidential-platform.json": "arm-list",
    "azure/prod-ai/get-azvm.json": "azure-powershell",
    "azure/shared-services/vault-keys.json": "arm-list",
    "azure/shared-services/resource-graph.json": "resource-graph",
    "azure/shared-services/get-azresource-vaults.json": "azure-powershell",
    "azure/dev-sandbox/az-vm-list.json": "az-cli",
    "azure/dev-sandbox/az-storage-account-list.json": "az-cli",
    "azure/dev-sandbox/cognitive-services.json": "arm-list",
    "azure/dev-sandbox/web-sites.json": "arm-list",
    "azure/dev-sandbox/web-config.json": "arm-list",
    "azure/prod-ai/hsm-keys.json": "arm-list",
    "azure/prod-ai/diagnostic-settings.json": "arm-list",
    "azure/prod-ai/model-transit-chain.json": "arm-list",
    "azure/prod-ai/container-apps.json": "arm-list",
    "azure/dev-sandbox/storage-accounts.json": "arm-list",
    "aws/111122223333/describe-instances.json": "aws-ec2-instances",
    "aws/111122223333/describe-volumes.json": "aws-ec2-volumes",
    "aws/111122223333/run-instances.json": "aws-ec2-reservation",
    "aws/111122223333/describe-instance-query.json": "aws-ec2-instance",
    "aws/111122223333/create-volume.json": "aws-ec2-volume",
    "aws/111122223333/kms-describe-key.json": "aws-kms-key",
    "aws/111122223333/elbv2-describe-load-balancers.json": "aws-elbv2-load-balancers",
    "aws/111122223333/ec2-describe-vpcs.json": "aws-ec2-vpcs",
    "aws/111122223333/ec2-describe-security-groups.json": "aws-ec2-security-groups",
    "aws/111122223333/s3api-list-buckets.json": "aws-s3-buckets",
    "aws/111122223333/ccscan-snapshot.jsonl": "snapshot",
}


def load(tmp_path, data, name="inv.json", fmt="auto"):
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else json.dumps(data, indent=1))
    inv = InventoryFile(p, fmt)
    return inv, [r.doc for r in inv]


def error(tmp_path, data, name="inv.json", fmt="auto") -> InputError:
    with pytest.raises(InputError) as err:
        load(tmp_path, data, name, fmt)
    assert err.value.path.endswith(name)
    return err.value


# --- detection -------------------------------------------------------------------------

def test_every_fixture_is_detected_as_its_own_shape():
    files = sorted(str(p.relative_to(ROOT / "fixtures"))
                   for p in (ROOT / "fixtures").rglob("*") if p.suffix in (".json", ".jsonl"))
    assert files == sorted(FIXTURE_SHAPES), "a new fixture needs its expected shape here"
    assert set(FIXTURE_SHAPES.values()) <= set(FORMATS)
    for rel, shape in FIXTURE_SHAPES.items():
        path = ROOT / "fixtures" / rel
        if path.suffix == ".json":
            assert detect(json.loads(path.read_text())) == shape, rel
        inv = InventoryFile(path)
        assert sum(1 for _ in inv) > 0 and inv.format == shape, rel


def test_every_new_fixture_loads_when_its_shape_is_forced():
    for rel, shape in FIXTURE_SHAPES.items():
        if rel.endswith(".json"):
            docs = [r.doc for r in InventoryFile(ROOT / "fixtures" / rel, shape)]
            assert docs and all(d["id"] and d["type"] for d in docs), rel


@pytest.mark.parametrize(("data", "marks"), [
    ({"Reservations": [], "Volumes": []}, "aws-ec2-instances, aws-ec2-volumes"),
    ({"KeyMetadata": {}, "InstanceId": "i-1"}, "aws-ec2-instance, aws-kms-key"),
    ({"ReservationId": "r-1", "Instances": [], "VolumeId": "vol-1"}, "aws-ec2-reservation, aws-ec2-volume"),
    ({"Vpcs": [], "value": []}, "aws-ec2-vpcs, arm-list"),
    ({"Buckets": [], "data": []}, "aws-s3-buckets, resource-graph"),
    ({"id": VM_ID, "type": "Microsoft.Compute/virtualMachines", "Id": VM_ID,
      "Type": "Microsoft.Compute/virtualMachines"}, "az-cli, azure-powershell"),
    ([{"id": VM_ID, "type": "x", "properties": {}, "Id": VM_ID, "ResourceType": "x"}],
     "arm, azure-powershell"),
    ([{"InstanceId": "i-1", "VolumeId": "vol-1"}], "aws-ec2-instance, aws-ec2-volume"),
])
def test_data_with_the_marks_of_two_shapes_is_an_error_not_a_guess(tmp_path, data, marks):
    with pytest.raises(ShapeError, match="marks of several shapes"):
        detect(data)
    assert f"({marks})" in error(tmp_path, data).message


# --- Azure PowerShell --------------------------------------------------------------------

GET_AZVM = {  # Get-AzVM | ConvertTo-Json -Depth 100: the .NET SDK model, PascalCase throughout
    "ResourceGroupName": "rg-ai", "Id": VM_ID, "VmId": "1b2c", "Name": "cvm-01",
    "Type": "Microsoft.Compute/virtualMachines", "Location": "westeurope", "Tags": {"Env": "prod"},
    "AvailabilitySetReference": None, "Extensions": [], "RequestId": "x-1", "StatusCode": "OK",
    "HardwareProfile": {"VmSize": "Standard_DC4as_v5"},
    "HardwareProfileText": "{\"VmSize\": \"Standard_DC4as_v5\"}",
    "OSProfile": {"ComputerName": "cvm-01", "LinuxConfiguration": {"ProvisionVMAgent": True}},
    "StorageProfile": {"OsDisk": {"OsType": 1, "Caching": 2, "DiskSizeGB": 30, "ManagedDisk": {
        "SecurityProfile": {"SecurityEncryptionType": "DiskWithVMGuestState",
                            "DiskEncryptionSet": {"Id": "/subscriptions/x/des"}}}},
        "DataDisks": [{"Lun": 0, "Caching": 0}]},
    "SecurityProfile": {"SecurityType": "ConfidentialVM",
                        "UefiSettings": {"SecureBootEnabled": True, "VTpmEnabled": True}},
    "Zones": ["1"], "ProvisioningState": "Succeeded",
}
REST_VM = {
    "id": VM_ID, "name": "cvm-01", "type": "Microsoft.Compute/virtualMachines",
    "location": "westeurope", "tags": {"Env": "prod"}, "zones": ["1"], "resourceGroup": "rg-ai",
    "provider": "azure", "account": SUB,
    "properties": {
        "vmId": "1b2c", "availabilitySet": None, "provisioningState": "Succeeded",
        "hardwareProfile": {"vmSize": "Standard_DC4as_v5"},
        "osProfile": {"computerName": "cvm-01", "linuxConfiguration": {"provisionVMAgent": True}},
        "storageProfile": {"osDisk": {"osType": "Linux", "caching": "ReadWrite", "diskSizeGB": 30,
                                      "managedDisk": {"securityProfile": {
                                          "securityEncryptionType": "DiskWithVMGuestState",
                                          "diskEncryptionSet": {"id": "/subscriptions/x/des"}}}},
                           "dataDisks": [{"lun": 0, "caching": "None"}]},
        "securityProfile": {"securityType": "ConfidentialVM",
                            "uefiSettings": {"secureBootEnabled": True, "vTpmEnabled": True}},
    },
}


def test_get_azvm_becomes_the_rest_shape(tmp_path):
    inv, docs = load(tmp_path, GET_AZVM)
    assert inv.format == "azure-powershell"
    assert docs == [REST_VM]


def test_get_azvm_fixture_reads_like_the_arm_fixture_of_a_vm_built_the_same_way():
    ps = next(iter(InventoryFile(ROOT / "fixtures/azure/prod-ai/get-azvm.json"))).doc
    arm = json.loads((ROOT / "fixtures/azure/prod-ai/virtual-machines.json").read_text())["value"][0]
    for key in ("securityProfile", "hardwareProfile"):
        assert ps["properties"][key].keys() >= arm["properties"][key].keys(), key
    ps_os, arm_os = (d["properties"]["storageProfile"]["osDisk"] for d in (ps, arm))
    assert ps_os["managedDisk"]["securityProfile"] == arm_os["managedDisk"]["securityProfile"]
    assert (ps_os["osType"], ps_os["caching"], ps_os["diskSizeGB"]) == ("Linux", "ReadWrite", 30)
    assert ps["properties"]["osProfile"]["linuxConfiguration"]["provisionVMAgent"] is True


GET_AZRESOURCE = {  # Get-AzResource -ExpandProperties | ConvertTo-Json -Depth 100
    "ResourceId": ST_ID, "Id": ST_ID, "ResourceName": "st1", "Name": "st1",
    "ResourceType": "Microsoft.Storage/storageAccounts", "Type": "Microsoft.Storage/storageAccounts",
    "Kind": "StorageV2", "Location": "westeurope", "ResourceGroupName": "rg", "SubscriptionId": SUB,
    "Sku": {"Name": "Standard_LRS", "Tier": "Standard", "Size": None},
    "Identity": {"PrincipalId": "p", "Type": "UserAssigned", "UserAssignedIdentities": {
        "/subscriptions/x/MyIdentity": {"PrincipalId": "p2", "ClientId": "c2"}}},
    "Tags": None, "TagsTable": None, "CreatedTime": None, "ETag": None, "ParentResource": None,
    "Properties": {"supportsHttpsTrafficOnly": True, "networkAcls": {"defaultAction": "Deny"}},
}


def test_get_azresource_keeps_rest_properties_and_maps_the_envelope(tmp_path):
    inv, docs = load(tmp_path, [GET_AZRESOURCE, {**GET_AZRESOURCE, "ResourceId": ST_ID + "b",
                                                  "Id": ST_ID + "b"}])
    assert inv.format == "azure-powershell" and len(docs) == 2
    assert docs[0] == {
        "id": ST_ID, "name": "st1", "type": "Microsoft.Storage/storageAccounts", "kind": "StorageV2",
        "location": "westeurope", "resourceGroup": "rg", "subscriptionId": SUB, "etag": None,
        "sku": {"name": "Standard_LRS", "tier": "Standard", "size": None},
        "identity": {"principalId": "p", "type": "UserAssigned", "userAssignedIdentities": {
            "/subscriptions/x/MyIdentity": {"principalId": "p2", "clientId": "c2"}}},
        "tags": {}, "provider": "azure", "account": SUB,
        "properties": {"supportsHttpsTrafficOnly": True, "networkAcls": {"defaultAction": "Deny"}},
    }


def test_powershell_resources_in_jsonl_are_read_too(tmp_path):
    text = json.dumps(GET_AZVM) + "\n" + json.dumps(GET_AZRESOURCE) + "\n"
    _, docs = load(tmp_path, text, "ps.jsonl")
    assert docs[0] == REST_VM and docs[1]["properties"]["supportsHttpsTrafficOnly"] is True


@pytest.mark.parametrize("cut", [
    "System.Collections.Hashtable",
    "System.Object[]",
    "System.Collections.Generic.List`1[Microsoft.Azure.Management.Compute.Models.DataDisk]",
    "Microsoft.Azure.Management.Compute.Models.UefiSettings",
    "Microsoft.Azure.PowerShell.Cmdlets.Compute.Models.Api20240301.ISecurityProfile",
    "@{secureBootEnabled=True; vTpmEnabled=True}",
    "@{}",
    "System.Collections.Hashtable System.Collections.Hashtable",  # an array, space-joined
    "@{lun=0; caching=None} @{lun=1; caching=None}",
])
def test_a_document_cut_off_by_convertto_json_depth_is_an_input_error(tmp_path, cut):
    vm = json.loads(json.dumps(GET_AZVM))
    vm["SecurityProfile"]["UefiSettings"] = cut
    for data in (vm, {**GET_AZRESOURCE, "Properties": {"encryption": cut}}):
        err = error(tmp_path, data)
        assert "-Depth 100" in err.message and "ConvertTo-Json" in err.message
    p = tmp_path / "cut.jsonl"
    p.write_text(json.dumps(GET_AZRESOURCE) + "\n" + json.dumps(vm) + "\n")
    with pytest.raises(InputError) as e:
        list(InventoryFile(p))
    assert e.value.line == 2 and "SecurityProfile.UefiSettings" in e.value.message


def test_type_names_that_are_real_values_are_not_taken_for_truncation(tmp_path):
    _, docs = load(tmp_path, {**GET_AZRESOURCE, "Properties": {
        "kind": "Microsoft.Storage/storageAccounts", "note": "@ home", "x": "System",
        "y": "System is down", "z": "Microsoft.Azure is a name", "w": "@{not closed"}})
    assert docs[0]["properties"]["note"] == "@ home"


@pytest.mark.parametrize(("data", "words"), [
    ({**GET_AZRESOURCE, "Properties": None}, "Get-AzResource -ExpandProperties"),
    ({**GET_AZRESOURCE, "Properties": [1]}, "Properties must be a JSON object, not list"),
    ({**GET_AZRESOURCE, "properties": {}}, "mixes PowerShell's PascalCase envelope with ARM's"),
    ({**GET_AZRESOURCE, "Id": ST_ID + "-other"}, "differs from"),
    ({**GET_AZVM, "Type": "Microsoft.Compute/disks"}, "only `Get-AzResource -ExpandProperties` and `Get-AzVM`"),
    ({**GET_AZVM, "StorageProfile": {"OsDisk": {"OsType": 7}}}, "osType 7 is no known value"),
])
def test_powershell_output_that_cannot_be_read_faithfully_is_an_input_error(tmp_path, data, words):
    assert words in error(tmp_path, data).message


def test_a_later_powershell_item_with_a_camelcase_envelope_is_an_error(tmp_path):
    err = error(tmp_path, [GET_AZVM, {**GET_AZVM, "Id": VM_ID + "b", "id": VM_ID + "b"}])
    assert "resource #2" in err.message and "camelCase key 'id'" in err.message


# --- az CLI: SDK names back to REST names ------------------------------------------------

AZ_STORAGE = {  # az storage account show: flattened, the Python SDK's attribute names
    "id": ST_ID, "name": "st1", "type": "Microsoft.Storage/storageAccounts", "location": "westeurope",
    "resourceGroup": "rg", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}, "tags": {},
    "enableHttpsTrafficOnly": False, "minimumTlsVersion": "TLS1_2", "enableNfsV3": None,
    "networkRuleSet": {"defaultAction": "Allow", "ipRules": [{"ipAddressOrRange": "198.51.100.7",
                                                              "action": "Allow"}],
                       "virtualNetworkRules": [{"virtualNetworkResourceId": "/subscriptions/x/subnets/a"}]},
    "encryption": {"keySource": "Microsoft.Keyvault",
                   "keyVaultProperties": {"keyName": "k", "keyVaultUri": "https://kv.vault.azure.net/"}},
}


def test_az_storage_sdk_names_become_rest_names(tmp_path):
    inv, docs = load(tmp_path, [AZ_STORAGE])
    assert inv.format == "az-cli"
    assert docs[0]["properties"] == {
        "supportsHttpsTrafficOnly": False, "minimumTlsVersion": "TLS1_2", "isNfsV3Enabled": None,
        "networkAcls": {"defaultAction": "Allow", "ipRules": [{"value": "198.51.100.7", "action": "Allow"}],
                        "virtualNetworkRules": [{"id": "/subscriptions/x/subnets/a"}]},
        "encryption": {"keySource": "Microsoft.Keyvault",
                       "keyvaultproperties": {"keyname": "k", "keyvaulturi": "https://kv.vault.azure.net/"}},
    }


def test_az_disk_and_vm_sdk_names_become_rest_names(tmp_path):
    disk = {"id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/disks/d1",
            "type": "Microsoft.Compute/disks", "name": "d1", "diskSizeGb": 64, "diskIopsReadWrite": 240,
            "securityProfile": {"securityType": "ConfidentialVM_DiskEncryptedWithCustomerKey",
                                "secureVmDiskEncryptionSetId": "/subscriptions/x/des"}}
    vm = {"id": VM_ID, "type": "Microsoft.Compute/virtualMachines", "name": "cvm-01",
          "storageProfile": {"osDisk": {"diskSizeGb": 30}, "dataDisks": [{"diskSizeGb": 8}, "junk"]}}
    _, docs = load(tmp_path, [disk, vm])
    assert docs[0]["properties"] == {"diskSizeGB": 64, "diskIOPSReadWrite": 240, "securityProfile": {
        "securityType": "ConfidentialVM_DiskEncryptedWithCustomerKey",
        "secureVMDiskEncryptionSetId": "/subscriptions/x/des"}}
    assert docs[1]["properties"]["storageProfile"] == {"osDisk": {"diskSizeGB": 30},
                                                       "dataDisks": [{"diskSizeGB": 8}, "junk"]}


def test_rest_shaped_documents_are_not_renamed(tmp_path):
    # With a `properties` wrapper the document is what the service returned: nothing to undo.
    arm = {"id": ST_ID, "type": "Microsoft.Storage/storageAccounts", "name": "st1",
           "properties": {"enableHttpsTrafficOnly": True}}
    _, docs = load(tmp_path, arm)
    assert docs[0]["properties"] == {"enableHttpsTrafficOnly": True}


def test_az_and_rest_names_that_disagree_are_an_error(tmp_path):
    err = error(tmp_path, [{**AZ_STORAGE, "supportsHttpsTrafficOnly": True}])
    assert "'enableHttpsTrafficOnly' (az CLI) and 'supportsHttpsTrafficOnly' (REST)" in err.message
    _, docs = load(tmp_path, [{**AZ_STORAGE, "supportsHttpsTrafficOnly": False}], "same.json")
    assert docs[0]["properties"]["supportsHttpsTrafficOnly"] is False
    assert "enableHttpsTrafficOnly" not in docs[0]["properties"]


def test_the_fixture_az_storage_list_is_judged_on_rest_names():
    docs = {r.name: r.doc["properties"] for r in
            InventoryFile(ROOT / "fixtures/azure/dev-sandbox/az-storage-account-list.json")}
    assert docs["stsandboxexports"]["supportsHttpsTrafficOnly"] is False
    assert docs["stsandboxexports"]["networkAcls"]["defaultAction"] == "Allow"
    assert "networkRuleSet" not in docs["stsandboxfeatures"]


# --- AWS single objects and describe calls -----------------------------------------------

INSTANCE = {"InstanceId": "i-0abc", "Placement": {"AvailabilityZone": "eu-west-1b"},
            "CpuOptions": {"AmdSevSnp": "enabled"}, "Tags": [{"Key": "Name", "Value": "snp-1"}],
            "NetworkInterfaces": [{"OwnerId": "111122223333", "NetworkInterfaceId": "eni-1"}]}
ARN = "arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc"


def test_run_instances_bare_reservation(tmp_path):
    inv, docs = load(tmp_path, {"Groups": [], "Instances": [INSTANCE], "OwnerId": "444455556666",
                                "ReservationId": "r-1"})
    assert inv.format == "aws-ec2-reservation"
    assert docs[0]["id"] == "arn:aws:ec2:eu-west-1:444455556666:instance/i-0abc"
    assert (docs[0]["name"], docs[0]["account"]) == ("snp-1", "444455556666")


def test_a_bare_instance_takes_its_account_from_its_network_interface(tmp_path):
    inv, docs = load(tmp_path, INSTANCE)
    assert inv.format == "aws-ec2-instance"
    assert (docs[0]["id"], docs[0]["account"], docs[0]["location"]) == (ARN, "111122223333", "eu-west-1")
    assert docs[0]["properties"] == INSTANCE
    inv2, docs2 = load(tmp_path, [INSTANCE, {**INSTANCE, "InstanceId": "i-0def"}], "list.json")
    assert inv2.format == "aws-ec2-instance" and [d["id"][-6:] for d in docs2] == ["i-0abc", "i-0def"]
    no_eni = {k: v for k, v in INSTANCE.items() if k != "NetworkInterfaces"}
    _, docs3 = load(tmp_path, no_eni, "noeni.json")
    assert docs3[0]["account"] is None and docs3[0]["id"] == "arn:aws:ec2:eu-west-1::instance/i-0abc"


def test_create_volume_bare_volume(tmp_path):
    inv, docs = load(tmp_path, {"VolumeId": "vol-9", "AvailabilityZone": "us-east-1a", "Encrypted": False,
                                "State": "creating"})
    assert inv.format == "aws-ec2-volume"
    assert (docs[0]["type"], docs[0]["id"]) == ("AWS::EC2::Volume", "arn:aws:ec2:us-east-1::volume/vol-9")


def test_kms_describe_key(tmp_path):
    arn = "arn:aws:kms:eu-west-1:111122223333:key/k-1"
    inv, docs = load(tmp_path, {"KeyMetadata": {"KeyId": "k-1", "Arn": arn, "KeyManager": "CUSTOMER",
                                                "AWSAccountId": "111122223333"}})
    assert inv.format == "aws-kms-key"
    assert (docs[0]["id"], docs[0]["type"], docs[0]["location"], docs[0]["account"]) == (
        arn, "AWS::KMS::Key", "eu-west-1", "111122223333")
    assert "KeyRotationEnabled" not in docs[0]["properties"]  # the collector's call, not describe's


def test_elbv2_vpcs_and_buckets(tmp_path):
    lb_arn = "arn:aws:elasticloadbalancing:us-east-2:444455556666:loadbalancer/app/alb/1"
    _, lbs = load(tmp_path, {"LoadBalancers": [{"LoadBalancerArn": lb_arn, "LoadBalancerName": "alb",
                                                "Scheme": "internet-facing"}]}, "lb.json")
    assert (lbs[0]["type"], lbs[0]["location"], lbs[0]["account"], lbs[0]["name"]) == (
        "AWS::ElasticLoadBalancingV2::LoadBalancer", "us-east-2", "444455556666", "alb")
    _, vpcs = load(tmp_path, {"Vpcs": [{"VpcId": "vpc-1", "OwnerId": "444455556666"}]}, "vpc.json")
    assert (vpcs[0]["id"], vpcs[0]["type"], vpcs[0]["name"]) == (
        "arn:aws:ec2::444455556666:vpc/vpc-1", "AWS::EC2::VPC", "vpc-1")
    _, bks = load(tmp_path, {"Buckets": [{"Name": "b1", "BucketRegion": "eu-central-1"}],
                             "Owner": {"ID": "abc"}}, "s3.json")
    assert (bks[0]["id"], bks[0]["location"], bks[0]["account"]) == (
        "arn:aws:s3:::b1", "eu-central-1", None)


@pytest.mark.parametrize(("data", "shape"), [
    ({"KeyMetadata": "k-1"}, "aws-kms-key"),
    ({"KeyMetadata": {"KeyId": "k"}}, "aws-kms-key"),
    ({"LoadBalancers": {"LoadBalancerArn": "x"}}, "aws-elbv2-load-balancers"),
    ({"LoadBalancers": [{"LoadBalancerName": "x"}]}, "aws-elbv2-load-balancers"),
    ({"Vpcs": [{"CidrBlock": "10.0.0.0/16"}]}, "aws-ec2-vpcs"),
    ({"Buckets": [{"Name": 5}]}, "aws-s3-buckets"),
    ({"Buckets": ["b1"]}, "aws-s3-buckets"),
    ({"ReservationId": "r-1", "Instances": "i-1"}, "aws-ec2-reservation"),
    ([INSTANCE, 5], "aws-ec2-instance"),
    ({"InstanceId": "i-1", "Placement": "eu-west-1a"}, "aws-ec2-instance"),
])
def test_aws_outputs_of_the_wrong_inner_shape_are_input_errors(tmp_path, data, shape):
    assert f"does not have the {shape} shape" in error(tmp_path, data).message


def test_a_forced_new_format_that_does_not_fit_is_an_error(tmp_path):
    assert "aws-kms-key shape" in error(tmp_path, INSTANCE, fmt="aws-kms-key").message
    assert "PowerShell resource needs a string Id" in error(
        tmp_path, {"value": []}, fmt="azure-powershell").message


# --- properties ------------------------------------------------------------------------

# Integers within int64: beyond it the parser reads floats, by design (README, parser parity).
_leaf = st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.text(max_size=12)
_json = st.recursive(_leaf, lambda kids: st.lists(kids, max_size=3)
                     | st.dictionaries(st.text(max_size=8), kids, max_size=3), max_leaves=12)


@given(st.dictionaries(st.text(max_size=8), _json, max_size=4))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_get_azresource_properties_arrive_unchanged_or_the_file_is_refused(tmp_path, props):
    p = tmp_path / "ps.json"
    p.write_text(json.dumps({**GET_AZRESOURCE, "Properties": props}))
    truncated = any(TRUNCATED.match(s) for s in _strings(props))
    try:
        docs = [r.doc for r in InventoryFile(p)]
    except InputError as e:
        assert truncated and "-Depth 100" in e.message
    else:
        assert not truncated and docs[0]["properties"] == props


@given(st.dictionaries(st.sampled_from(["enableHttpsTrafficOnly", "supportsHttpsTrafficOnly",
                                        "networkRuleSet", "networkAcls", "other"]),
                       _json, max_size=4))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_az_storage_renames_lose_nothing(tmp_path, flat):
    p = tmp_path / "az.json"
    p.write_text(json.dumps([{"id": ST_ID, "type": "Microsoft.Storage/storageAccounts", **flat}]))
    clash = any(old in flat and new in flat and flat[old] != flat[new] for old, new in
                (("enableHttpsTrafficOnly", "supportsHttpsTrafficOnly"), ("networkRuleSet", "networkAcls")))
    try:
        props = next(iter(InventoryFile(p))).doc["properties"]
    except InputError as e:
        assert clash and "(az CLI)" in e.message
        return
    assert not clash
    assert "enableHttpsTrafficOnly" not in props and "networkRuleSet" not in props
    for old, new in (("enableHttpsTrafficOnly", "supportsHttpsTrafficOnly"), ("other", "other")):
        if old in flat:
            assert props[new] == flat[old]


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


# --- end to end ------------------------------------------------------------------------

def _depth_2(vm: dict) -> dict:
    """What `Get-AzVM | ConvertTo-Json` (default -Depth 2) writes: level-3 objects as names."""
    def cut(value, depth):
        if isinstance(value, dict):
            return {k: cut(v, depth + 1) for k, v in value.items()} if depth < 2 else \
                "Microsoft.Azure.Management.Compute.Models.SubResource"
        if isinstance(value, list):
            return [cut(v, depth + 1) for v in value] if depth < 2 else "System.Object[]"
        return value
    return cut(vm, 0)


BAD_EXPORTS = [
    ("depth-2.json", json.dumps(_depth_2(GET_AZVM)), None),
    ("depth-2.jsonl", json.dumps(GET_AZRESOURCE) + "\n" + json.dumps(_depth_2(GET_AZVM)) + "\n", 2),
    ("no-expand.json", json.dumps([{**GET_AZRESOURCE, "Properties": None}]), None),
    ("mixed-case.json", json.dumps({**GET_AZVM, "id": VM_ID}), None),
    ("two-aws-shapes.json", json.dumps({"Reservations": [], "Volumes": []}), None),
    ("key-without-arn.json", json.dumps({"KeyMetadata": {"KeyId": "k"}}), None),
    ("az-name-clash.json", json.dumps([{**AZ_STORAGE, "supportsHttpsTrafficOnly": True}]), None),
    ("nested-query.json", json.dumps([[INSTANCE]]), None),
]


@pytest.mark.parametrize(("name", "text", "line"), BAD_EXPORTS, ids=[b[0] for b in BAD_EXPORTS])
def test_bad_exports_are_exit_2_naming_the_file(ccscan, tmp_path, name, text, line):
    path = tmp_path / name
    path.write_text(text)
    res = ccscan("scan", path, "--format", "json")
    assert res.exit_code == 2, res.stderr
    assert res.stdout == "" and "Traceback" not in res.stderr
    assert (f"{path}:{line}:" if line else f"{path}:") in res.stderr


def test_depth_2_export_is_refused_with_the_fix_in_the_message(ccscan, tmp_path):
    path = tmp_path / "vms.json"
    path.write_text(json.dumps([_depth_2(GET_AZVM)]))
    res = ccscan("scan", path)
    assert res.exit_code == 2
    assert "ConvertTo-Json -Depth 100" in res.stderr and "OSProfile.LinuxConfiguration is" in res.stderr


def test_a_get_azvm_export_is_judged_like_the_rest_document(ccscan, tmp_path):
    (tmp_path / "ps.json").write_text(json.dumps(GET_AZVM))
    (tmp_path / "rest").mkdir()
    (tmp_path / "rest" / "arm.json").write_text(json.dumps(
        {k: v for k, v in REST_VM.items() if k not in ("provider", "account")}))
    by_source = {}
    for sub in ("ps.json", "rest"):
        res = ccscan("scan", tmp_path / sub, "--format", "json")
        assert res.exit_code == 0, res.stderr
        by_source[sub] = sorted((f["policy_id"], f["status"]) for f in res.json()["findings"])
    assert by_source["ps.json"] == by_source["rest"]
    assert ("CCS-AZ-VM-001", "pass") in by_source["ps.json"]


def test_the_cli_help_names_every_input_format(ccscan):
    res = ccscan("scan", "--help")
    flat = re.sub(r"-\s+", "-", " ".join(res.stdout.split()))  # click wraps at hyphens
    assert all(name in flat for name in FORMATS), [n for n in FORMATS if n not in flat]


NIC = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/n1"


def test_get_azvm_sub_resources_the_sdk_flattens_go_back_under_properties(tmp_path):
    from scanner.policy.typecheck import _leaves
    from scanner.typeindex import load_index

    vm = {**GET_AZVM, "NetworkProfile": {
        "NetworkInterfaces": [{"Id": NIC, "Primary": True, "DeleteOption": "Delete"}],
        "NetworkInterfaceConfigurations": [{"Name": "cfg", "Primary": True,
            "EnableAcceleratedNetworking": True, "IpConfigurations": [{
                "Name": "ip", "Subnet": {"Id": "/subscriptions/x/subnets/s"},
                "PrivateIPAddressVersion": "IPv4",
                "PublicIPAddressConfiguration": {"Name": "pip", "Sku": {"Name": "Standard"},
                                                 "IdleTimeoutInMinutes": 4}}]}]}}
    _, docs = load(tmp_path, vm)
    assert docs[0]["properties"]["networkProfile"] == {
        "networkInterfaces": [{"id": NIC, "properties": {"primary": True, "deleteOption": "Delete"}}],
        "networkInterfaceConfigurations": [{"name": "cfg", "properties": {
            "primary": True, "enableAcceleratedNetworking": True, "ipConfigurations": [{
                "name": "ip", "properties": {
                    "subnet": {"id": "/subscriptions/x/subnets/s"}, "privateIPAddressVersion": "IPv4",
                    "publicIPAddressConfiguration": {"name": "pip", "sku": {"name": "Standard"},
                                                     "properties": {"idleTimeoutInMinutes": 4}}}}]}}],
    }
    # The REST API's own paths (the type index, generated from the SDK's REST names) know
    # every field of the result.
    ix = load_index()
    rtype = ix.canonical_type("Microsoft.Compute/virtualMachines")
    bad = [s for s in _leaves(docs[0], []) if not ix.check(rtype, s).ok]
    assert bad == []
