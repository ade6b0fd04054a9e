"""
Key pairs: file modes, no overwrite, encrypted private keys, key ids.
"""

from __future__ import annotations

import hashlib
import stat

import pytest
from cryptography.hazmat.primitives import serialization

from scanner.errors import InputError, UsageError
from scanner.evidence.keys import key_id, keygen, load_private_key, load_public_key


def test_keygen_writes_pem_pair_with_private_mode_0600(tmp_path):
    key_path, pub_path = keygen(tmp_path / "ci")
    assert key_path.name == "ci.key" and pub_path.name == "ci.pub"
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert key_path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert pub_path.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    private, public = load_private_key(key_path), load_public_key(pub_path)
    public.verify(private.sign(b"m"), b"m")


def test_keygen_refuses_to_overwrite(tmp_path):
    keygen(tmp_path / "ci")
    before = (tmp_path / "ci.key").read_bytes()
    with pytest.raises(UsageError, match="refusing to overwrite"):
        keygen(tmp_path / "ci")
    assert (tmp_path / "ci.key").read_bytes() == before


def test_keygen_refuses_when_only_the_pub_exists(tmp_path):
    (tmp_path / "ci.pub").write_text("mine")
    with pytest.raises(UsageError, match="refusing to overwrite"):
        keygen(tmp_path / "ci")
    assert not (tmp_path / "ci.key").exists()
    assert (tmp_path / "ci.pub").read_text() == "mine"


def test_encrypted_private_key(tmp_path):
    key_path, _ = keygen(tmp_path / "ci", passphrase=b"correct horse")
    assert b"ENCRYPTED PRIVATE KEY" in key_path.read_bytes()
    assert load_private_key(key_path, b"correct horse")
    with pytest.raises(InputError, match="encrypted"):
        load_private_key(key_path)
    with pytest.raises(InputError, match="wrong passphrase"):
        load_private_key(key_path, b"wrong")


def test_key_id_is_sha256_of_raw_public_key(tmp_path):
    _, pub_path = keygen(tmp_path / "ci")
    public = load_public_key(pub_path)
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert key_id(public) == hashlib.sha256(raw).hexdigest()


def test_loading_the_wrong_kind_of_file(tmp_path):
    key_path, pub_path = keygen(tmp_path / "ci")
    with pytest.raises(InputError, match="not a PEM public key"):
        load_public_key(key_path)
    with pytest.raises(InputError, match="not a PEM private key"):
        load_private_key(pub_path)
    with pytest.raises(InputError, match="cannot read key"):
        load_public_key(tmp_path / "missing.pub")
