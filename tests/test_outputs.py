"""
Where outputs go: regular files replaced atomically with the umask or their own mode;
devices, FIFOs and symlinks written in place, never replaced; a write error or a full disk
is exit 2 naming the destination, and leaves no temp file behind.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT

CCSCAN = Path(sys.executable).with_name("ccscan")


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield
    os.umask(old)


def test_a_new_output_respects_the_umask(ccscan, tmp_path, umask_027):
    res = ccscan("scan", FIXTURES, "--format", "json", "-o", tmp_path / "r.json")
    assert res.exit_code == 1
    assert stat.S_IMODE((tmp_path / "r.json").stat().st_mode) == 0o640


def test_an_existing_output_keeps_its_mode(ccscan, tmp_path):
    out = tmp_path / "r.json"
    out.write_text("old")
    out.chmod(0o600)
    assert ccscan("scan", FIXTURES, "--format", "json", "-o", out).exit_code == 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and json.loads(out.read_text())["findings"]


def test_dev_null_is_written_not_replaced(ccscan):
    before = os.stat("/dev/null")
    res = ccscan("scan", FIXTURES, "--format", "json", "-o", "/dev/null")
    assert res.exit_code == 1, res.stderr
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert after.st_ino == before.st_ino


def test_dev_stdout_is_written_through(tmp_path):
    with open(tmp_path / "captured", "w") as sink:
        proc = subprocess.run(check=False, args=[str(CCSCAN), "scan", str(FIXTURES), "--format", "json", "-o",
                               "/dev/stdout"], stdout=sink, cwd=ROOT, timeout=120)
    assert proc.returncode == 1
    assert json.loads((tmp_path / "captured").read_text())["summary"]["fail"] > 0
    assert os.path.islink("/dev/stdout") or stat.S_ISCHR(os.stat("/dev/stdout").st_mode)


def test_a_fifo_is_written_not_replaced(ccscan, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    res = ccscan("scan", FIXTURES, "--format", "json", "-o", fifo)
    reader.join(timeout=60)
    assert res.exit_code == 1
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(got[0])["summary"]["fail"] > 0
    assert leftovers(tmp_path) == []


def test_a_symlink_is_written_through_and_kept(ccscan, tmp_path):
    target = tmp_path / "real.json"
    target.write_text("x" * 1_000_000)  # longer than the report: must be truncated
    target.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert ccscan("scan", FIXTURES, "--format", "json", "-o", link).exit_code == 1
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text())["findings"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_failed_scan_leaves_outputs_untouched(ccscan, tmp_path):
    out, linked = tmp_path / "r.json", tmp_path / "t.json"
    out.write_text("previous")
    linked.write_text("previous too")
    (tmp_path / "l.sarif").symlink_to(linked)
    res = ccscan("scan", tmp_path / "missing", "--format", "json", "-o", out,
                 "--format", "sarif", "-o", tmp_path / "l.sarif")
    assert res.exit_code == 2
    assert out.read_text() == "previous" and linked.read_text() == "previous too"
    assert leftovers(tmp_path) == []


def test_dev_full_output_is_exit_2_naming_it(ccscan, tmp_path):
    res = ccscan("scan", FIXTURES, "--format", "json", "-o", "/dev/full")
    assert res.exit_code == 2
    assert res.stderr == "ccscan: error: cannot write output /dev/full: No space left on device\n"


def test_the_bundle_cannot_replace_a_device_or_land_in_an_unwritable_place(ccscan, tmp_path):
    res = ccscan("scan", FIXTURES, "--bundle", "/dev/null")
    assert res.exit_code == 2 and "not a regular file" in res.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    res = ccscan("scan", FIXTURES, "--bundle", blocker / "b.tar.gz")
    assert res.exit_code == 2 and res.stdout == ""


@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 KiB tmpfs (needs root and mount rights: skipped elsewhere)."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    proc = subprocess.run(check=False, args=["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
                          capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode().strip()}")
    yield mnt
    subprocess.run(["umount", str(mnt)], check=True)


def test_a_full_disk_is_exit_2_and_leaves_nothing(ccscan, tiny_disk):
    (tiny_disk / "filler").write_bytes(b"\0" * 40_000)
    res = ccscan("scan", FIXTURES, "--format", "json", "-o", tiny_disk / "r.json")
    assert res.exit_code == 2
    assert "cannot write output" in res.stderr and "No space left on device" in res.stderr
    res = ccscan("scan", FIXTURES, "--format", "json", "-o", "/dev/null",
                 "--bundle", tiny_disk / "b.tar.gz")
    assert res.exit_code == 2
    assert "cannot write bundle" in res.stderr and "No space left on device" in res.stderr
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler"]


def test_a_snapshot_is_never_renamed_over_a_device_and_respects_the_umask(tmp_path, umask_027):
    from scanner.collect.snapshot import write_snapshot
    from scanner.errors import UsageError

    with pytest.raises(UsageError, match="not a regular file"):
        write_snapshot([], Path("/dev/null"))
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    count, incomplete = write_snapshot([], tmp_path / "s.jsonl")
    assert (count, incomplete) == (0, [])
    assert stat.S_IMODE((tmp_path / "s.jsonl").stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []
