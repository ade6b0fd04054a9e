"""
AWS collector against moto (`mock_aws`): canonical shapes, derived keys, scope and pagination.

moto does not model `CpuOptions.AmdSevSnp` or `EnclaveOptions` (run_instances accepts them,
describe_instances returns neither), so SEV-SNP / Nitro Enclave instances are covered by the
recorded describe response in fixtures/aws/describe-instances-confidential.json instead
(test_aws_fixtures.py).
"""

from __future__ import annotations

import json

import pytest

moto = pytest.importorskip("moto")
from moto import mock_aws
from support.aws_testing import ACCOUNT, FakeHttp, build_estate, hooked_factory

from scanner.collect.aws import AwsCollector, AwsOptions
from scanner.collect.aws_resources import FETCHERS


@pytest.fixture
def aws():
    with mock_aws():
        yield


def collect(**options):
    factory = options.pop("session_factory", None)
    c = AwsCollector(AwsOptions(**options), **({"session_factory": factory} if factory else {}))
    return c, [r.doc for r in c.collect()]


def by_type(docs, rtype):
    return [d for d in docs if d["type"] == rtype]


def test_every_type_in_canonical_shape(aws):
    ids = build_estate()
    c, docs = collect(regions=("us-east-1",))
    assert c.incomplete == []
    assert {d["type"] for d in docs} == set(FETCHERS)
    json.dumps(docs)  # plain JSON: datetimes became strings, no ResponseMetadata
    for d in docs:
        assert set(d) == {"id", "type", "name", "location", "provider", "account", "tags",
                          "properties"}
        assert (d["provider"], d["account"], d["location"]) == ("aws", ACCOUNT, "us-east-1")
    (inst,) = by_type(docs, "AWS::EC2::Instance")
    assert inst["id"] == f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{ids['instance']}"
    assert inst["name"] == "inference-1" and inst["tags"] == {"Name": "inference-1"}
    assert inst["properties"]["MetadataOptions"]["HttpTokens"] == "required"
    assert isinstance(inst["properties"]["LaunchTime"], str)


def test_volumes_carry_their_key_metadata(aws):
    ids = build_estate()
    _, docs = collect(regions=("us-east-1",), types=frozenset({"aws::ec2::volume"}))
    vols = {d["properties"]["VolumeId"]: d for d in docs}
    assert {d["type"] for d in docs} == {"AWS::EC2::Volume"}
    cmk = vols[ids["cmk_volume"]]["properties"]
    assert cmk["KmsKeyMetadata"]["KeyManager"] == "CUSTOMER"
    assert cmk["KmsKeyMetadata"]["KeyId"] == ids["cmk"]
    assert "KmsKeyMetadata" not in vols[ids["plain_volume"]]["properties"]


def test_kms_keys_with_rotation_and_aliases(aws):
    ids = build_estate()
    _, docs = collect(regions=("us-east-1",), types=frozenset({"aws::kms::key"}))
    keys = {d["properties"]["KeyId"]: d for d in docs}
    assert keys[ids["cmk"]]["properties"]["KeyRotationEnabled"] is True
    assert keys[ids["cmk"]]["name"] == "alias/models"
    assert keys[ids["stale"]]["properties"]["KeyRotationEnabled"] is False
    assert keys[ids["stale"]]["tags"] == {"Name": "stale"} and keys[ids["stale"]]["name"] == "stale"
    assert keys[ids["cmk"]]["id"].startswith(f"arn:aws:kms:us-east-1:{ACCOUNT}:key/")
    # moto's default key policy is the root delegation only: no decrypt grant of its own
    cmk = keys[ids["cmk"]]["properties"]
    assert (cmk["DecryptGrantsWithAttestation"], cmk["DecryptGrantsWithoutAttestation"]) == (0, 0)
    enclave = keys[ids["enclave_key"]]
    assert enclave["tags"] == {"ccscan:enclave": "true"}
    assert enclave["properties"]["DecryptGrantsWithAttestation"] == 1
    assert enclave["properties"]["DecryptGrantsWithoutAttestation"] == 0
    assert enclave["properties"]["KeyPolicy"]["Statement"][1]["Sid"] == "Enclave decrypts only when attested"


def test_vpc_endpoints_listeners_buckets_and_bedrock(aws):
    ids = build_estate()
    _, docs = collect(regions=("us-east-1",))
    vpc = next(d for d in by_type(docs, "AWS::EC2::VPC") if d["properties"]["VpcId"] == ids["vpc"])
    (ep,) = vpc["properties"]["VpcEndpoints"]
    assert ep["ServiceName"] == "com.amazonaws.us-east-1.bedrock-runtime"
    assert ep["PrivateDnsEnabled"] is True
    default = next(d for d in by_type(docs, "AWS::EC2::VPC") if d["properties"]["IsDefault"])
    assert default["properties"]["VpcEndpoints"] == []
    (lb,) = by_type(docs, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert lb["id"] == ids["lb"] and lb["name"] == "models"
    (listener,) = lb["properties"]["Listeners"]
    assert listener["DefaultActions"][0]["RedirectConfig"]["Protocol"] == "HTTPS"
    buckets = {d["name"]: d for d in by_type(docs, "AWS::S3::Bucket")}
    prod = buckets["models-prod"]
    assert prod["id"] == "arn:aws:s3:::models-prod" and prod["tags"] == {"data": "confidential"}
    assert prod["properties"]["BucketPolicy"]["Statement"][0]["Sid"] == "DenyInsecureTransport"
    assert prod["properties"]["DeniesInsecureTransport"] is True
    assert buckets["scratch-open"]["properties"]["BucketPolicy"] is None
    assert buckets["scratch-open"]["properties"]["DeniesInsecureTransport"] is False
    (log,) = by_type(docs, "AWS::Bedrock::ModelInvocationLoggingConfiguration")
    assert log["id"] == f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-invocation-logging"
    assert log["properties"]["LoggingEnabled"] is True
    assert log["properties"]["loggingConfig"]["cloudWatchConfig"]["logGroupName"] == "/bedrock/invocations"


def test_types_limit_the_api_calls(aws):
    build_estate()
    calls: list[str] = []
    factory = hooked_factory(("before-call", lambda model, **kw: calls.append(
        f"{model.service_model.service_name}:{model.name}")))
    _, docs = collect(regions=("us-east-1",), types=frozenset({"aws::ec2::instance"}),
                      session_factory=factory)
    assert {d["type"] for d in docs} == {"AWS::EC2::Instance"}
    assert sorted(set(calls)) == ["ec2:DescribeInstances", "sts:GetCallerIdentity"]


def test_buckets_outside_the_scanned_regions_are_skipped(aws):
    build_estate("eu-west-1")
    _, docs = collect(regions=("us-east-1",), types=frozenset({"aws::s3::bucket"}))
    assert docs == []
    _, docs = collect(regions=("us-east-1", "eu-west-1"), types=frozenset({"aws::s3::bucket"}))
    assert {d["name"]: d["location"] for d in docs} == {"models-prod": "eu-west-1",
                                                       "scratch-open": "eu-west-1"}


def test_default_regions_come_from_describe_regions(aws):
    seen: list[str] = []

    def two_regions(model, params, **kw):
        # The account has two enabled regions; DescribeRegions without AllRegions lists those.
        seen.append(model.name)
        assert "AllRegions" not in (params.get("body") or {})
        return FakeHttp(200), {"Regions": [{"RegionName": "us-east-1"},
                                           {"RegionName": "eu-west-1"}]}

    factory = hooked_factory(("before-call.ec2.DescribeRegions", two_regions))
    c, docs = collect(types=frozenset({"aws::ec2::vpc"}), session_factory=factory)
    assert seen == ["DescribeRegions"]
    assert c.snapshot_header()["regions"] == ["eu-west-1", "us-east-1"]
    # moto creates a default VPC in every region it is asked about: one per scanned region.
    assert sorted(d["location"] for d in docs) == ["eu-west-1", "us-east-1"]


def test_pages_are_followed(aws):
    ids = build_estate()
    pages: list[str | None] = []

    def first_page_only_one(params, **kw):
        # Answer the first call ourselves with one volume and a NextToken; the paginator must
        # come back for the rest (moto answers the second call).
        token = (params.get("body") or {}).get("NextToken")
        pages.append(token)
        if token is None:
            return FakeHttp(200), {"Volumes": [{"VolumeId": "vol-0page1", "Size": 1,
                                                "AvailabilityZone": "us-east-1a"}],
                                   "NextToken": "page-2"}
        return None

    factory = hooked_factory(("before-call.ec2.DescribeVolumes", first_page_only_one))
    _, docs = collect(regions=("us-east-1",), types=frozenset({"aws::ec2::volume"}),
                      session_factory=factory)
    got = {d["properties"]["VolumeId"] for d in docs}
    assert pages == [None, "page-2"]
    assert {"vol-0page1", ids["cmk_volume"], ids["plain_volume"]} <= got


def test_collection_order_is_stable(aws):
    build_estate()
    types = frozenset({"aws::ec2::vpc", "aws::ec2::volume", "aws::kms::key", "aws::s3::bucket"})
    _, first = collect(regions=("us-east-1", "eu-west-1"), types=types, max_workers=4)
    _, second = collect(regions=("us-east-1", "eu-west-1"), types=types, max_workers=2)
    assert [d["id"] for d in first] == [d["id"] for d in second]


def test_assume_role_per_account_with_external_id(aws):
    assumed: list[dict] = []
    factory = hooked_factory(("before-call.sts.AssumeRole",
                              lambda params, **kw: assumed.append(dict(params["body"]))))
    roles = ("arn:aws:iam::111111111111:role/ccscan-audit", "arn:aws:iam::222222222222:role/ccscan-audit")
    c, docs = collect(regions=("us-east-1",), role_arns=roles, external_id="ext-42",
                      types=frozenset({"aws::ec2::vpc"}), session_factory=factory)
    assert [p["ExternalId"] for p in assumed] == ["ext-42", "ext-42"]
    assert [p["RoleArn"] for p in assumed] == list(roles)
    assert c.snapshot_header()["accounts"] == ["111111111111", "222222222222"]
    assert sorted({d["account"] for d in docs}) == ["111111111111", "222222222222"]
    assert c.incomplete == []


def test_least_privilege_policy_covers_every_call(aws):
    from tests.conftest import ROOT

    build_estate()
    calls: set[str] = set()

    def record(model, **kw):
        calls.add(f"{model.service_model.signing_name}:{model.name}")
        if model.name == "DescribeRegions":  # keep the run to two regions
            return FakeHttp(200), {"Regions": [{"RegionName": "us-east-1"},
                                               {"RegionName": "eu-west-1"}]}
        return None

    collect(session_factory=hooked_factory(("before-call", record)))  # every type
    # IAM names that differ from the API operation; GetCallerIdentity needs no permission.
    renamed = {"s3:ListBuckets": "s3:ListAllMyBuckets"}
    needed = {renamed.get(c, c) for c in calls if c != "sts:GetCallerIdentity"}
    doc = json.loads((ROOT / "docs" / "aws-iam-policy.json").read_text())
    allowed = {a for s in doc["Statement"] if s["Effect"] == "Allow" for a in s["Action"]}
    assert needed <= allowed, needed - allowed
    assert allowed <= needed, allowed - needed  # nothing superfluous
