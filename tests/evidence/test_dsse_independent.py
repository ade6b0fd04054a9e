"""
Our envelopes checked by implementations other than ours: securesystemslib's DSSE
`Envelope` with its Ed25519 key, and a from-the-spec PAE written out here.
"""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import serialization

from scanner.evidence.keys import key_id

from .conftest import read_all


def _envelope(bundle) -> dict:
    return json.loads(read_all(bundle)["manifest.dsse.json"])


def test_securesystemslib_verifies_our_envelope(signed, key, other_key):
    from securesystemslib.dsse import Envelope
    from securesystemslib.exceptions import VerificationError
    from securesystemslib.signer import SSlibKey

    env = Envelope.from_dict(_envelope(signed))
    ours = SSlibKey.from_crypto(key.public_key(), keyid=key_id(key.public_key()))
    accepted = env.verify([ours], 1)
    assert list(accepted) == [key_id(key.public_key())]
    assert env.payload_type == "application/vnd.in-toto+json"
    # ... and rejects it for another key that claims our key id
    impostor = SSlibKey.from_crypto(other_key.public_key(), keyid=key_id(key.public_key()))
    with pytest.raises(VerificationError):
        env.verify([impostor], 1)


def test_spec_pae_and_statement_by_hand(signed, key):
    env = _envelope(signed)
    payload = base64.b64decode(env["payload"])
    ptype = env["payloadType"].encode()
    # PAE as written in the DSSE v1 spec, independently of scanner.evidence.dsse.pae
    pae = b" ".join([b"DSSEv1", str(len(ptype)).encode(), ptype, str(len(payload)).encode(),
                     payload])
    sig = base64.b64decode(env["signatures"][0]["sig"])
    key.public_key().verify(sig, pae)  # raises InvalidSignature if wrong
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert env["signatures"][0]["keyid"] == hashlib.sha256(raw).hexdigest()

    statement = json.loads(payload)
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    members = read_all(signed)
    subjects = {s["name"]: s for s in statement["subject"]}
    assert set(subjects) == set(members) - {"manifest.dsse.json"}
    assert "manifest.json" in subjects
    for name, data in members.items():
        if name != "manifest.dsse.json":
            assert subjects[name]["digest"]["sha256"] == hashlib.sha256(data).hexdigest()
            assert subjects[name]["annotations"]["size"] == len(data)
    assert statement["predicate"]["scan_id"] == "scan-1"
    assert statement["predicate"]["tool"]["version"]
    # the signed JSON is canonical (RFC 8785): re-serialising it changes nothing
    import rfc8785

    assert rfc8785.dumps(statement) == payload
