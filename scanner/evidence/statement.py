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
    except (ValueError, UnicodeDecodeError) as e:
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
