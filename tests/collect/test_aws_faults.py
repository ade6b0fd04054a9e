"""
AWS collector faults, injected with botocore event hooks on the collector's sessions.

AccessDenied in one region, an opt-in region, an unreachable endpoint, throttling that
recovers (botocore's standard retry mode) and throttling that does not; failed authentication.
"""

from __future__ import annotations

import pytest

pytest.importorskip("moto")
from botocore.exceptions import EndpointConnectionError
from moto import mock_aws
from support.aws_testing import (
    ACCOUNT,
    build_estate,
    ec2_throttle_response,
    error_reply,
    hooked_factory,
    region_of,
)

from scanner.collect.aws import AwsAuthError, AwsCollector, AwsOptions
from scanner.errors import CcscanError

INSTANCES = frozenset({"aws::ec2::instance"})


@pytest.fixture
def aws():
    with mock_aws():
        yield


def run(factory, **options):
    options.setdefault("types", INSTANCES)
    c = AwsCollector(AwsOptions(**options), session_factory=factory)
    return c, [r.doc for r in c.collect()]


def test_access_denied_in_one_region_keeps_the_others(aws):
    build_estate("us-east-1")

    def deny_eu(request_signer, **kw):
        if region_of(request_signer) == "eu-west-1":
            return error_reply("UnauthorizedOperation", "You are not authorized to perform this operation.")
        return None

    c, docs = run(hooked_factory(("before-call.ec2.DescribeInstances", deny_eu)),
                  regions=("us-east-1", "eu-west-1"))
    assert [d["location"] for d in docs] == ["us-east-1"]
    assert [(i.scope, i.reason.split(":")[0]) for i in c.incomplete] == [
        (f"aws {ACCOUNT}/eu-west-1 AWS::EC2::Instance", "UnauthorizedOperation on DescribeInstances")
    ]


def test_opt_in_region_is_incomplete_not_fatal(aws):
    def not_opted_in(request_signer, **kw):
        if region_of(request_signer) == "ap-east-1":
            return error_reply("OptInRequired", "You are not subscribed to this service.", 401)
        return None

    c, _ = run(hooked_factory(("before-call.ec2.DescribeInstances", not_opted_in)),
               regions=("us-east-1", "ap-east-1"))
    (inc,) = c.incomplete
    assert inc.scope == f"aws {ACCOUNT}/ap-east-1 AWS::EC2::Instance"
    assert inc.reason.startswith("OptInRequired") and "region not enabled" in inc.reason


def test_endpoint_error_is_incomplete(aws):
    def unreachable(request, **kw):
        if ".eu-west-1." in request.url:
            raise EndpointConnectionError(endpoint_url=request.url)

    c, _ = run(hooked_factory(("before-send.ec2.DescribeInstances", unreachable), first=True),
                  regions=("us-east-1", "eu-west-1"), max_attempts=1)
    (inc,) = c.incomplete
    assert inc.scope.endswith("eu-west-1 AWS::EC2::Instance")
    assert inc.reason.startswith("endpoint unreachable")


def test_throttling_then_success_is_retried_by_botocore(aws):
    ids = build_estate("us-east-1")
    sent: list[str] = []

    def throttle_once(request, **kw):
        sent.append(request.url)
        return ec2_throttle_response(request.url) if len(sent) == 1 else None

    c, docs = run(hooked_factory(("before-send.ec2.DescribeInstances", throttle_once), first=True),
                  regions=("us-east-1",))
    assert len(sent) == 2  # one throttled attempt, one retry that moto answered
    assert [d["properties"]["InstanceId"] for d in docs] == [ids["instance"]]
    assert c.incomplete == []


def test_throttling_that_never_ends_is_incomplete(aws):
    sent: list[str] = []

    def always(request, **kw):
        sent.append(request.url)
        return ec2_throttle_response(request.url)

    c, docs = run(hooked_factory(("before-send.ec2.DescribeInstances", always), first=True),
                  regions=("us-east-1",), max_attempts=2)
    assert len(sent) == 2 and docs == []
    (inc,) = c.incomplete
    assert inc.reason.startswith("RequestLimitExceeded on DescribeInstances")


def test_denied_sub_call_leaves_the_field_absent(aws):
    ids = build_estate("us-east-1")
    deny = ("before-call.kms.GetKeyRotationStatus",
            lambda **kw: error_reply("AccessDeniedException", "not allowed", 400))
    c, docs = run(hooked_factory(deny), regions=("us-east-1",), types=frozenset({"aws::kms::key"}))
    cmk = next(d for d in docs if d["properties"]["KeyId"] == ids["cmk"])
    assert "KeyRotationEnabled" not in cmk["properties"]  # the policy then says `unknown`
    assert any(i.scope.endswith(f"kms:GetKeyRotationStatus {ids['cmk']}") for i in c.incomplete)


def test_one_account_refusing_the_role_keeps_the_others(aws):
    def refuse(params, **kw):
        if "222222222222" in params["body"]["RoleArn"]:
            return error_reply("AccessDenied", "not authorized to perform sts:AssumeRole")
        return None

    roles = ("arn:aws:iam::111111111111:role/audit", "arn:aws:iam::222222222222:role/audit")
    c, docs = run(hooked_factory(("before-call.sts.AssumeRole", refuse)), regions=("us-east-1",),
                  role_arns=roles, types=frozenset({"aws::ec2::vpc"}))
    assert {d["account"] for d in docs} == {"111111111111"}
    (inc,) = c.incomplete
    assert inc.scope.startswith("aws account 222222222222") and "AccessDenied" in inc.reason


def test_invalid_token_is_one_line_auth_error_without_secrets(aws, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-value-never-printed")
    reject = ("before-call.sts.GetCallerIdentity",
              lambda **kw: error_reply("InvalidClientTokenId",
                                       "The security token included in the request is invalid."))
    with pytest.raises(AwsAuthError) as err:
        run(hooked_factory(reject), regions=("us-east-1",))
    assert isinstance(err.value, CcscanError) and err.value.exit_code == 2
    text = err.value.diagnostics()
    assert "\n" not in text and "InvalidClientTokenId" in text
    assert "s3cr3t" not in text and "testing" not in text


def test_no_credentials_is_auth_error(monkeypatch, tmp_path):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_WEB_IDENTITY_TOKEN_FILE", raising=False)
    with pytest.raises(AwsAuthError, match="no credentials found"):
        AwsCollector(AwsOptions(regions=("us-east-1",))).accounts()


def test_unknown_profile_is_auth_error(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(AwsAuthError, match="nope"):
        AwsCollector(AwsOptions(profile="nope")).accounts()
