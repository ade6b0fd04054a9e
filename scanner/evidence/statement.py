"""
The in-toto Statement v1 that a bundle's envelope signs: one subject per member.

Each subject is an in-toto ResourceDescriptor: `name` (the member path), `digest.sha256`,
and `annotations.size` (bytes). The predicate carries the scan id, time, counts, and the
tool version, so a verifier can report them from signed data alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from scanner.evidence.canonical import canonical_json
from scanner.evidence.errors import VerificationError

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://ccscan.dev/evidence/v1"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class Subject:
    """
    One signed member: its path, sha256 (hex) and size in bytes.
    """

    name: str
    sha256: str
    size: int


def build_statement(subjects: list[Subject], predicate: dict[str, Any]) -> bytes:
    """
    Return the canonical (RFC 8785) bytes of a Statement over `subjects`.
    """
    return canonical_json(
        {
            "_type": STATEMENT_TYPE,
            "subject": [
                {"name": s.name, "digest": {"sha256": s.sha256}, "annotations": {"size": s.size}}
                for s in sorted(subjects, key=lambda s: s.name)
            ],
            "predicateType": PREDICATE_TYPE,
            "predicate": predicate,
        }
    )


def parse_statement(payload: bytes) -> tuple[list[Subject], dict[str, Any]]:
    """
    Return the subjects and predicate of a signed Statement.

    Raises VerificationError when the payload is not a ccscan evidence Statement.
    """
    try:
        doc = json.loads(payload)
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        raise VerificationError("signed payload is not JSON") from e
    if not isinstance(doc, dict) or doc.get("_type") != STATEMENT_TYPE:
        raise VerificationError(f"signed payload is not an in-toto Statement v1 ({STATEMENT_TYPE})")
    if doc.get("predicateType") != PREDICATE_TYPE:
        raise VerificationError(f"unknown predicate type {doc.get('predicateType')!r}")
    raw = doc.get("subject")
    if not isinstance(raw, list) or not raw:
        raise VerificationError("signed statement lists no subjects")
    subjects: list[Subject] = []
    seen: set[str] = set()
    for item in raw:
        subject = _subject(item)
        if subject.name in seen:
            raise VerificationError(f"signed statement lists {subject.name!r} twice")
        seen.add(subject.name)
        subjects.append(subject)
    predicate = doc.get("predicate")
    return subjects, predicate if isinstance(predicate, dict) else {}


def _subject(item: Any) -> Subject:
    try:
        name, digest = item["name"], item["digest"]["sha256"]
        size = item["annotations"]["size"]
    except (KeyError, TypeError) as e:
        raise VerificationError("signed statement has a malformed subject") from e
    if not isinstance(name, str) or not isinstance(digest, str) or not _SHA256.match(digest):
        raise VerificationError("signed statement has a malformed subject")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise VerificationError(f"signed statement: bad size for {name!r}")
    return Subject(name, digest, size)


LEDGER_KEY = "ledger"
"""Predicate key of the chain link; absent in a bundle made without `--ledger`."""


@dataclass(frozen=True, slots=True)
class Link:
    """
    A bundle's place in a ledger, signed with the rest of its predicate.
    """

    sequence: int
    """1 for the first bundle of a ledger, then +1 per append."""
    previous_sha256: str | None
    """sha256 of the previous bundle file (None only for sequence 1)."""
    cadence: str
    """The declared scan interval, as given (`1d`, `7d`, `12h`)."""
    cadence_seconds: int

    def to_dict(self) -> dict[str, Any]:
        prev = None
        if self.previous_sha256 is not None:
            prev = {"sequence": self.sequence - 1, "sha256": self.previous_sha256}
        return {"sequence": self.sequence, "previous": prev, "cadence": self.cadence,
                "cadence_seconds": self.cadence_seconds}


def parse_link(predicate: dict[str, Any]) -> Link | None:
    """
    Return the signed chain link of a predicate, or None for a bundle without one.

    Raises VerificationError for a link of the wrong shape (never read as "unchained").
    """
    raw = predicate.get(LEDGER_KEY)
    if raw is None and LEDGER_KEY not in predicate:
        return None
    if not isinstance(raw, dict):
        raise VerificationError("signed ledger link is not an object")
    seq, prev, cadence, secs = (raw.get(k) for k in
                                ("sequence", "previous", "cadence", "cadence_seconds"))
    if not (isinstance(seq, int) and _count(seq) and seq >= 1 and isinstance(secs, int)
            and _count(secs) and secs >= 1 and isinstance(cadence, str)):
        raise VerificationError("signed ledger link is malformed")
    if prev is None:
        if seq != 1:
            raise VerificationError(f"signed ledger link: sequence {seq} names no previous bundle")
        return Link(seq, None, cadence, secs)
    if (not isinstance(prev, dict) or prev.get("sequence") != seq - 1
            or not isinstance(prev.get("sha256"), str) or not _SHA256.match(prev["sha256"])):
        raise VerificationError("signed ledger link: malformed previous bundle reference")
    return Link(seq, prev["sha256"], cadence, secs)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
