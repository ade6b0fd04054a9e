"""
`bundle verify`: check an evidence bundle offline against a public key.

Order matters: (1) every tar header is checked before any member is read (safetar pass 1);
(2) the members are hashed without extracting anything (pass 2); (3) the DSSE envelope's
payload type, key id and Ed25519 signature are checked; (4) the signed in-toto Statement
must list exactly the members present (no missing, no extra), each with the same sha256
and size; (5) `manifest.json` (itself signed) must agree with the Statement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from scanner.errors import InputError
from scanner.evidence.build import ENVELOPE, MANIFEST, SCAN, SUMMARY
from scanner.evidence.dsse import verify_envelope
from scanner.evidence.errors import VerificationError
from scanner.evidence.keys import key_id
from scanner.evidence.safetar import Limits, MemberData, list_members, read_members
from scanner.evidence.statement import Subject, parse_statement
from scanner.findings import STATUSES

_ENVELOPE_CAP = 1 << 20


@dataclass(frozen=True, slots=True)
class Verified:
    """
    What a successful verification vouches for (all from signed data).
    """

    bundle: str
    key_id: str
    predicate: dict[str, Any]
    members: list[Subject] = field(default_factory=list)
    contents: dict[str, bytes] = field(default_factory=dict)
    """The verified bytes of the members asked for (`verify_bundle(..., contents=)`)."""

    def to_dict(self) -> dict[str, Any]:
        p = self.predicate
        return {
            "verified": True,
            "bundle": self.bundle,
            "key_id": self.key_id,
            "scan_id": p.get("scan_id"),
            "tool": p.get("tool"),
            "started_at": p.get("started_at"),
            "finished_at": p.get("finished_at"),
            "summary": p.get("summary"),
            "controls": p.get("controls", []),
            "incomplete": p.get("incomplete", 0),
            "members": [{"path": m.name, "size": m.size, "sha256": m.sha256} for m in self.members],
        }

    def render(self) -> str:
        """Return the human report of what was verified."""
        d = self.to_dict()
        tool = d["tool"] or {}
        counts = d["summary"] or {}
        lines = [
            f"OK: {self.bundle}",
            f"  signed by key {self.key_id}",
            (
                f"  scan {d['scan_id']} ({tool.get('name', 'ccscan')} {tool.get('version', '?')}), "
                f"finished {d['finished_at']}"
            ),
            "  results: " + ", ".join(f"{s} {counts[s]}" for s in STATUSES if s in counts),
        ]
        if d["incomplete"]:
            lines.append(f"  incomplete scopes: {d['incomplete']}")
        for c in d["controls"]:
            lines.append(f"  control {c.get('framework')} {c.get('id')}: {c.get('status')}")
        lines.append(f"  {len(self.members)} members, every sha256 and size checked")
        return "\n".join(lines)


def _open(path: str | Path) -> Any:
    try:
        return open(path, "rb")
    except OSError as e:
        raise InputError(f"cannot read bundle: {e.strerror}", path) from e


def verify_bundle(
    path: str | Path, public_key: Ed25519PublicKey, limits: Limits | None = None,
    contents: tuple[str, ...] = (),
) -> Verified:
    """
    Verify the bundle at `path` against `public_key`; return what it vouches for, with the
    bytes of the members named in `contents` (read in the same pass that hashes them).

    Raises VerificationError naming the first problem, InputError if it cannot be opened.
    """
    limits = limits or Limits()
    with _open(path) as f:
        sizes = list_members(f, limits)  # pass 1: headers only, nothing read yet
        if ENVELOPE not in sizes:
            raise VerificationError(f"bundle is not signed ({ENVELOPE} is missing)")
        if sizes[ENVELOPE] > _ENVELOPE_CAP:
            raise VerificationError(f"{ENVELOPE} is larger than {_ENVELOPE_CAP} bytes")
        if MANIFEST not in sizes:
            raise VerificationError(f"{MANIFEST} is missing")
        wanted = {ENVELOPE, MANIFEST, *contents}
        data = read_members(f, limits, keep=lambda n: n in wanted)
    envelope = _json(data[ENVELOPE], "signature envelope")
    payload = verify_envelope(envelope, public_key)
    subjects, predicate = parse_statement(payload)
    check_members(subjects, data)
    check_manifest(_json(data[MANIFEST], MANIFEST), subjects, predicate)
    kept = {n: data[n].content or b"" for n in contents if n in data}
    return Verified(str(path), key_id(public_key), predicate, subjects, kept)


def check_members(subjects: list[Subject], data: dict[str, MemberData]) -> None:
    """
    Raise VerificationError unless the members are exactly the signed subjects, byte for byte.
    """
    signed = {s.name: s for s in subjects}
    for required in (MANIFEST, SCAN, SUMMARY):
        if required not in signed:
            raise VerificationError(f"signed statement does not cover {required}")
    for name in sorted(signed):
        if name not in data:
            raise VerificationError(f"member {name!r} is in the signed statement but missing")
    for name in sorted(data):
        if name != ENVELOPE and name not in signed:
            raise VerificationError(f"member {name!r} is not covered by the signature")
    for name in sorted(signed):
        got, want = data[name], signed[name]
        if got.size != want.size:
            raise VerificationError(
                f"member {name!r} was modified: {got.size} bytes, signed {want.size}"
            )
        if got.sha256 != want.sha256:
            raise VerificationError(
                f"member {name!r} was modified: sha256 {got.sha256[:16]}…, "
                f"signed {want.sha256[:16]}…"
            )


def check_manifest(manifest: Any, subjects: list[Subject], predicate: dict[str, Any]) -> None:
    """
    Raise VerificationError unless the (signed) manifest lists the same members as the
    Statement and the same scan id as the predicate.
    """
    if not isinstance(manifest, dict) or not isinstance(manifest.get("members"), list):
        raise VerificationError(f"{MANIFEST} is malformed")
    try:
        listed = {(m["path"], m["sha256"], m["size"]) for m in manifest["members"]}
    except (KeyError, TypeError) as e:
        raise VerificationError(f"{MANIFEST} has a malformed member entry") from e
    signed = {(s.name, s.sha256, s.size) for s in subjects if s.name != MANIFEST}
    if listed != signed:
        raise VerificationError(f"{MANIFEST} does not list the same members as the signature")
    if manifest.get("scan_id") != predicate.get("scan_id"):
        raise VerificationError(f"{MANIFEST} scan id differs from the signed statement")


def _json(member: MemberData, what: str) -> Any:
    try:
        return json.loads(member.content or b"")
    except (ValueError, UnicodeDecodeError, RecursionError) as e:  # nesting bombs too
        raise VerificationError(f"{what} is not valid JSON") from e


def read_summary(path: str | Path, limits: Limits | None = None) -> str:
    """
    Return `summary.md` of a bundle, read safely but NOT verified.

    Raises VerificationError for an unsafe or malformed archive, InputError if unreadable.
    """
    limits = limits or Limits()
    with _open(path) as f:
        sizes = list_members(f, limits)
        if SUMMARY not in sizes:
            raise VerificationError(f"{SUMMARY} is missing")
        data = read_members(f, limits, keep=lambda n: n == SUMMARY)
    return (data[SUMMARY].content or b"").decode("utf-8", "replace")
