"""
`bundle verify`'s report and its member and manifest checks, each rule on its own.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from scanner.evidence import VerificationError
from scanner.evidence.safetar import MemberData
from scanner.evidence.statement import Subject
from scanner.evidence.verify import (
    Verified,
    check_manifest,
    check_members,
    read_summary,
    verify_bundle,
)
from tests.evidence.conftest import build_bundle, read_all, write_members

A, B, C = "a" * 64, "b" * 64, "c" * 64
PREDICATE = {
    "scan_id": "scan-9", "tool": {"name": "ccscan", "version": "1.2.3"},
    "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:00:05Z",
    "summary": {"pass": 2, "fail": 1, "unknown": 0, "error": 0, "waived": 3},
    "controls": [{"framework": "soc2", "id": "CC6.1", "status": "fail"}],
    "incomplete": 2,
}


def test_to_dict_reports_the_signed_predicate_and_members():
    v = Verified("b.tar.gz", "kid", PREDICATE, [Subject("scan.json", A, 10)])
    assert v.to_dict() == {
        "verified": True, "bundle": "b.tar.gz", "key_id": "kid", "scan_id": "scan-9",
        "tool": {"name": "ccscan", "version": "1.2.3"},
        "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:00:05Z",
        "summary": PREDICATE["summary"],
        "controls": [{"framework": "soc2", "id": "CC6.1", "status": "fail"}],
        "incomplete": 2,
        "members": [{"path": "scan.json", "size": 10, "sha256": A}],
    }


def test_to_dict_defaults_for_an_empty_predicate():
    assert Verified("b", "k", {}).to_dict() == {
        "verified": True, "bundle": "b", "key_id": "k", "scan_id": None, "tool": None,
        "started_at": None, "finished_at": None, "summary": None, "controls": [],
        "incomplete": 0, "members": [],
    }


def test_render_full():
    v = Verified("b.tar.gz", "kid", PREDICATE, [Subject("scan.json", A, 10), Subject("x", B, 1)])
    assert v.render().split("\n") == [
        "OK: b.tar.gz",
        "  signed by key kid",
        "  scan scan-9 (ccscan 1.2.3), finished 2026-01-01T00:00:05Z",
        "  results: pass 2, fail 1, unknown 0, error 0, waived 3",
        "  incomplete scopes: 2",
        "  control soc2 CC6.1: fail",
        "  2 members, every sha256 and size checked",
    ]


def test_render_with_little_signed_data():
    v = Verified("b", "k", {"scan_id": "s", "summary": {"fail": 4, "pass": 1, "other": 9},
                            "controls": [{}]})
    assert v.render().split("\n") == [
        "OK: b",
        "  signed by key k",
        "  scan s (ccscan ?), finished None",
        "  results: pass 1, fail 4",  # in status order, unknown keys left out
        "  control None None: None",
        "  0 members, every sha256 and size checked",
    ]


def md(name, sha, size):
    return MemberData(name, size, sha, None)


BASE = [Subject("manifest.json", A, 1), Subject("scan.json", B, 2), Subject("summary.md", C, 3)]


def data_for(subjects):
    return {s.name: md(s.name, s.sha256, s.size) for s in subjects}


def test_members_equal_to_the_statement_pass():
    data = data_for(BASE)
    data["manifest.dsse.json"] = md("manifest.dsse.json", A, 9)  # the envelope is not a subject
    check_members(BASE, data)


@pytest.mark.parametrize("missing", ["manifest.json", "scan.json", "summary.md"])
def test_statement_must_cover_the_required_members(missing):
    subjects = [s for s in BASE if s.name != missing]
    with pytest.raises(VerificationError, match=f"^signed statement does not cover {missing}$"):
        check_members(subjects, data_for(subjects))


def test_signed_member_missing_from_the_archive():
    subjects = [*BASE, Subject("inventory/r.jsonl", A, 5)]
    with pytest.raises(VerificationError,
                       match=r"^member 'inventory/r.jsonl' is in the signed statement but missing$"):
        check_members(subjects, data_for(BASE))


def test_extra_member_not_covered():
    data = data_for(BASE)
    data["zz.txt"] = md("zz.txt", A, 1)
    with pytest.raises(VerificationError, match=r"^member 'zz.txt' is not covered by the signature$"):
        check_members(BASE, data)


def test_size_then_digest_mismatch():
    data = data_for(BASE)
    data["scan.json"] = md("scan.json", B, 3)
    with pytest.raises(VerificationError,
                       match=r"^member 'scan.json' was modified: 3 bytes, signed 2$"):
        check_members(BASE, data)
    data["scan.json"] = md("scan.json", "d" * 64, 2)
    with pytest.raises(VerificationError,
                       match=r"^member 'scan.json' was modified: sha256 dddddddddddddddd…, "
                             r"signed bbbbbbbbbbbbbbbb…$"):
        check_members(BASE, data)


def manifest(members, scan_id="scan-9"):
    return {"scan_id": scan_id, "members": members}


LISTED = [{"path": "scan.json", "sha256": B, "size": 2}, {"path": "summary.md", "sha256": C, "size": 3}]


def test_manifest_agreeing_with_the_statement_passes():
    check_manifest(manifest(LISTED), BASE, {"scan_id": "scan-9"})


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "^manifest.json is malformed$"),
        ({"members": {}}, "^manifest.json is malformed$"),
        ({}, "^manifest.json is malformed$"),
        (manifest([{"path": "scan.json"}]), "^manifest.json has a malformed member entry$"),
        (manifest(["scan.json"]), "^manifest.json has a malformed member entry$"),
        (manifest(LISTED[:1]), "^manifest.json does not list the same members as the signature$"),
        (manifest([*LISTED, {"path": "manifest.json", "sha256": A, "size": 1}]),
         "^manifest.json does not list the same members as the signature$"),
        (manifest([LISTED[0], {**LISTED[1], "size": 4}]),
         "^manifest.json does not list the same members as the signature$"),
        (manifest(LISTED, "other"), "^manifest.json scan id differs from the signed statement$"),
    ],
)
def test_manifest_problems(doc, message):
    with pytest.raises(VerificationError, match=message):
        check_manifest(doc, BASE, {"scan_id": "scan-9"})


def test_read_summary_returns_the_markdown_unverified(tmp_path):
    bundle = build_bundle(tmp_path / "e.tar.gz", Ed25519PrivateKey.generate())
    text = read_summary(bundle)
    assert text == read_all(bundle)["summary.md"].decode()
    members = read_all(bundle)
    members["summary.md"] = b"caf\xe9 changed"  # not UTF-8, and not verified: still shown
    assert read_summary(write_members(tmp_path / "t.tar.gz", members)) == "caf\ufffd changed"
    del members["summary.md"]
    with pytest.raises(VerificationError, match="^summary.md is missing$"):
        read_summary(write_members(tmp_path / "u.tar.gz", members))


def test_the_envelope_size_cap_boundary(tmp_path):
    members = read_all(build_bundle(tmp_path / "e.tar.gz", Ed25519PrivateKey.generate()))
    members["manifest.dsse.json"] = b" " * (1 << 20)  # exactly the cap: read, then not JSON
    with pytest.raises(VerificationError, match="^signature envelope is not valid JSON$"):
        verify_bundle(write_members(tmp_path / "a.tar.gz", members), Ed25519PrivateKey.generate().public_key())
    members["manifest.dsse.json"] = b" " * ((1 << 20) + 1)
    with pytest.raises(VerificationError,
                       match="^manifest.dsse.json is larger than 1048576 bytes$"):
        verify_bundle(write_members(tmp_path / "b.tar.gz", members), Ed25519PrivateKey.generate().public_key())


def test_manifest_missing_and_not_json(tmp_path):
    key = Ed25519PrivateKey.generate()
    members = read_all(build_bundle(tmp_path / "e.tar.gz", key))
    without = {k: v for k, v in members.items() if k != "manifest.json"}
    with pytest.raises(VerificationError, match="^manifest.json is missing$"):
        verify_bundle(write_members(tmp_path / "a.tar.gz", without), key.public_key())


def test_not_json_messages_name_the_member():
    from scanner.evidence.verify import _json
    with pytest.raises(VerificationError, match="^manifest.json is not valid JSON$"):
        _json(MemberData("manifest.json", 1, A, b"{"), "manifest.json")
    with pytest.raises(VerificationError, match="^x is not valid JSON$"):
        _json(MemberData("m", 1, A, b"\xff"), "x")
    assert _json(MemberData("m", 2, A, b"[1]"), "x") == [1]


def test_a_verified_bundle_names_its_path_and_key(tmp_path):
    from scanner.evidence.keys import key_id
    key = Ed25519PrivateKey.generate()
    bundle = build_bundle(tmp_path / "e.tar.gz", key)
    v = verify_bundle(bundle, key.public_key())
    assert v.bundle == str(bundle)
    assert v.key_id == key_id(key.public_key()) and v.key_id
    assert v.render().split("\n")[:2] == [f"OK: {bundle}", f"  signed by key {v.key_id}"]


def test_an_empty_summary_reads_as_empty(tmp_path):
    members = read_all(build_bundle(tmp_path / "e.tar.gz", Ed25519PrivateKey.generate()))
    members["summary.md"] = b""
    assert read_summary(write_members(tmp_path / "t.tar.gz", members)) == ""


def test_render_names_the_signing_tool():
    v = Verified("b", "k", {"scan_id": "s", "tool": {"name": "fork", "version": "9"},
                            "finished_at": "t"})
    assert v.render().split("\n")[2] == "  scan s (fork 9), finished t"


def test_an_unreadable_bundle_names_its_path(tmp_path):
    from scanner.errors import InputError
    missing = tmp_path / "none.tar.gz"
    with pytest.raises(InputError) as e:
        verify_bundle(missing, Ed25519PrivateKey.generate().public_key())
    assert e.value.message == "cannot read bundle: No such file or directory"
    assert e.value.path == str(missing)
    with pytest.raises(InputError) as e:
        read_summary(missing)
    assert e.value.path == str(missing)


def test_a_signed_manifest_that_is_not_json(tmp_path):
    # The key holder signed garbage: every hash matches, the manifest still cannot be read.
    import base64
    import hashlib
    import json

    from scanner.evidence.canonical import canonical_json
    from scanner.evidence.dsse import sign_envelope

    key = Ed25519PrivateKey.generate()
    members = read_all(build_bundle(tmp_path / "e.tar.gz", key))
    members["manifest.json"] = b"not json"
    statement = json.loads(base64.b64decode(json.loads(members["manifest.dsse.json"])["payload"]))
    for s in statement["subject"]:
        if s["name"] == "manifest.json":
            s["digest"]["sha256"] = hashlib.sha256(b"not json").hexdigest()
            s["annotations"]["size"] = len(b"not json")
    members["manifest.dsse.json"] = canonical_json(sign_envelope(canonical_json(statement), key))
    with pytest.raises(VerificationError, match="^manifest.json is not valid JSON$"):
        verify_bundle(write_members(tmp_path / "t.tar.gz", members), key.public_key())
