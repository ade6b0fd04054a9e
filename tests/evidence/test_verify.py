"""
`verify_bundle`: a good bundle verifies; every attack from issue 5 fails with a clear reason.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import tarfile
import zlib
from pathlib import Path

import pytest

from scanner.errors import InputError
from scanner.evidence import Limits, VerificationError, verify_bundle
from scanner.evidence.canonical import canonical_json
from scanner.evidence.dsse import sign_envelope
from scanner.evidence.statement import PREDICATE_TYPE

from .conftest import build_bundle, read_all, write_members, write_raw

MEMBERS = [
    "scan.json", "inventory/resources.jsonl", "policies/test.yaml", "summary.md",
    "manifest.json", "manifest.dsse.json",
]


def fails(bundle: Path, key, match: str, limits: Limits | None = None) -> None:
    with pytest.raises(VerificationError, match=match):
        verify_bundle(bundle, key.public_key(), limits)


def test_good_bundle_verifies(signed, key):
    v = verify_bundle(signed, key.public_key())
    d = v.to_dict()
    assert d["scan_id"] == "scan-1"
    assert d["summary"]["fail"] == 1
    assert sorted(m["path"] for m in d["members"]) == sorted(set(MEMBERS) - {"manifest.dsse.json"})
    assert "OK:" in v.render() and "fail 1" in v.render()


@pytest.mark.parametrize("name", MEMBERS)
def test_flipped_byte_in_any_member(signed, key, tmp_path, name):
    members = read_all(signed)
    data = bytearray(members[name])
    data[len(data) // 2] ^= 0x01
    members[name] = bytes(data)
    fails(write_members(tmp_path / "t.tar.gz", members), key,
          "modified|signature|JSON|base64|not signed|payload")


def test_flipped_byte_in_compressed_file(signed, key):
    raw = bytearray(signed.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    signed.write_bytes(bytes(raw))
    fails(signed, key, "gzip|modified|tar")


def test_added_member(signed, key, tmp_path):
    members = read_all(signed)
    members["policies/extra.yaml"] = b"id: CCS-X-001\n"
    fails(write_members(tmp_path / "t.tar.gz", members), key,
          "'policies/extra.yaml' is not covered by the signature")


def test_removed_member(signed, key, tmp_path):
    members = read_all(signed)
    del members["policies/test.yaml"]
    fails(write_members(tmp_path / "t.tar.gz", members), key,
          "'policies/test.yaml' is in the signed statement but missing")


def test_manifest_rehashed_but_not_resigned(signed, key, tmp_path):
    import hashlib

    members = read_all(signed)
    members["scan.json"] = members["scan.json"].replace(b'"fail": 1', b'"fail": 0')
    manifest = json.loads(members["manifest.json"])
    for m in manifest["members"]:
        m["sha256"] = hashlib.sha256(members[m["path"]]).hexdigest()
        m["size"] = len(members[m["path"]])
    members["manifest.json"] = canonical_json(manifest)
    fails(write_members(tmp_path / "t.tar.gz", members), key, "'manifest.json' was modified")


def test_signature_from_another_key(signed, key, other_key, tmp_path):
    members = read_all(signed)
    env = json.loads(members["manifest.dsse.json"])
    forged = sign_envelope(base64.b64decode(env["payload"]), other_key)
    members["manifest.dsse.json"] = canonical_json(forged)
    fails(write_members(tmp_path / "t.tar.gz", members), key, "not signed by this key")


def test_signature_from_another_key_claiming_our_key_id(signed, key, other_key, tmp_path):
    members = read_all(signed)
    env = json.loads(members["manifest.dsse.json"])
    forged = sign_envelope(base64.b64decode(env["payload"]), other_key)
    forged["signatures"][0]["keyid"] = env["signatures"][0]["keyid"]
    members["manifest.dsse.json"] = canonical_json(forged)
    fails(write_members(tmp_path / "t.tar.gz", members), key, "does not verify")


def test_valid_envelope_from_another_bundle(signed, key, tmp_path):
    other = build_bundle(tmp_path / "other" / "b.tar.gz", key, scan_id="scan-2") if (
        tmp_path / "other").mkdir() is None else None
    members = read_all(signed)
    members["manifest.dsse.json"] = read_all(other)["manifest.dsse.json"]
    fails(write_members(tmp_path / "t.tar.gz", members), key, "was modified")


def test_unknown_payload_type(signed, key, tmp_path):
    members = read_all(signed)
    env = json.loads(members["manifest.dsse.json"])
    payload = base64.b64decode(env["payload"])
    members["manifest.dsse.json"] = canonical_json(
        sign_envelope(payload, key, payload_type="application/json"))
    fails(write_members(tmp_path / "t.tar.gz", members), key, "unknown payload type")


def test_unknown_predicate_type(signed, key, tmp_path):
    members = read_all(signed)
    statement = json.loads(base64.b64decode(json.loads(members["manifest.dsse.json"])["payload"]))
    statement["predicateType"] = "https://example.com/other"
    assert PREDICATE_TYPE not in json.dumps(statement)
    members["manifest.dsse.json"] = canonical_json(sign_envelope(canonical_json(statement), key))
    fails(write_members(tmp_path / "t.tar.gz", members), key, "unknown predicate type")


def test_unsigned_bundle_fails(tmp_path, key):
    fails(build_bundle(tmp_path / "u.tar.gz"), key, "not signed")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../evil.txt", "contains '..'"),
        ("policies/../../evil.txt", "contains '..'"),
        ("/etc/cron.d/evil", "absolute path"),
        ("C:/evil.txt", "absolute path"),
        ("policies\\evil.txt", "backslash"),
        ("policies//x.yaml", "empty or '.' component"),
        ("./scan.json", "empty or '.' component"),
        ("bad\nname", "control characters"),
    ],
)
def test_unsafe_member_names(signed, key, tmp_path, name, reason):
    infos = [(tarfile.TarInfo(n), d) for n, d in read_all(signed).items()]
    infos.append((tarfile.TarInfo(name), b"x"))
    fails(write_raw(tmp_path / "t.tar.gz", infos), key, reason)


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        (tarfile.SYMTYPE, "symbolic link"),
        (tarfile.LNKTYPE, "hard link"),
        (tarfile.CHRTYPE, "device"),
        (tarfile.BLKTYPE, "device"),
        (tarfile.DIRTYPE, "directory"),
        (tarfile.FIFOTYPE, "FIFO"),
    ],
)
def test_link_and_device_members(signed, key, tmp_path, kind, reason):
    info = tarfile.TarInfo("policies/link.yaml")
    info.type = kind
    info.linkname = "/etc/passwd"
    infos = [(tarfile.TarInfo(n), d) for n, d in read_all(signed).items()]
    fails(write_raw(tmp_path / "t.tar.gz", [(info, None)] + infos), key, reason)


def test_symlink_checked_before_anything_is_read(signed, key, tmp_path):
    # The link comes last: it must still fail in the header pass, before signatures.
    info = tarfile.TarInfo("zz-link")
    info.type = tarfile.SYMTYPE
    info.linkname = "../../../etc/passwd"
    members = read_all(signed)
    members["manifest.dsse.json"] = b"not json at all"
    infos = [(tarfile.TarInfo(n), d) for n, d in members.items()] + [(info, None)]
    fails(write_raw(tmp_path / "t.tar.gz", infos), key, "symbolic link")


def test_duplicate_member(signed, key, tmp_path):
    infos = [(tarfile.TarInfo(n), d) for n, d in read_all(signed).items()]
    infos.append((tarfile.TarInfo("scan.json"), b"{}"))
    fails(write_raw(tmp_path / "t.tar.gz", infos), key, "duplicate member 'scan.json'")


def test_case_only_duplicate_member(signed, key, tmp_path):
    infos = [(tarfile.TarInfo(n), d) for n, d in read_all(signed).items()]
    infos.append((tarfile.TarInfo("SCAN.json"), b"{}"))
    fails(write_raw(tmp_path / "t.tar.gz", infos), key, "duplicate member")


def _gzip_bomb(path: Path, size: int) -> None:
    """A tar.gz with one member of `size` zero bytes, compressed incrementally (~1 MB)."""
    info = tarfile.TarInfo("inventory/resources.jsonl")
    info.size = size
    comp = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    with open(path, "wb") as f:
        f.write(comp.compress(info.tobuf(tarfile.GNU_FORMAT)))
        left = size + (-size % 512) + 1024  # data, padding, end-of-archive blocks
        while left:
            n = min(left, len(zeros))
            f.write(comp.compress(zeros[:n]))
            left -= n
        f.write(comp.flush())


@pytest.fixture(scope="session")
def bomb(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "bomb.tar.gz"
    _gzip_bomb(path, 10**9)
    return path


def test_one_gigabyte_member_is_rejected_from_its_header(bomb, key):
    assert bomb.stat().st_size < 5 << 20  # the file is small; the content is not
    fails(bomb, key, "1000000000 bytes, over the")


def test_total_decompressed_size_cap(signed, key):
    # Every member is under the member cap, but together they exceed the total cap.
    fails(signed, key, "possible gzip bomb", Limits(member_bytes=1 << 20, total_bytes=2048))


def test_decompression_is_capped_even_past_the_tar_end(tmp_path, key):
    # Zeros after the end-of-archive marker: tar stops reading, the byte cap still applies.
    path = tmp_path / "tail.tar.gz"
    info = tarfile.TarInfo("a")
    info.size = 1
    tail = info.tobuf(tarfile.GNU_FORMAT) + b"x" + bytes(511) + bytes(1 << 22)
    path.write_bytes(gzip.compress(tail, mtime=0))
    fails(path, key, "possible gzip bomb", Limits(total_bytes=1 << 20))


@pytest.mark.parametrize("keep", [0.5, 0.99])
def test_truncated_gzip(signed, key, keep):
    raw = signed.read_bytes()
    signed.write_bytes(raw[: int(len(raw) * keep)])
    fails(signed, key, "truncated|gzip")


def test_gzip_trailer_cut_off(signed, key):
    # The whole tar decompresses; only the CRC/length trailer is gone.
    signed.write_bytes(signed.read_bytes()[:-8])
    fails(signed, key, "truncated gzip")


def test_trailing_garbage_after_gzip(signed, key):
    signed.write_bytes(signed.read_bytes() + b"\x00garbage")
    fails(signed, key, "after the end of the gzip stream")


def test_non_tar_inputs(tmp_path, key):
    text = tmp_path / "notes.txt"
    text.write_text("hello, I am not a bundle\n")
    fails(text, key, "not a gzip file")
    gz = tmp_path / "notes.gz"
    gz.write_bytes(gzip.compress(b"hello, I am not a tar archive\n" * 40))
    fails(gz, key, "not a valid tar archive")
    plain = tmp_path / "plain.tar"
    with tarfile.open(plain, "w") as tar:
        tar.addfile(tarfile.TarInfo("x"), io.BytesIO(b""))
    fails(plain, key, "not a gzip file")
    empty = tmp_path / "empty.tar.gz"
    empty.write_bytes(b"")
    fails(empty, key, "not a gzip file")


def test_unreadable_bundle_is_an_input_error(tmp_path, key):
    with pytest.raises(InputError, match="cannot read bundle"):
        verify_bundle(tmp_path / "missing.tar.gz", key.public_key())
