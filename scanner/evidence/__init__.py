"""
Signed evidence bundles: build, sign (DSSE over an in-toto Statement), verify, keys.

    key_path, pub_path = keygen("ci-evidence")
    writer = BundleWriter("evidence.tar.gz", sign_key=load_private_key(key_path))
    # run_scan(... resource_observers=[writer.observe], reporters=[writer])
    verified = verify_bundle("evidence.tar.gz", load_public_key(pub_path))
"""

from __future__ import annotations

from scanner.evidence.build import BundleWriter
from scanner.evidence.errors import VerificationError
from scanner.evidence.keys import key_id, keygen, load_private_key, load_public_key
from scanner.evidence.safetar import Limits
from scanner.evidence.verify import Verified, read_summary, verify_bundle

__all__ = [
    "BundleWriter",
    "Limits",
    "VerificationError",
    "Verified",
    "key_id",
    "keygen",
    "load_private_key",
    "load_public_key",
    "read_summary",
    "verify_bundle",
]
