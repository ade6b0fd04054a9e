"""
`ledger verify`: the intact ledger verifies; each tampering case is detected and named.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import POLICY, ROOT, scan_day, seq


def verify(ccscan, ledger: Path, keys: Path, *extra: str):
    return ccscan("ledger", "verify", ledger, "--key", f"{keys}.pub", *extra)


def failed_with(ccscan, ledger: Path, keys: Path, *messages: str) -> str:
    res = verify(ccscan, ledger, keys)
    assert res.exit_code == 1, res.stdout
    for m in messages:
        assert m in res.stderr, res.stderr
    return res.stderr


def bundle(ledger: Path, n: int) -> Path:
    return ledger / "bundles" / f"{n:06d}.tar.gz"


def fork(ccscan, ledger: Path, keys: Path, tmp_path: Path, keep: int, day: int,
         key: Path | None = None, doc: dict | None = None) -> Path:
    """A copy of the ledger cut back to `keep` bundles, with one new scan appended."""
    work = tmp_path / f"fork-{keep}-{day}"
    work.mkdir()
    (work / "policies").mkdir()
    (work / "policies" / "cvm.yaml").write_text(POLICY)
    shutil.copy(ROOT / "policies" / "frameworks" / "soc2.yaml", work / "policies")
    copy = work / "ledger"
    shutil.copytree(ledger, copy)
    for p in (copy / "bundles").iterdir():
        if int(p.name[:6]) > keep:
            p.chmod(0o644)
            p.unlink()
    lines = (copy / "ledger.jsonl").read_text().splitlines()[:keep]
    (copy / "ledger.jsonl").write_text("".join(line + "\n" for line in lines))
    res = scan_day(ccscan, work, keys, copy, day, key=key, doc=doc)
    assert res.exit_code == 0, res.stderr
    return bundle(copy, keep + 1)


def test_the_intact_ledger_verifies(built_ledger, ledger_keys, ccscan):
    res = verify(ccscan, built_ledger, ledger_keys)
    assert res.exit_code == 0, res.stderr
    assert res.stdout.startswith(f"OK: ledger {built_ledger}: 29 bundles, sequences 1-29, chain intact")
    as_json = json.loads(verify(ccscan, built_ledger, ledger_keys, "--json").stdout)
    assert as_json["verified"] is True and len(as_json["bundles"]) == 29
    assert as_json["bundles"][4]["scan_id"] == "day-05"


def test_each_link_names_the_previous_bundle(built_ledger, ledger_keys):
    from scanner.evidence import load_public_key
    from scanner.ledger import verify_ledger
    from scanner.ledger.layout import file_sha256

    check = verify_ledger(built_ledger, load_public_key(f"{ledger_keys}.pub"))
    assert [e.sequence for e in check.entries] == list(range(1, 30))
    assert check.entries[0].link.previous_sha256 is None
    for prev, entry in zip(check.entries, check.entries[1:]):
        assert entry.link.previous_sha256 == file_sha256(built_ledger / prev.file)
        assert entry.link.cadence == "1d" and entry.link.cadence_seconds == 86400


def test_removed_bundle(ledger, ledger_keys, ccscan):
    bundle(ledger, 10).unlink()
    failed_with(ccscan, ledger, ledger_keys, "sequence 10: bundle is missing (removed)")


def test_removed_last_bundle_is_caught_by_the_index(ledger, ledger_keys, ccscan):
    bundle(ledger, 29).unlink()
    failed_with(ccscan, ledger, ledger_keys,
                "sequence 29: bundle is missing (removed) (listed in ledger.jsonl)")


def test_renamed_and_reordered_bundles(ledger, ledger_keys, ccscan):
    a, b = bundle(ledger, 3), bundle(ledger, 4)
    tmp = a.with_suffix(".x")
    a.rename(tmp)
    b.rename(a)
    tmp.rename(b)
    failed_with(ccscan, ledger, ledger_keys,
                "bundles/000003.tar.gz: holds signed sequence 4, not 3 (renamed or re-ordered)",
                "bundles/000004.tar.gz: holds signed sequence 3, not 4")


def test_modified_bundle(ledger, ledger_keys, ccscan):
    p = bundle(ledger, 7)
    raw = bytearray(p.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    p.write_bytes(bytes(raw))
    failed_with(ccscan, ledger, ledger_keys, "bundles/000007.tar.gz: does not verify")


def test_replaced_by_a_validly_signed_bundle(built_ledger, ledger, ledger_keys, ccscan, tmp_path):
    # The key holder re-does day 6 with a clean estate: signed, chained to bundle 5, but
    # bundle 7 was chained to the original, and the index recorded another digest.
    forged = fork(ccscan, built_ledger, ledger_keys, tmp_path, keep=5, day=6)
    shutil.copy(forged, bundle(ledger, 6))
    failed_with(ccscan, ledger, ledger_keys,
                "bundles/000006.tar.gz: is not the bundle that sequence 7 was chained to",
                "bundles/000006.tar.gz: is not the bundle appended as sequence 6")


def test_inserted_bundle(built_ledger, ledger, ledger_keys, ccscan, tmp_path):
    extra = fork(ccscan, built_ledger, ledger_keys, tmp_path, keep=9, day=10)
    shutil.copy(extra, ledger / "bundles" / "000030.tar.gz")
    failed_with(ccscan, ledger, ledger_keys,
                "sequence 10: 2 bundles claim it (inserted)",
                "bundles/000030.tar.gz: holds signed sequence 10, not 30")


def test_resigned_with_another_key(built_ledger, ledger, ledger_keys, ccscan, tmp_path):
    other = ledger_keys.parent / "other.key"
    resigned = fork(ccscan, built_ledger, ledger_keys, tmp_path, keep=11, day=13, key=other)
    shutil.copy(resigned, bundle(ledger, 12))
    failed_with(ccscan, ledger, ledger_keys,
                "bundles/000012.tar.gz: does not verify: bundle is not signed by this key")


def test_whole_ledger_with_another_key(built_ledger, ledger_keys, ccscan):
    res = ccscan("ledger", "verify", built_ledger, "--key", ledger_keys.parent / "other.pub")
    assert res.exit_code == 1 and res.stderr.count("not signed by this key") == 29


def test_reordered_scan_times(built_ledger, ledger, ledger_keys, ccscan, tmp_path):
    # Signed and chained, but its scan claims to have run before the previous one.
    back = fork(ccscan, built_ledger, ledger_keys, tmp_path, keep=29, day=3)
    shutil.copy(back, ledger / "bundles" / "000030.tar.gz")
    failed_with(ccscan, ledger, ledger_keys,
                "bundles/000030.tar.gz: re-ordered: its scan started 2026-03-03T06:00:00Z, "
                "before sequence 29's")


def test_unchained_bundle_is_reported_as_such(ledger, ledger_keys, ccscan, tmp_path):
    out = tmp_path / "plain.tar.gz"
    res = ccscan("scan", ROOT / "fixtures", "--bundle", out, "--sign-key", f"{ledger_keys}.key",
                 "--fail-on", "none")
    assert res.exit_code == 0
    shutil.copy(out, ledger / "bundles" / "000030.tar.gz")
    stderr = failed_with(ccscan, ledger, ledger_keys, "bundles/000030.tar.gz: unchained")
    assert "made without --ledger or by an earlier ccscan" in stderr
    res = verify(ccscan, ledger, ledger_keys, "--json")
    assert json.loads(res.stdout)["unchained"] == ["bundles/000030.tar.gz"]


def test_stray_files_and_a_broken_index(ledger, ledger_keys, ccscan):
    (ledger / "bundles" / "notes.txt").write_text("hi")
    with open(ledger / "ledger.jsonl", "a") as f:
        f.write("{not json\n")
    failed_with(ccscan, ledger, ledger_keys, "bundles/notes.txt: unexpected file",
                "ledger.jsonl:30: malformed line")


def test_not_a_ledger_is_exit_2(ccscan, ledger_keys, tmp_path):
    res = ccscan("ledger", "verify", tmp_path, "--key", f"{ledger_keys}.pub")
    assert res.exit_code == 2 and "not a ledger" in res.stderr


def test_ledger_needs_a_signed_bundle(ccscan, ledger_keys, tmp_path):
    res = ccscan("scan", ROOT / "fixtures", "--bundle", tmp_path / "b.tar.gz", "--ledger", tmp_path / "l")
    assert res.exit_code == 2 and "--ledger needs --sign-key" in res.stderr
    res = ccscan("scan", ROOT / "fixtures", "--ledger", tmp_path / "l")
    assert res.exit_code == 2
    res = ccscan("scan", ROOT / "fixtures", "--bundle", tmp_path / "b.tar.gz", "--sign-key",
                 f"{ledger_keys}.key", "--ledger", tmp_path / "l", "--cadence", "weekly")
    assert res.exit_code == 2 and "is not a duration" in res.stderr
    assert not (tmp_path / "l").exists()


def test_without_ledger_the_predicate_has_no_link(ccscan, ledger_keys, tmp_path):
    from scanner.evidence import load_public_key, verify_bundle

    out = tmp_path / "b.tar.gz"
    ccscan("scan", ROOT / "fixtures", "--bundle", out, "--sign-key", f"{ledger_keys}.key",
           "--fail-on", "none")
    v = verify_bundle(out, load_public_key(f"{ledger_keys}.pub"))
    assert "ledger" not in v.predicate


def test_concurrent_appends_get_distinct_sequences(ledger_keys, tmp_path):
    """Four real processes append at once; flock serialises them into one chain."""
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "cvm.yaml").write_text(POLICY)
    inv = tmp_path / "estate.json"
    inv.write_text(json.dumps({"value": []}))
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1772344800"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "scanner", "scan", str(inv), "--policies", str(tmp_path / "policies"),
             "--bundle", str(tmp_path / f"b{i}.tar.gz"), "--sign-key", f"{ledger_keys}.key",
             "--ledger", str(tmp_path / "ledger"), "--scan-id", f"run-{i}", "--allow-empty"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for i in range(4)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    from scanner.evidence import load_public_key
    from scanner.ledger import verify_ledger

    check = verify_ledger(tmp_path / "ledger", load_public_key(f"{ledger_keys}.pub"))
    assert check.ok, check.render()
    assert sorted(e.predicate["scan_id"] for e in check.entries) == [f"run-{i}" for i in range(4)]
    assert [e.sequence for e in check.entries] == [1, 2, 3, 4]


def test_sequence_helper_matches_the_ledger():
    assert seq(16) == 16 and seq(18) == 17 and seq(30) == 29


def test_symlinked_bundle_and_odd_file_names(ledger, ledger_keys, ccscan):
    real = bundle(ledger, 5)
    moved = ledger.parent / "elsewhere.tar.gz"
    real.rename(moved)
    real.symlink_to(moved)
    (ledger / "bundles" / "x\x1b[31m\n").write_text("")
    stderr = failed_with(ccscan, ledger, ledger_keys, "bundles/000005.tar.gz: is a symbolic link")
    assert "\x1b" not in stderr and "'x\\x1b[31m\\n': unexpected file" in stderr


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.one_of(
    st.text(max_size=40),
    st.just("[" * 50_000),
    st.builds(lambda n: json.dumps({"sequence": n}), st.integers(-3, 40)),
    st.builds(lambda v: json.dumps({"sequence": v}), st.one_of(st.none(), st.text(), st.booleans())),
), min_size=1, max_size=6))
def test_hostile_index_lines_never_crash(built_ledger, ledger_keys, tmp_path_factory, lines):
    from scanner.evidence import load_public_key
    from scanner.ledger import verify_ledger

    copy = tmp_path_factory.mktemp("idx") / "ledger"
    copy.mkdir()
    (copy / "bundles").symlink_to(built_ledger / "bundles")  # read-only use: share the bundles
    (copy / "ledger.jsonl").write_text("\n".join(lines) + "\n")
    check = verify_ledger(copy, load_public_key(f"{ledger_keys}.pub"))
    assert not check.ok  # none of these is the index the appender wrote
    assert check.problems


def test_an_empty_ledger_does_not_verify(ccscan, ledger_keys, tmp_path):
    (tmp_path / "bundles").mkdir()
    res = ccscan("ledger", "verify", tmp_path, "--key", f"{ledger_keys}.pub")
    assert res.exit_code == 1 and "the ledger holds no bundle" in res.stderr


def test_unwritable_ledger_is_exit_2_before_the_scan(ccscan, ledger_keys, tmp_path):
    (tmp_path / "l").mkdir()
    (tmp_path / "l" / "bundles").write_text("not a directory")
    out = tmp_path / "b.tar.gz"
    res = ccscan("scan", ROOT / "fixtures", "--bundle", out, "--sign-key", f"{ledger_keys}.key",
                 "--ledger", tmp_path / "l")
    assert res.exit_code == 2 and "bundles is not a directory" in res.stderr
    assert not out.exists()
    res = ccscan("scan", ROOT / "fixtures", "--bundle", out, "--sign-key", f"{ledger_keys}.key",
                 "--ledger", tmp_path / "no" / "such" / "l")
    assert res.exit_code == 2 and "parent directory does not exist" in res.stderr
