"""
What the period report needs from one verified bundle, read from its signed members only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from scanner.evidence.build import INVENTORY, SCAN
from scanner.evidence.errors import VerificationError
from scanner.evidence.verify import Verified

CONTENTS = (SCAN, INVENTORY)
"""The members `extract` reads (passed to `verify_ledger(contents=)`)."""


@dataclass(frozen=True, slots=True)
class Control:
    framework: str
    id: str
    title: str
    status: str
    policies: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScanFacts:
    """
    One scan, reduced: control statuses, failing (policy, resource) pairs, resource ids.
    """

    scan_id: str
    started_at: str
    controls: tuple[Control, ...]
    failing: frozenset[tuple[str, str]]
    resources: frozenset[str]
    incomplete: int
    """Scopes the scan could not read (signed count): such a scan is no proof of holding."""


def extract(verified: Verified) -> ScanFacts:
    """
    Return the facts of a verified bundle (its predicate, scan.json and inventory).

    Raises VerificationError when a signed member is not what ccscan writes.
    """
    scan = _json(verified.contents.get(SCAN, b""), SCAN)
    signed = {(c.get("framework"), c.get("id")): c.get("status")
              for c in verified.predicate.get("controls") or [] if isinstance(c, dict)}
    controls = []
    for c in scan.get("controls") or []:
        if not isinstance(c, dict):
            raise VerificationError(f"{SCAN}: malformed control")
        key = (c.get("framework"), c.get("id"))
        if signed.get(key) != c.get("status"):  # the predicate is what was signed directly
            raise VerificationError(f"{SCAN}: control {key} differs from the signed statement")
        controls.append(Control(str(key[0]), str(key[1]), str(c.get("title") or ""),
                                str(c.get("status")), tuple(map(str, c.get("policies") or ()))))
    if {(c.framework, c.id) for c in controls} != {(str(f), str(i)) for f, i in signed}:
        raise VerificationError(f"{SCAN}: controls differ from the signed statement")
    failing = set()
    for f in scan.get("findings") or []:
        if isinstance(f, dict) and f.get("status") == "fail":
            res = f.get("resource")
            rid = res.get("id") if isinstance(res, dict) else None
            failing.add((str(f.get("policy_id")), str(rid)))
    return ScanFacts(
        scan_id=str(verified.predicate.get("scan_id")),
        started_at=str(verified.predicate.get("started_at")),
        controls=tuple(controls),
        failing=frozenset(failing),
        resources=frozenset(_resource_ids(verified.contents.get(INVENTORY, b""))),
        incomplete=_incomplete(verified.predicate.get("incomplete", 0)),
    )


def _incomplete(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise VerificationError("signed statement: malformed incomplete count")
    return value


def _resource_ids(raw: bytes) -> list[str]:
    ids = []
    for no, line in enumerate(raw.splitlines()):
        if no == 0 or not line.strip():
            continue  # the snapshot header
        doc = _json(line, INVENTORY)
        ids.append(str(doc.get("id")))
    return ids


def _json(raw: bytes, what: str) -> dict[str, Any]:
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        raise VerificationError(f"{what} is not valid JSON") from e
    if not isinstance(doc, dict):
        raise VerificationError(f"{what} is not a JSON object")
    return doc
