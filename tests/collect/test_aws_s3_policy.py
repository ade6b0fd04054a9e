"""
`denies_insecure_transport`: which bucket policies really refuse plain-HTTP requests.
"""

from __future__ import annotations

import copy

import pytest

pytest.importorskip("botocore")
from scanner.collect.aws_s3 import denies_insecure_transport

ARN = "arn:aws:s3:::models-prod"
GOOD = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "AllowRead", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
         "Action": "s3:GetObject", "Resource": f"{ARN}/*"},
        {"Sid": "DenyHttp", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [ARN, f"{ARN}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ],
}


def variant(**changes):
    policy = copy.deepcopy(GOOD)
    stmt = policy["Statement"][1]
    for key, value in changes.items():
        if value is None:
            stmt.pop(key, None)
        else:
            stmt[key] = value
    return policy


@pytest.mark.parametrize(
    "policy",
    [
        GOOD,
        variant(Principal={"AWS": "*"}),
        variant(Principal={"AWS": ["*"]}),
        variant(Action=["*"]),
        variant(Action="S3:*"),
        variant(Resource="*"),
        variant(Resource="arn:aws:s3:::models-*"),
        variant(Condition={"Bool": {"aws:SecureTransport": False}}),
        variant(Condition={"Bool": {"AWS:SecureTransport": ["false"]}}),
    ],
)
def test_denies(policy):
    assert denies_insecure_transport(policy, ARN) is True


@pytest.mark.parametrize(
    "policy",
    [
        None,
        {},
        {"Statement": []},
        variant(Effect="Allow", Condition={"Bool": {"aws:SecureTransport": "true"}}),
        variant(Principal={"AWS": "arn:aws:iam::111122223333:root"}),
        variant(Action="s3:GetObject"),
        variant(Resource=f"{ARN}/*"),  # the bucket itself (ListBucket, policy calls) stays open
        variant(Resource="arn:aws:s3:::other-bucket/*"),
        variant(Condition={"Bool": {"aws:SecureTransport": "true"}}),
        variant(Condition=None),
        variant(Condition={"Bool": {"aws:SecureTransport": "false"},
                           "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),  # narrower deny
        variant(NotPrincipal={"AWS": "arn:aws:iam::111122223333:root"}),
        variant(NotAction="s3:GetObject"),
    ],
)
def test_does_not_deny(policy):
    assert denies_insecure_transport(policy, ARN) is False


def test_single_statement_object_is_accepted():
    policy = {"Statement": GOOD["Statement"][1]}
    assert denies_insecure_transport(policy, ARN) is True
