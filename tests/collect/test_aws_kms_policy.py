"""
Which key-policy statements count as decrypt grants, and which of them require a Nitro
Enclave attestation (`kms:RecipientAttestation:*`). Expectations are written by hand.
"""

from __future__ import annotations

import json

import pytest

from scanner.collect.aws_kms_policy import decrypt_grants

ACCOUNT = "111122223333"
ROOT = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*", "Resource": "*"}
ROLE = f"arn:aws:iam::{ACCOUNT}:role/enclave-parent"


def grants(*statements: object, whole: object = None) -> tuple[int, int]:
    doc = whole if whole is not None else {"Version": "2012-10-17", "Statement": list(statements)}
    got = decrypt_grants(json.dumps(doc), ACCOUNT)
    assert got["KeyPolicy"] == doc
    return got["DecryptGrantsWithAttestation"], got["DecryptGrantsWithoutAttestation"]


def allow(action: object, condition: object = None, principal: object = ROLE) -> dict:
    s = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": action, "Resource": "*"}
    if condition is not None:
        s["Condition"] = condition
    return s


ATTESTED = {"StringEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": "ab" * 48}}
PCR = {"StringEquals": {"kms:RecipientAttestation:PCR8": "cd" * 48}}


def test_root_delegation_alone_grants_nothing():
    assert grants(ROOT) == (0, 0)


@pytest.mark.parametrize("action", ["kms:Decrypt", "kms:*", "kms:Decrypt*", "KMS:DECRYPT",
                                    ["kms:Encrypt", "kms:Decrypt"], "*"])
def test_every_spelling_of_decrypt_is_a_grant(action):
    assert grants(ROOT, allow(action)) == (0, 1)
    assert grants(ROOT, allow(action, ATTESTED)) == (1, 0)


@pytest.mark.parametrize("action", ["kms:Encrypt", "kms:GenerateDataKey", ["kms:Describe*"], 42])
def test_other_actions_are_not_decrypt_grants(action):
    assert grants(allow(action)) == (0, 0)


def test_a_pcr_condition_counts_as_attestation():
    assert grants(allow("kms:Decrypt", PCR)) == (1, 0)


def test_a_condition_on_something_else_is_no_attestation():
    other = {"StringEquals": {"kms:ViaService": "ec2.us-east-1.amazonaws.com"}}
    assert grants(allow("kms:Decrypt", other), allow("kms:Decrypt", "garbage")) == (0, 2)


def test_deny_statements_are_not_grants():
    assert grants({"Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}) == (0, 0)


def test_root_next_to_another_principal_is_a_grant():
    assert grants(allow("kms:Decrypt", principal=[f"arn:aws:iam::{ACCOUNT}:root", ROLE])) == (0, 1)
    assert grants(allow("kms:Decrypt", principal="*")) == (0, 1)
    other_root = "arn:aws:iam::999988887777:root"  # another account's root is a grant
    assert grants(allow("kms:Decrypt", principal=other_root)) == (0, 1)


def test_a_single_statement_object_is_read_like_a_list():
    assert grants(whole={"Statement": allow("kms:Decrypt", ATTESTED)}) == (1, 0)


@pytest.mark.parametrize("text", ["not json", "[]", '{"Version": "2012-10-17"}', "null"])
def test_a_policy_that_is_not_a_policy_is_an_error(text):
    with pytest.raises(ValueError):
        decrypt_grants(text, ACCOUNT)
