"""
KMS key policies, and whether they grant decryption only to attested Nitro Enclaves.

A Nitro Enclave proves what it runs by sending KMS an attestation document with its
`Recipient` parameter; a key policy binds decryption to that proof with a condition on
`kms:RecipientAttestation:ImageSha384` or `kms:RecipientAttestation:PCR<n>`. Deciding it means
walking every statement's `Effect`, `Principal`, `Action` (IAM wildcards) and `Condition`
keys, which the policy language (rightly) does not do: the collector derives two counts that
policies compare (`DecryptGrantsWithAttestation`, `DecryptGrantsWithoutAttestation`).
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

_DECRYPT = "kms:decrypt"
_ATTESTATION_PREFIX = "kms:recipientattestation:"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _grants_decrypt(statement: dict[str, Any]) -> bool:
    actions = [a for a in _as_list(statement.get("Action")) if isinstance(a, str)]
    return any(fnmatchcase(_DECRYPT, a.lower()) for a in actions)


def _is_root_delegation(statement: dict[str, Any], account: str) -> bool:
    # The default "Enable IAM User Permissions" statement hands the key to the account's IAM
    # policies; it grants nobody anything by itself, so it is not a decrypt grant here.
    principal = statement.get("Principal")
    aws = principal.get("AWS") if isinstance(principal, dict) else None
    roots = {f"arn:aws:iam::{account}:root", account}
    return bool(aws) and all(isinstance(p, str) and p in roots for p in _as_list(aws))


def _attested(statement: dict[str, Any]) -> bool:
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return False
    return any(
        isinstance(keys, dict) and any(str(k).lower().startswith(_ATTESTATION_PREFIX) for k in keys)
        for keys in condition.values()
    )


def decrypt_grants(policy_text: str, account: str) -> dict[str, Any]:
    """
    Return `KeyPolicy` (the parsed document) and the two decrypt-grant counts of a key policy.

    A grant is an `Allow` statement whose actions match `kms:Decrypt` (`kms:*`, `kms:Decrypt*`)
    and whose principal is not only the account root. Raises ValueError for a policy that is
    not a JSON object with a `Statement`.
    """
    doc = json.loads(policy_text)
    if not isinstance(doc, dict) or "Statement" not in doc:
        raise ValueError("key policy is not a JSON object with a Statement")
    statements = [s for s in _as_list(doc["Statement"]) if isinstance(s, dict)]
    grants = [
        s for s in statements
        if s.get("Effect") == "Allow" and _grants_decrypt(s) and not _is_root_delegation(s, account)
    ]
    attested = sum(1 for s in grants if _attested(s))
    return {
        "KeyPolicy": doc,
        "DecryptGrantsWithAttestation": attested,
        "DecryptGrantsWithoutAttestation": len(grants) - attested,
    }
