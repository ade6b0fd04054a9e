"""
The collector yields the same documents as the file loaders for the same describe data.

moto does not model `CpuOptions.AmdSevSnp` or `EnclaveOptions`, so the SEV-SNP and Nitro
Enclave instances come from the recorded describe responses in fixtures/aws/111122223333/,
replayed to the real boto3 client through a botocore before-call hook.
"""

from __future__ import annotations

import copy
import json

import pytest

pytest.importorskip("moto")
from moto import mock_aws
from support.aws_testing import FakeHttp, hooked_factory, region_of

from scanner.collect.aws import AwsCollector, AwsOptions
from scanner.inventory.files import read_inventories
from scanner.inventory.formats import ebs_volume
from tests.conftest import FIXTURES

RECORDED = FIXTURES / "aws" / "111122223333"
REGIONS = ("eu-west-1", "us-east-1")


def loaded(name: str) -> list[dict]:
    return [r.doc for inv in read_inventories([RECORDED / name]) for r in inv]


def replay(name: str, key: str, region_key):
    data = json.loads((RECORDED / name).read_text())

    def answer(request_signer, **kw):
        region = region_of(request_signer)
        items = [copy.deepcopy(i) for i in data[key] if region_key(i) == region]
        return FakeHttp(200), {key: items}

    return answer


def test_recorded_instances_equal_the_describe_instances_loader():
    def region(reservation):
        return reservation["Instances"][0]["Placement"]["AvailabilityZone"][:-1]

    hook = ("before-call.ec2.DescribeInstances", replay("describe-instances.json", "Reservations", region))
    with mock_aws():
        c = AwsCollector(AwsOptions(regions=REGIONS, types=frozenset({"aws::ec2::instance"})),
                         session_factory=hooked_factory(hook))
        got = sorted((r.doc for r in c.collect()), key=lambda d: d["id"])
    assert c.incomplete == []
    assert got == sorted(loaded("describe-instances.json"), key=lambda d: d["id"])
    # The fields moto cannot produce came through the real client unchanged.
    assert any(d["properties"].get("CpuOptions", {}).get("AmdSevSnp") == "enabled" for d in got)
    assert any(d["properties"].get("EnclaveOptions", {}).get("Enabled") is True for d in got)


def test_recorded_volumes_equal_the_loader_plus_key_metadata():
    def region(volume):
        return volume["AvailabilityZone"][:-1]

    def describe_key(params, **kw):
        key = json.loads(params["body"])["KeyId"]  # KMS speaks JSON: the body is bytes
        return FakeHttp(200), {"KeyMetadata": {"KeyId": key.rsplit("/", 1)[-1], "Arn": key,
                                               "KeyManager": "CUSTOMER"}}

    hooks = (("before-call.ec2.DescribeVolumes", replay("describe-volumes.json", "Volumes", region)),
             ("before-call.kms.DescribeKey", describe_key))
    with mock_aws():
        c = AwsCollector(AwsOptions(regions=REGIONS, types=frozenset({"aws::ec2::volume"})),
                         session_factory=hooked_factory(*hooks))
        got = {d["id"]: d for d in (r.doc for r in c.collect())}
        account = c.accounts()[0].account
    assert c.incomplete == []
    # describe-volumes output names no account: the loader is given the one we scanned.
    expected = {d["id"]: d for d in (
        ebs_volume(v["properties"], account, v["location"]) for v in loaded("describe-volumes.json"))}
    assert got.keys() == expected.keys()
    for rid, doc in got.items():
        props = dict(doc["properties"])
        meta = props.pop("KmsKeyMetadata", None)  # the one derived key on volumes
        assert dict(doc, properties=props) == expected[rid]
        if doc["properties"].get("Encrypted"):
            assert meta["KeyManager"] == "CUSTOMER" and meta["Arn"] == doc["properties"]["KmsKeyId"]
        else:
            assert meta is None
