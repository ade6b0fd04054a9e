"""
Waivers: accepted risks with an owner, a reason and an expiry date.

A waivers file (`--waivers FILE`, schema `schemas/waivers.schema.json`):

    waivers:
      - policy: CCS-AZ-VM-001          # policy id or glob
        resource: "/subscriptions/*/resourceGroups/legacy-rg/*"   # resource id glob
        reason: Legacy VM, replaced by the CVM fleet in Q1
        owner: platform-team@example.com
        expires: 2027-03-31            # applies through the end of this day (UTC)

A matching fail/unknown/error finding becomes `waived` (the waiver, with the original
status, is attached to it). An expired waiver no longer applies and is reported; so is a
waiver that waived nothing. The first matching waiver in file order wins.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from fnmatch import translate
from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.findings import Finding
from scanner.policy.yamlload import load_documents, position
from scanner.resources import schema
from scanner.walk import regular_file

WAIVABLE = ("fail", "unknown", "error")


@dataclass
class Waiver:
    """
    One waiver, compiled for matching, with the counts a report needs.
    """

    policy: str
    resource: str
    reason: str
    owner: str
    expires: date
    line: int
    ticket: str = ""
    matched: int = 0
    """Findings this waiver turned into `waived` (or would have, once expired)."""
    _policy_re: re.Pattern[str] = field(init=False, repr=False)
    _resource_re: re.Pattern[str] = field(init=False, repr=False)
    _resource_re_ci: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._policy_re = re.compile(translate(self.policy))
        self._resource_re = re.compile(translate(self.resource))
        self._resource_re_ci = re.compile(translate(self.resource), re.IGNORECASE)

    def matches(self, policy_id: str, resource_id: str) -> bool:
        """
        Return True when this waiver names the (policy, resource) pair.

        ARM ids (`/subscriptions/...`) compare case-insensitively, as ARM does and as
        finding ids do; ARNs are case-sensitive.
        """
        if not self._policy_re.match(policy_id):
            return False
        pattern = self._resource_re_ci if resource_id.startswith("/") else self._resource_re
        return bool(pattern.match(resource_id))

    def expired(self, today: date) -> bool:
        """Return True once `today` is past the expiry date."""
        return today > self.expires

    def summary(self) -> dict[str, Any]:
        """Return the waiver as reported in the scan result (`waivers.expired`/`unused`)."""
        d: dict[str, Any] = {
            "policy": self.policy,
            "resource": self.resource,
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires.isoformat(),
            "line": self.line,
            "matched": self.matched,
        }
        if self.ticket:
            d["ticket"] = self.ticket
        return d


def _line(doc: Any, at: tuple[Any, ...]) -> int | None:
    pos = position(doc, at)
    return pos[0] if pos else None


def _schema_errors(doc: Any, path: Path) -> list[InputError]:
    from jsonschema import Draft202012Validator

    errors = []
    for err in Draft202012Validator(schema("waivers")).iter_errors(doc):
        at = tuple(err.absolute_path)
        where = "/".join(str(p) for p in at) or "top level"
        message, line = err.message, _line(doc, at)
        if err.validator == "additionalProperties":
            message = f"unknown key(s): {message.split('(')[-1].rstrip(')')}"
            extra = [k for k in err.instance if k not in err.schema.get("properties", {})]
            key_pos = getattr(err.instance, "key_pos", {})
            if extra and extra[0] in key_pos:
                line = key_pos[extra[0]][0]  # point at the unknown key itself
        elif err.validator == "pattern" and at and at[-1] != "expires":
            message = f"{at[-1]} must not be empty"
        errors.append(InputError(f"{where}: {message}", path, line))
    return errors


def _is_total(glob: str) -> bool:
    return bool(glob) and set(glob) == {"*"}


def check_waivers(
    path: str | Path, allow_broad: bool = False
) -> tuple[list[Waiver], list[InputError]]:
    """
    Load a waivers file; return the valid waivers and every problem, sorted by line.

    Problems: schema violations (unknown keys, missing reason/owner/expires), invalid
    dates, and a waiver whose policy and resource are both match-everything wildcards
    (unless `allow_broad`). Raises InputError for a file that is not YAML at all.
    """
    path = Path(path)
    regular_file(path, InputError)  # a FIFO or /dev/zero would never finish reading
    docs = load_documents(path, error=InputError)
    if len(docs) != 1:
        raise InputError("expected one YAML document with a top-level `waivers:` list", path, 1)
    doc = docs[0]
    errors = _schema_errors(doc, path)
    if errors:
        return [], sorted(errors, key=lambda e: e.line or 0)
    waivers = []
    for i, w in enumerate(doc["waivers"]):
        line = _line(doc, ("waivers", i)) or 0
        if _is_total(w["policy"]) and _is_total(w["resource"]) and not allow_broad:
            errors.append(InputError(
                "waiver matches every finding (policy and resource are both `*`); "
                "narrow it or pass --allow-broad-waivers", path, line))
            continue
        try:
            expires = date.fromisoformat(w["expires"])
        except ValueError:
            errors.append(InputError(
                f"expires: {w['expires']!r} is not a valid ISO date (YYYY-MM-DD)",
                path, _line(doc, ("waivers", i, "expires"))))
            continue
        waivers.append(Waiver(policy=w["policy"], resource=w["resource"],
                              reason=w["reason"].strip(), owner=w["owner"].strip(),
                              expires=expires, line=line, ticket=w.get("ticket", "")))
    return waivers, sorted(errors, key=lambda e: e.line or 0)


def load_waivers(path: str | Path, allow_broad: bool = False) -> list[Waiver]:
    """
    Load and validate a waivers file.

    Raises InputError naming file:line for the first problem `check_waivers` finds
    (the others are appended to its message).
    """
    waivers, errors = check_waivers(path, allow_broad)
    if errors:
        first = errors[0]
        if len(errors) > 1:
            rest = "; ".join(e.diagnostics() for e in errors[1:])
            first = InputError(f"{first.message} (also: {rest})", first.path, first.line)
        raise first
    return waivers


def lint_waivers(paths: Iterable[str | Path], today: date | None = None) -> list[Any]:
    """
    Return `ccscan lint` messages for waivers files: errors for what `--waivers` would
    refuse, warnings for waivers that have expired.
    """
    from scanner.policy.model import LintMessage

    today = today or datetime.now(UTC).date()
    messages = []
    for path in paths:
        try:
            waivers, errors = check_waivers(path)
        except InputError as e:
            waivers, errors = [], [e]
        for err in errors:
            messages.append(LintMessage(str(err.path or path), err.line, err.col, "error", "waivers",
                                        err.message))
        for w in waivers:
            if w.expired(today):
                messages.append(LintMessage(str(path), w.line, None, "warning", "waiver-expired",
                                            f"waiver for {w.policy} {w.resource} (owner {w.owner}) "
                                            f"expired on {w.expires.isoformat()}"))
    return messages


class WaiverSet:
    """
    Apply waivers to findings as they stream, and report expired and unused ones.
    """

    def __init__(self, waivers: list[Waiver], file: str = "", today: date | None = None) -> None:
        self.file = file
        self.today = today or datetime.now(UTC).date()
        self.active = [w for w in waivers if not w.expired(self.today)]
        self.expired = [w for w in waivers if w.expired(self.today)]
        self.applied = 0

    def apply(self, finding: Finding) -> Finding:
        """
        Return `finding`, or a `waived` copy when an active waiver matches it.
        """
        if finding.status not in WAIVABLE:
            return finding
        rid = str(finding.resource.get("id", ""))
        for w in self.active:
            if w.matches(finding.policy_id, rid):
                w.matched += 1
                self.applied += 1
                info = w.summary()
                del info["matched"]
                info["file"] = self.file
                info["original_status"] = finding.status
                return dataclasses.replace(finding, status="waived", waiver=info)
        for w in self.expired:
            if w.matches(finding.policy_id, rid):
                w.matched += 1  # would have applied: worth saying so in the warning
                break
        return finding

    def report(self) -> dict[str, Any]:
        """
        Return the scan result's `waivers` key: file, applied count, expired and unused.
        """
        return {
            "file": self.file,
            "applied": self.applied,
            "expired": [w.summary() for w in self.expired],
            "unused": [w.summary() for w in self.active if w.matched == 0],
        }

    def warnings(self) -> list[str]:
        """
        Return one stderr line per expired or unused waiver, with its file:line.
        """
        out = []
        for w in self.expired:
            hit = f"; {w.matched} finding(s) fail again" if w.matched else ""
            out.append(
                f"{self.file}:{w.line}: waiver for {w.policy} {w.resource} "
                f"(owner {w.owner}) expired on {w.expires.isoformat()}{hit}"
            )
        for w in self.active:
            if w.matched == 0:
                out.append(
                    f"{self.file}:{w.line}: waiver for {w.policy} {w.resource} "
                    f"(owner {w.owner}) matched no failing finding (unused)"
                )
        return out
