"""
The byte stream under the bundle reader: reads of exact sizes across decompression chunks,
chained extended headers at their limit, the end-of-archive marker and what may follow it,
and the member bytes a verified bundle hands back.
"""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from scanner.evidence import VerificationError, verify_bundle
from scanner.evidence.safetar import Limits, _Gunzip, list_members, read_members
from tests.evidence.conftest import build_bundle, read_all

DATA = bytes(range(256)) * 800  # 204 800 bytes: more than three 64 KiB decompression chunks


def gunzip(data: bytes = DATA) -> _Gunzip:
    return _Gunzip(io.BytesIO(gzip.compress(data, mtime=0)), 1 << 30)


def test_reads_return_exactly_what_was_asked_across_chunks():
    gz = gunzip()
    assert gz.read(0) == b""
    assert gz.read(3) == DATA[:3]
    assert gz.read(100_000) == DATA[3:100_003]  # spans a chunk boundary
    assert gz.read(0) == b""
    rest = gz.read()
    assert rest == DATA[100_003:]
    assert gz.read(5) == b"" and gz.read() == b""
    assert gz.total == len(DATA)


def test_read_all_at_once():
    assert gunzip().read() == DATA
    assert gunzip().read(-1) == DATA
    assert gunzip(b"").read() == b""


def _member(name: str, data: bytes) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info.tobuf(tarfile.USTAR_FORMAT) + data + bytes(-len(data) % 512)


def _pax() -> bytes:
    record = b"10 a=bcde\n"  # an unknown keyword: tarfile keeps nothing of it
    info = tarfile.TarInfo("././@PaxHeader")
    info.type = tarfile.XHDTYPE
    info.size = len(record)
    return info.tobuf(tarfile.USTAR_FORMAT) + record + bytes(512 - len(record))


def _gz(raw: bytes) -> io.BytesIO:
    return io.BytesIO(gzip.compress(raw, mtime=0))


def test_four_extended_headers_in_a_row_are_allowed_before_each_member():
    raw = _pax() * 4 + _member("a", b"1") + _pax() * 4 + _member("b", b"22") + bytes(1024)
    assert list_members(_gz(raw), Limits()) == {"a": 1, "b": 2}


def test_a_fifth_extended_header_in_a_row_is_refused():
    raw = _pax() * 5 + _member("a", b"1") + bytes(1024)
    with pytest.raises(VerificationError) as e:
        list_members(_gz(raw), Limits())
    assert str(e.value) == "more than 4 extended tar headers in a row"


def test_a_member_cut_short_is_not_a_valid_tar_when_listing():
    raw = _member("a", b"y" * 3000)[:512 + 1000]
    with pytest.raises(VerificationError) as e:
        list_members(_gz(raw), Limits())
    assert str(e.value) == "not a valid tar archive (unexpected end of data)"


def test_no_end_of_archive_marker():
    with pytest.raises(VerificationError) as e:
        list_members(_gz(_member("a", b"1")), Limits())
    assert str(e.value) == "the tar archive has no end-of-archive marker"


@pytest.mark.parametrize("after", [512, 511 + 512, 65536 + 100, 20480], ids=["two-blocks", "odd-tail", "long-tail",
                                                                            "record-padding"])
def test_zero_padding_after_the_marker_is_fine(after):
    raw = _member("a", b"1") + bytes(512) + bytes(after)
    assert list_members(_gz(raw), Limits()) == {"a": 1}


@pytest.mark.parametrize("after", [0, 511], ids=["one-block", "one-block-and-511"])
def test_an_end_marker_under_two_blocks_is_cut_short(after):
    raw = _member("a", b"1") + bytes(512) + bytes(after)
    with pytest.raises(VerificationError) as e:
        list_members(_gz(raw), Limits())
    assert str(e.value) == "the tar end-of-archive marker is cut short"


def test_a_byte_after_the_marker_is_refused():
    raw = _member("a", b"1") + bytes(1024) + b"\x01"
    with pytest.raises(VerificationError) as e:
        read_members(_gz(raw), Limits(), keep=lambda n: True)
    assert str(e.value) == "data after the tar end-of-archive marker (a second archive or trailing bytes)"


def test_verified_contents_are_the_members_asked_for_byte_for_byte(tmp_path):
    key = Ed25519PrivateKey.generate()
    signed = build_bundle(tmp_path / "b.tar.gz", key)
    members = read_all(signed)
    got = verify_bundle(signed, key.public_key(), contents=("scan.json", "summary.md", "not-there.txt"))
    assert set(got.contents) == {"scan.json", "summary.md"}
    assert got.contents["scan.json"] == members["scan.json"] and got.contents["scan.json"].startswith(b"{")
    assert got.contents["summary.md"] == members["summary.md"]
    assert verify_bundle(signed, key.public_key()).contents == {}
