"""
Issue 10 part 6: nothing may hide after the tar end-of-archive marker, and extended headers
cannot exhaust memory.
"""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
import tarfile
import textwrap
import zlib
from pathlib import Path

import pytest

from scanner.evidence import Limits, VerificationError, verify_bundle

from .conftest import build_bundle


def fails(bundle: Path, key, match: str, limits: Limits | None = None) -> None:
    with pytest.raises(VerificationError, match=match):
        verify_bundle(bundle, key.public_key(), limits)


def _tar_of(bundle: Path) -> bytes:
    return gzip.decompress(bundle.read_bytes())


def _other_tar(tmp_path: Path, key) -> bytes:
    return _tar_of(build_bundle(tmp_path / "other" / "b.tar.gz", key, scan_id="scan-2"))


@pytest.fixture
def other_dir(tmp_path: Path) -> Path:
    (tmp_path / "other").mkdir()
    return tmp_path


def test_a_second_tar_inside_the_same_gzip(signed, key, other_dir):
    signed.write_bytes(gzip.compress(_tar_of(signed) + _other_tar(other_dir, key), mtime=0))
    fails(signed, key, "data after the tar end-of-archive marker")


@pytest.mark.parametrize("tail", [b"garbage", b"\x00" * 600 + b"\x01", b"x" * 512])
def test_trailing_bytes_inside_the_gzip(signed, key, tail):
    signed.write_bytes(gzip.compress(_tar_of(signed) + tail, mtime=0))
    fails(signed, key, "data after the tar end-of-archive marker")


def test_a_second_gzip_member(signed, key, other_dir):
    signed.write_bytes(signed.read_bytes() + gzip.compress(_other_tar(other_dir, key), mtime=0))
    fails(signed, key, "after the end of the gzip stream")


def test_extra_zero_padding_is_fine(signed, key):
    # Other tar writers pad to larger records; zeros after the marker carry nothing.
    signed.write_bytes(gzip.compress(_tar_of(signed) + bytes(20480), mtime=0))
    assert verify_bundle(signed, key.public_key()).predicate["scan_id"] == "scan-1"


def test_garbage_instead_of_the_second_header(signed, key):
    # tarfile alone stops quietly at a bad header after the first member.
    raw = _tar_of(signed)
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        first = tar.getmembers()[0]
    cut = first.offset_data + first.size + (-first.size % 512)
    signed.write_bytes(gzip.compress(raw[:cut] + b"\xff" * 512 + raw[cut + 512:], mtime=0))
    fails(signed, key, "not a valid tar archive")


def test_missing_end_marker(signed, key):
    raw = _tar_of(signed).rstrip(b"\x00")
    raw += bytes(-len(raw) % 512)  # the last member's padding, but no end blocks
    signed.write_bytes(gzip.compress(raw, mtime=0))
    fails(signed, key, "end-of-archive marker|truncated")


def test_end_marker_of_one_block_only(signed, key):
    raw = _tar_of(signed).rstrip(b"\x00")
    raw += bytes(-len(raw) % 512) + bytes(512)
    signed.write_bytes(gzip.compress(raw, mtime=0))
    fails(signed, key, "end-of-archive marker is cut short|truncated")


def _extended(path: Path, kind: bytes, size: int, chunk: bytes = b"\x00") -> Path:
    """A tar.gz whose first header is an extended header of `size` bytes, streamed."""
    info = tarfile.TarInfo("././@PaxHeader" if kind != tarfile.GNUTYPE_LONGNAME else "././@LongLink")
    info.type = kind
    info.size = size
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = chunk * (1 << 20)
    with open(path, "wb") as f:
        f.write(comp.compress(info.tobuf(tarfile.USTAR_FORMAT)))
        left = size + (-size % 512) + 1024
        while left:
            n = min(left, len(block))
            f.write(comp.compress(block[:n]))
            left -= n
        f.write(comp.flush())
    return path


@pytest.mark.parametrize("kind", [tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.GNUTYPE_LONGNAME])
def test_oversized_extended_header_is_refused_from_its_header(tmp_path, key, kind):
    path = _extended(tmp_path / "pax.tar.gz", kind, 8 << 20)
    fails(path, key, "extended tar header of 8388608 bytes, over the")


def test_chained_extended_headers(tmp_path, key):
    one = tarfile.TarInfo("././@PaxHeader")
    one.type = tarfile.XHDTYPE
    record = b"10 a=bcde\n"
    one.size = len(record)
    block = one.tobuf(tarfile.USTAR_FORMAT) + record + bytes(512 - len(record))
    path = tmp_path / "chain.tar.gz"
    path.write_bytes(gzip.compress(block * 5000 + bytes(1024), mtime=0))
    fails(path, key, "extended tar headers in a row")


def test_200_mb_pax_header_in_bounded_memory(tmp_path, key):
    """
    A 200 MB PAX header compresses to ~0.2 MB; tarfile alone would read it whole. Measured
    in a fresh interpreter so the RSS is the verifier's, not the test run's.
    """
    path = _extended(tmp_path / "pax200.tar.gz", tarfile.XHDTYPE, 200 << 20, b"9")
    assert path.stat().st_size < 1 << 20
    pub = tmp_path / "k.pub"
    from cryptography.hazmat.primitives import serialization

    pub.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    code = textwrap.dedent(f"""
        from scanner.evidence import VerificationError, load_public_key, verify_bundle
        try:
            verify_bundle({str(path)!r}, load_public_key({str(pub)!r}))
            print("VERIFIED")
        except VerificationError as e:
            print("REFUSED", e.message)
    """)
    # Linux keeps a process's peak RSS across fork+exec, so a child of the (large) pytest
    # process would report pytest's peak: a small launcher runs the verifier and reads its
    # peak as RUSAGE_CHILDREN.
    launcher = textwrap.dedent(f"""
        import resource, subprocess, sys
        r = subprocess.run([sys.executable, "-c", {code!r}], capture_output=True, text=True)
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr)
        print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)  # KiB on Linux
    """)
    out = subprocess.run([sys.executable, "-c", launcher], capture_output=True, text=True,
                         timeout=120, check=True).stdout.splitlines()
    assert out[0].startswith("REFUSED extended tar header of 209715200 bytes"), out
    assert int(out[1]) < 100 * 1024, f"max RSS {int(out[1]) // 1024} MB"


@pytest.mark.parametrize("name, reason", [
    ("policies/a\x9b31mred.yaml", "control characters"),
    ("policies/a\x85.yaml", "control characters"),
    ("policies/" + "x" * 1100 + ".yaml", "over 1024 bytes"),
])
def test_more_unsafe_names(signed, key, tmp_path, name, reason):
    from .conftest import read_all, write_members

    members = read_all(signed)
    members[name] = b"x"
    fails(write_members(tmp_path / "odd.tar.gz", members), key, reason)
