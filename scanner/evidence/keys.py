"""
Ed25519 key pairs for signing evidence bundles: generate, write, load, and key ids.

The key id is the lowercase hex SHA-256 of the public key's 32 raw bytes (RFC 8032
encoding), so anyone holding the `.pub` file can recompute it:
`openssl pkey -pubin -in k.pub -outform DER | tail -c 32 | sha256sum`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from scanner.errors import InputError, UsageError


def key_id(public_key: Ed25519PublicKey) -> str:
    """
    Return the key id: hex SHA-256 of the public key's raw 32 bytes.
    """
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def keygen(prefix: str | Path, passphrase: bytes | None = None) -> tuple[Path, Path]:
    """
    Write `PREFIX.key` (PKCS#8 PEM, mode 0600, encrypted when `passphrase` is given) and
    `PREFIX.pub` (SubjectPublicKeyInfo PEM); return both paths.

    Raises UsageError when either file exists: a key is never overwritten.
    """
    key_path, pub_path = Path(f"{prefix}.key"), Path(f"{prefix}.pub")
    for path in (key_path, pub_path):
        if path.exists() or path.is_symlink():
            raise UsageError("refusing to overwrite an existing key file", path)
    private = Ed25519PrivateKey.generate()
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    key_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    pub_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _write_exclusive(key_path, key_pem, 0o600)
    try:
        _write_exclusive(pub_path, pub_pem, 0o644)
    except BaseException:
        key_path.unlink()  # never leave half a key pair behind
        raise
    return key_path, pub_path


def _write_exclusive(path: Path, data: bytes, mode: int) -> None:
    """
    Create `path` with `mode` (O_EXCL: fails if it appeared meanwhile) and write `data`.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError as e:
        raise UsageError("refusing to overwrite an existing key file", path) from e
    except OSError as e:
        raise UsageError(f"cannot create key file: {e.strerror}", path) from e
    with os.fdopen(fd, "wb") as f:
        os.fchmod(f.fileno(), mode)  # the umask must not loosen or tighten what we promise
        f.write(data)


def load_private_key(path: str | Path, passphrase: bytes | None = None) -> Ed25519PrivateKey:
    """
    Load an Ed25519 private key from a PEM file, decrypting it with `passphrase` if needed.

    Raises InputError for an unreadable file, a missing or wrong passphrase, or another key type.
    """
    data = _read(path)
    try:
        key = serialization.load_pem_private_key(data, password=passphrase or None)
    except TypeError as e:
        if passphrase:
            raise InputError("private key is not encrypted; omit the passphrase", path) from e
        raise InputError(
            "private key is encrypted: set CCSCAN_KEY_PASSPHRASE or use --passphrase-env VAR",
            path,
        ) from e
    except ValueError as e:
        reason = "wrong passphrase or not a PEM private key" if passphrase else "not a PEM private key"
        raise InputError(reason, path) from e
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError("not an Ed25519 private key (create one with `ccscan keygen`)", path)
    return key


def load_public_key(path: str | Path) -> Ed25519PublicKey:
    """
    Load an Ed25519 public key from a PEM SubjectPublicKeyInfo file.

    Raises InputError for an unreadable file or another key type.
    """
    data = _read(path)
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as e:
        raise InputError("not a PEM public key", path) from e
    if not isinstance(key, Ed25519PublicKey):
        raise InputError("not an Ed25519 public key", path)
    return key


def _read(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise InputError(f"cannot read key: {e.strerror}", path) from e
