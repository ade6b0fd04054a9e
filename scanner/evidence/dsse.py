"""
DSSE envelopes (https://github.com/secure-systems-lab/dsse, protocol v1) signed with Ed25519.

The signature covers PAE(payloadType, payload), never the JSON around it, so the envelope's
own serialisation does not matter to verification.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from scanner.evidence.errors import VerificationError
from scanner.evidence.keys import key_id

PAYLOAD_TYPE = "application/vnd.in-toto+json"


def pae(payload_type: str, payload: bytes) -> bytes:
    """
    Return the DSSE v1 Pre-Authentication Encoding of a payload.
    """
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def sign_envelope(
    payload: bytes, key: Ed25519PrivateKey, payload_type: str = PAYLOAD_TYPE
) -> dict[str, Any]:
    """
    Return a DSSE envelope over `payload` with one Ed25519 signature by `key`.
    """
    sig = key.sign(pae(payload_type, payload))
    return {
        "payload": base64.b64encode(payload).decode("ascii"),
        "payloadType": payload_type,
        "signatures": [
            {"keyid": key_id(key.public_key()), "sig": base64.b64encode(sig).decode("ascii")}
        ],
    }


def verify_envelope(
    envelope: Any, key: Ed25519PublicKey, payload_type: str = PAYLOAD_TYPE
) -> bytes:
    """
    Check that `envelope` carries a valid signature by `key` and return the payload bytes.

    Raises VerificationError naming what is wrong (shape, payload type, key id, signature).
    """
    if not isinstance(envelope, dict):
        raise VerificationError("signature envelope is not a JSON object")
    if envelope.get("payloadType") != payload_type:
        raise VerificationError(
            f"unknown payload type {envelope.get('payloadType')!r} (expected {payload_type!r})"
        )
    payload = _b64(envelope.get("payload"), "payload")
    sigs = envelope.get("signatures")
    if not isinstance(sigs, list) or not sigs:
        raise VerificationError("signature envelope has no signatures")
    want = key_id(key)
    matching = [s for s in sigs if isinstance(s, dict) and s.get("keyid") == want]
    if not matching:
        ids = ", ".join(str(s.get("keyid"))[:16] for s in sigs if isinstance(s, dict))
        raise VerificationError(
            f"bundle is not signed by this key (key id {want[:16]}…; signed by {ids or 'nobody'})"
        )
    message = pae(payload_type, payload)
    for s in matching:
        try:
            key.verify(_b64(s.get("sig"), "signature"), message)
            return payload
        except InvalidSignature:
            continue
    raise VerificationError(f"signature by key {want[:16]}… does not verify")


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise VerificationError(f"signature envelope: {what} is not a string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as e:
        raise VerificationError(f"signature envelope: {what} is not valid base64") from e
