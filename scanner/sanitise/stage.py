"""
The one sanitising stage between evaluation and every consumer.

`scanner.scan.run_scan` passes every finding, every resource a consumer keeps (the bundle's
inventory) and the scan result's header through a `Sanitiser` before waivers, baselines,
counting, reporters or the bundle see them; nothing downstream redacts on its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from scanner.findings import OBSERVED, Evidence, Finding, ScanResult, clip_message, show_evidence
from scanner.inventory.resource import Resource
from scanner.sanitise.text import MIN_LENGTH, mark, sanitise_text
from scanner.sanitise.values import sanitise_document, sanitise_value

WITHHELD = "(message withheld: it quoted a redacted value; see the evidence)"
_UNIQUE = frozenset({"id", "name"})
"""Identity fields that differ per resource (types, locations, accounts repeat)."""
_QUOTED_PREFIX = 8
"""A message holding this many leading characters of a replaced value still leaks it."""


class Sanitiser:
    """
    Decides what is secret, in one place: findings, resource documents, free text and the
    scan result's header pieces.
    """

    def __init__(self) -> None:
        # The engine hands every finding of a resource the same identity dict: clean it once.
        self._identity_in: dict[str, Any] | None = None
        self._identity_out: dict[str, Any] = {}

    def text(self, text: str) -> str:
        """Sanitise free text (messages, incomplete reasons, summaries)."""
        return sanitise_text(text)

    def identifier(self, text: str) -> str:
        """Sanitise a resource id or type shown on its own (coverage lists)."""
        return sanitise_text(text, repeats=False)

    def document(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Return a sanitised copy of a resource document."""
        return sanitise_document(doc)

    def resource(self, resource: Resource) -> Resource:
        """Return a copy of `resource` whose document and source are sanitised."""
        return Resource(sanitise_document(resource.doc), sanitise_text(resource.source),
                        resource.line)

    def finding(self, finding: Finding) -> Finding:
        """
        Return `finding` with its evidence, message, resource identity and source sanitised.

        Evidence values are judged with their whole path as context; the message, which
        quotes them, is rebuilt from the sanitised values (failures) or scrubbed of every
        replaced value (errors quote exceptions), so not even a truncated quote escapes.
        """
        evidence, replaced = self._evidence(finding.evidence)
        message = finding.message
        if replaced and finding.status == "fail":
            message = clip_message(message.split(OBSERVED, 1)[0] + OBSERVED
                                   + show_evidence(evidence))
        elif replaced:
            message = _scrub(message, [s for b, a in replaced for s in _replaced_strings(b, a)])
        # The rules again over the whole message (policy text, error details); base64 runs
        # in it come from evidence values, each already decoded and judged, unless an
        # exception's text put them there.
        message = sanitise_text(message, base64=finding.status == "error")
        identity = self._identity(finding.resource)
        source = sanitise_text(finding.source)
        if (not replaced and message == finding.message and identity is finding.resource
                and source == finding.source):
            return finding
        return dataclasses.replace(finding, evidence=evidence, message=message,
                                   resource=identity, source=source)

    def header(self, result: ScanResult) -> None:
        """Sanitise, in place, what the result says besides findings: inputs, incomplete
        scopes (error texts quote URLs with SAS tokens) and `extra` (waivers, baseline)."""
        for i in result.inputs:
            if isinstance(i.get("source"), str):
                i["source"] = sanitise_text(i["source"])
        result.incomplete[:] = self.incomplete(result.incomplete)
        result.extra = sanitise_value(result.extra)

    def incomplete(self, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Return sanitised copies of `{"scope", "reason"}` entries."""
        return [sanitise_value(e) for e in entries]

    def _evidence(
        self, evidence: tuple[Evidence, ...]
    ) -> tuple[tuple[Evidence, ...], list[tuple[Any, Any]]]:
        """The sanitised evidence, and (before, after) for every value that changed."""
        replaced: list[tuple[Any, Any]] = []
        out: list[Evidence] = []
        for e in evidence:
            v = e.observed
            # Cheap paths: nothing, flags, and the engine's counts are never secrets.
            if v is None or v is True or v is False or (type(v) is int and e.path[:6] == "count("):
                out.append(e)
                continue
            clean = sanitise_value(v, e.path)
            if clean == v:
                out.append(e)
                continue
            replaced.append((v, clean))
            out.append(Evidence(e.path, clean, e.present))
        return tuple(out), replaced

    def _identity(self, identity: dict[str, Any]) -> dict[str, Any]:
        # Names are identity, but a name or id that is a token must not leave either.
        if identity is self._identity_in:
            return self._identity_out
        clean: dict[str, Any] = {}
        for k, v in identity.items():
            if not isinstance(v, str):
                clean[k] = v
            elif (k == "name" and isinstance(rid := clean.get("id"), str)
                  and rid == identity.get("id") and v in rid):
                clean[k] = v  # an ARM id ends with the name: a clean id vouches for it
            else:
                clean[k] = sanitise_text(v, repeats=k not in _UNIQUE)
        out = identity if clean == identity else clean
        self._identity_in, self._identity_out = identity, out
        return out


def _replaced_strings(before: Any, after: Any) -> list[str]:
    """The original text of every part sanitising replaced (to scrub from messages)."""
    if isinstance(before, dict) and isinstance(after, dict):
        parts = [str(k) for k, ak in zip(before, after, strict=False) if k != ak]
        for v, a in zip(before.values(), after.values(), strict=False):
            parts += _replaced_strings(v, a)
        return parts
    if isinstance(before, (list, tuple)) and isinstance(after, list):
        return [s for b, a in zip(before, after, strict=False) for s in _replaced_strings(b, a)]
    if before == after:
        return []
    if isinstance(before, str) and isinstance(after, str):
        # `Server=db;Password=[REDACTED …]`: only the changed middle was secret
        head = _common(before, after, lambda t, n: t[:n])
        room = min(len(before), len(after)) - head
        tail = _common(before, after, lambda t, n: t[len(t) - n :], room)
        return [before[head : len(before) - tail]]
    if isinstance(before, (dict, list, tuple)):
        return []  # a subtree cut for depth: nothing of it reached the message either
    return [str(before)]


def _common(a: str, b: str, part: Callable[[str, int], str], limit: int | None = None) -> int:
    """The length of the longest common prefix (or suffix) by bisection: C-speed slicing."""
    lo, hi = 0, min(len(a), len(b)) if limit is None else limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if part(a, mid) == part(b, mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _scrub(message: str, replaced: list[str]) -> str:
    """Remove every replaced value from `message`; withhold it if a cut quote remains."""
    for raw in sorted(set(replaced), key=len, reverse=True):
        if len(raw) < 4:
            continue  # shorter raw values would also hit ordinary words
        message = message.replace(raw, mark(raw))
        if raw.encode("unicode_escape").decode("ascii") != raw:  # how repr() quotes it
            message = message.replace(raw.encode("unicode_escape").decode("ascii"), mark(raw))
        if len(raw) >= MIN_LENGTH and raw[:_QUOTED_PREFIX] in message:
            return WITHHELD
    return message
