"""
Reading an untrusted tar.gz: each header rule, each cap at its boundary, the two passes.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile

import pytest

from scanner.evidence import VerificationError
from scanner.evidence.safetar import (
    Limits,
    MemberData,
    check_header,
    check_name,
    list_members,
    name_key,
    read_members,
)


def tar_gz(members: list[tuple[str, bytes]], extra: list[tarfile.TarInfo] = ()) -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra:
            tar.addfile(info)
    return io.BytesIO(gzip.compress(buf.getvalue(), mtime=0))


def test_limits_defaults():
    assert Limits() == Limits(member_bytes=512 * 1024 * 1024, total_bytes=2 * 1024 ** 3,
                              members=100_000)


@pytest.mark.parametrize("name", ["a", "a/b.json", "dir/sub/x.y", "C/x", "a..b", ".hidden", "a/.b"])
def test_safe_names(name):
    check_name(name)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "member with an empty name"),
        ("a\x00b", "member name 'a\\x00b' contains control characters"),
        ("a\nb", "member name 'a\\nb' contains control characters"),
        ("a\x1fb", "member name 'a\\x1fb' contains control characters"),
        ("a\x7fb", "member name 'a\\x7fb' contains control characters"),
        ("a\\b", "member name 'a\\\\b' contains a backslash"),
        ("/etc/passwd", "member name '/etc/passwd' is an absolute path"),
        ("C:x", "member name 'C:x' is an absolute path"),
        ("z:/x", "member name 'z:/x' is an absolute path"),
        ("..", "member name '..' contains '..'"),
        ("a/../b", "member name 'a/../b' contains '..'"),
        ("a/..", "member name 'a/..' contains '..'"),
        ("a//b", "member name 'a//b' has an empty or '.' component"),
        ("a/", "member name 'a/' has an empty or '.' component"),
        ("./a", "member name './a' has an empty or '.' component"),
        ("a/./b", "member name 'a/./b' has an empty or '.' component"),
    ],
)
def test_unsafe_names(name, message):
    with pytest.raises(VerificationError) as e:
        check_name(name)
    assert str(e.value) == message


def info(name="m", type_=tarfile.REGTYPE, size=0) -> tarfile.TarInfo:
    i = tarfile.TarInfo(name)
    i.type = type_
    i.size = size
    return i


@pytest.mark.parametrize(
    ("type_", "kind"),
    [
        (tarfile.SYMTYPE, "symbolic link"),
        (tarfile.LNKTYPE, "hard link"),
        (tarfile.CHRTYPE, "device"),
        (tarfile.BLKTYPE, "device"),
        (tarfile.DIRTYPE, "directory"),
        (tarfile.FIFOTYPE, "FIFO"),
        (tarfile.CONTTYPE, "special member (type b'7')"),
    ],
)
def test_non_regular_members(type_, kind):
    with pytest.raises(VerificationError) as e:
        check_header(info(type_=type_), Limits())
    assert str(e.value) == f"member 'm' is a {kind}, not a regular file"


def test_regular_members_and_the_size_cap():
    check_header(info(type_=tarfile.REGTYPE, size=10), Limits(member_bytes=10))
    check_header(info(type_=tarfile.AREGTYPE, size=0), Limits(member_bytes=10))
    with pytest.raises(VerificationError) as e:
        check_header(info(size=11), Limits(member_bytes=10))
    assert str(e.value) == "member 'm' is 11 bytes, over the 10-byte cap"
    with pytest.raises(VerificationError, match="is -1 bytes"):
        check_header(info(size=-1), Limits())
    with pytest.raises(VerificationError, match="absolute path"):
        check_header(info(name="/x"), Limits())  # the name is checked too


def test_two_passes():
    f = tar_gz([("a.json", b"{}"), ("dir/b.txt", b"hello"), ("empty", b"")])
    assert list_members(f, Limits()) == {"a.json": 2, "dir/b.txt": 5, "empty": 0}
    got = read_members(f, Limits(), keep=lambda n: n == "dir/b.txt")
    assert got == {
        "a.json": MemberData("a.json", 2, hashlib.sha256(b"{}").hexdigest(), None),
        "dir/b.txt": MemberData("dir/b.txt", 5, hashlib.sha256(b"hello").hexdigest(), b"hello"),
        "empty": MemberData("empty", 0, hashlib.sha256(b"").hexdigest(), None),
    }


def test_a_large_member_is_read_whole_across_chunks():
    big = bytes(range(256)) * 1024  # 256 KiB: several 64 KiB chunks
    f = tar_gz([("big", big)])
    (m,) = read_members(f, Limits(), keep=lambda n: True).values()
    assert m.size == len(big) and m.content == big
    assert m.sha256 == hashlib.sha256(big).hexdigest()


def test_member_count_cap_boundary():
    three = [("a", b"1"), ("b", b"2"), ("c", b"3")]
    assert len(list_members(tar_gz(three), Limits(members=3))) == 3
    with pytest.raises(VerificationError) as e:
        list_members(tar_gz(three), Limits(members=2))
    assert str(e.value) == "more than 2 members"


def test_decompressed_stream_cap():
    f = tar_gz([("a", b"\0" * 100_000)])
    with pytest.raises(VerificationError) as e:
        list_members(f, Limits(total_bytes=50_000))
    assert str(e.value) == "decompressed bundle exceeds 50000 bytes (possible gzip bomb)"


def test_duplicates_are_found_without_case():
    for second in ("a/B", "A/b"):
        with pytest.raises(VerificationError) as e:
            list_members(tar_gz([("a/b", b"1"), (second, b"2")]), Limits())
        assert str(e.value) == f"duplicate member {second!r}"


def test_empty_archive_and_not_gzip():
    with pytest.raises(VerificationError) as e:
        list_members(tar_gz([]), Limits())
    assert str(e.value) == "the archive has no members"
    with pytest.raises(VerificationError) as e:
        list_members(io.BytesIO(b"PK\x03\x04 a zip"), Limits())
    assert str(e.value) == "not a gzip file (a ccscan bundle is a .tar.gz)"
    with pytest.raises(VerificationError) as e:
        list_members(io.BytesIO(b""), Limits())
    assert str(e.value) == "not a gzip file (a ccscan bundle is a .tar.gz)"


def test_gzip_of_something_that_is_not_tar():
    with pytest.raises(VerificationError, match=r"^not a valid tar archive \("):
        list_members(io.BytesIO(gzip.compress(b"just text, not a tar header" * 40)), Limits())


def test_truncated_and_trailing_data():
    whole = tar_gz([("a", b"x" * 5000)]).getvalue()
    with pytest.raises(VerificationError) as e:
        list_members(io.BytesIO(whole[:-4]), Limits())
    assert str(e.value) == "truncated gzip stream (the bundle is incomplete)"
    with pytest.raises(VerificationError) as e:
        list_members(io.BytesIO(whole + b"\0"), Limits())
    assert str(e.value) == "unexpected data after the end of the gzip stream"
    bad = bytearray(whole)
    bad[-8] ^= 0xFF  # CRC-32 of the trailer
    with pytest.raises(VerificationError, match=r"^corrupt gzip data \("):
        list_members(io.BytesIO(bytes(bad)), Limits())


def test_passes_rewind_the_file():
    f = tar_gz([("a", b"1")])
    f.seek(0, io.SEEK_END)
    assert list_members(f, Limits()) == {"a": 1}
    assert list_members(f, Limits()) == {"a": 1}


def test_second_pass_rechecks_headers():
    f = tar_gz([("a", b"1")], extra=[info("link", tarfile.SYMTYPE)])
    with pytest.raises(VerificationError, match="is a symbolic link"):
        read_members(f, Limits(), keep=lambda n: True)


def test_a_member_shorter_than_its_header_is_truncated():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        i = tarfile.TarInfo("a")
        i.size = 3000
        tar.addfile(i, io.BytesIO(b"y" * 3000))
    cut = io.BytesIO(gzip.compress(buf.getvalue()[: 512 + 1000], mtime=0))  # valid gzip, short tar
    with pytest.raises(VerificationError) as e:
        read_members(cut, Limits(), keep=lambda n: False)
    assert str(e.value) == "member 'a' is truncated (unexpected end of data)"


ZEROS = 200_000  # compresses to little, but is more than one 64 KiB decompression chunk


def test_members_total_cap_fires_at_the_header_of_a_large_member():
    f = tar_gz([("big", b"\0" * ZEROS)])
    with pytest.raises(VerificationError) as e:
        list_members(f, Limits(total_bytes=100_000))
    assert str(e.value) == "members total more than 100000 bytes (possible gzip bomb)"


def test_members_total_counts_every_member():
    f = tar_gz([("a", b"\0" * 60_000), ("b", b"\0" * 60_000)])
    with pytest.raises(VerificationError) as e:
        list_members(f, Limits(total_bytes=100_000))
    assert str(e.value) == "members total more than 100000 bytes (possible gzip bomb)"


def test_members_total_equal_to_the_cap_is_not_over_it():
    # The member sizes sum to exactly the cap; only the stream (headers, padding) goes over.
    f = tar_gz([("big", b"\0" * ZEROS)])
    with pytest.raises(VerificationError) as e:
        list_members(f, Limits(total_bytes=ZEROS))
    assert str(e.value) == f"decompressed bundle exceeds {ZEROS} bytes (possible gzip bomb)"


def test_stream_cap_boundary():
    # One 600-byte member: 512 header + 1024 data blocks + 1024 end blocks, padded to one
    # 10240-byte tar record.
    assert list_members(tar_gz([("a", b"x" * 600)]), Limits(total_bytes=10240)) == {"a": 600}
    with pytest.raises(VerificationError) as e:
        list_members(tar_gz([("a", b"x" * 600)]), Limits(total_bytes=10239))
    assert str(e.value) == "decompressed bundle exceeds 10239 bytes (possible gzip bomb)"


def test_extended_header_cap_defaults_to_one_mebibyte():
    assert Limits().header_bytes == 1024 * 1024


@pytest.mark.parametrize("name", ["a" * 1024, "é" * 512, "a\xa0b", "Straße"])
def test_names_at_the_byte_cap_and_beyond_c1_are_safe(name):
    check_name(name)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("a" * 1025, "member name " + repr("a" * 60) + "… is over 1024 bytes"),
        ("é" * 512 + "a", "member name " + repr("é" * 60) + "… is over 1024 bytes"),  # UTF-8 bytes
        ("a\udcffb", "member name 'a\\udcffb' is not valid UTF-8"),
        ("a\x80b", "member name 'a\\x80b' contains control characters"),
        ("a\x9bb", "member name 'a\\x9bb' contains control characters"),  # one-byte CSI
        ("a\x9fb", "member name 'a\\x9fb' contains control characters"),
    ],
)
def test_long_undecodable_and_c1_names(name, message):
    with pytest.raises(VerificationError) as e:
        check_name(name)
    assert str(e.value) == message


def test_name_key_folds_case_as_a_case_insensitive_disk_would():
    assert name_key("A/Report.JSON") == "a/report.json"
    assert name_key("Straße") == name_key("STRASSE")


def pax_tar_gz(comment_chars: int) -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("m")
        info.size = 1
        info.pax_headers = {"comment": "x" * comment_chars}
        tar.addfile(info, io.BytesIO(b"1"))
    return io.BytesIO(gzip.compress(buf.getvalue(), mtime=0))


def test_extended_header_cap_boundary():
    # One record, "113 comment=<100 x>\n": 3 + 1 + 7 + 1 + 100 + 1 = 113 bytes.
    assert list_members(pax_tar_gz(100), Limits(header_bytes=113)) == {"m": 1}
    with pytest.raises(VerificationError) as e:
        list_members(pax_tar_gz(100), Limits(header_bytes=112))
    assert str(e.value) == "extended tar header of 113 bytes, over the 112-byte cap"


def test_a_sparse_member_is_refused_by_its_header():
    sparse = tarfile.TarInfo("s")
    sparse.type = tarfile.GNUTYPE_SPARSE
    with pytest.raises(VerificationError) as e:
        list_members(tar_gz([("a", b"x")], [sparse]), Limits())
    assert str(e.value) == "member 's' is a sparse file"
