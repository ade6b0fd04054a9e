"""
Bundle building: determinism, tar/gzip header hygiene, members and manifest.
"""

from __future__ import annotations

import hashlib
import json
import tarfile

from .conftest import build_bundle, read_all


def test_two_unsigned_bundles_are_byte_identical(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764331200")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    # same inputs (the policy file's path is part of scan.json), different output paths
    a = build_bundle(tmp_path / "a" / "e.tar.gz", policy_dir=tmp_path / "pol")
    b = build_bundle(tmp_path / "b" / "e.tar.gz", policy_dir=tmp_path / "pol")
    assert a.read_bytes() == b.read_bytes()
    with tarfile.open(a) as tar:
        assert {m.mtime for m in tar.getmembers()} == {1764331200}


def test_signed_bundles_are_deterministic_too(tmp_path, key):
    # Ed25519 signatures are deterministic (RFC 8032), so signing keeps reproducibility.
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = build_bundle(tmp_path / "a" / "e.tar.gz", key, policy_dir=tmp_path / "pol")
    b = build_bundle(tmp_path / "b" / "e.tar.gz", key, policy_dir=tmp_path / "pol")
    assert a.read_bytes() == b.read_bytes()


def test_headers_are_normalised(signed):
    raw = signed.read_bytes()
    assert raw[:2] == b"\x1f\x8b"
    assert raw[4:8] == b"\x00\x00\x00\x00"  # gzip mtime 0
    assert raw[3] & 0x08 == 0  # no FNAME: the temp file's name is not recorded
    with tarfile.open(signed) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names)
    for m in members:
        assert m.isreg() and m.mode == 0o644 and m.uid == 0 and m.gid == 0
        assert m.uname == "" and m.gname == "" and m.mtime == 0


def test_members_and_manifest(signed):
    members = read_all(signed)
    assert set(members) == {"scan.json", "inventory/resources.jsonl", "policies/test.yaml",
                            "summary.md", "manifest.json", "manifest.dsse.json"}
    manifest = json.loads(members["manifest.json"])
    assert manifest["scan_id"] == "scan-1" and manifest["tool"]["version"] == "0.1.0"
    assert manifest["time"] == "2026-11-28T12:00:01Z"
    listed = {m["path"]: m for m in manifest["members"]}
    assert set(listed) == set(members) - {"manifest.json", "manifest.dsse.json"}
    for path, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(members[path]).hexdigest()
        assert entry["size"] == len(members[path])
    scan = json.loads(members["scan.json"])
    assert scan["scan_id"] == "scan-1" and len(scan["findings"]) == 1
    inventory = members["inventory/resources.jsonl"].decode().splitlines()
    assert json.loads(inventory[0])["ccscan_snapshot"] == 1
    assert len(inventory) == 3
    summary = members["summary.md"].decode()
    assert "CCS-T-001" in summary and "fail 1" in summary


def test_planted_secret_is_redacted_in_inventory(signed):
    blob = b"".join(read_all(signed).values())
    assert b"sk-testPLANTEDsecretVALUE0123456789" not in blob
    assert b"[REDACTED sha256:" in blob


def test_error_texts_are_redacted_too(tmp_path):
    reason = "GET https://x.blob.core.windows.net/c?sv=1&sig=PLANTEDsigInError123 failed: 403"
    out = build_bundle(tmp_path / "e.tar.gz", incomplete=[{"scope": "storage", "reason": reason}])
    blob = b"".join(read_all(out).values())
    assert b"PLANTEDsigInError123" not in blob
    assert b"sig=[REDACTED sha256:" in blob
