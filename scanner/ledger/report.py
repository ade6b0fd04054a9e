"""
The period report: what a SOC 2 Type II auditor asks of the ledger, as one JSON document.

Per control: the scans in the window, whether it held in every one (only `pass` in a
complete scan holds; `manual`, `unknown` and the rest never count as held), each exception (a failing (policy,
resource) pair from the scan it was first seen until the scan that no longer shows it) with
its duration, and the longest time to remediate. Then cadence gaps (consecutive scans, and
the window's edges, further apart than the declared cadence) and population changes. Every
number names the bundle it came from by sequence and sha256 (`ref`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from scanner import __version__
from scanner.errors import UsageError
from scanner.ledger.facts import ScanFacts
from scanner.ledger.verify import Entry, LedgerCheck

REPORT_VERSION = 1
CLOCK_NOTE = (
    "Scan times are the signer's clock, as signed in each bundle; append times are the "
    "appending machine's clock, recorded unsigned in ledger.jsonl. No timestamp authority "
    "vouches for either."
)


@dataclass(frozen=True, slots=True)
class Scan:
    entry: Entry
    facts: ScanFacts
    time: datetime

    def ref(self) -> dict[str, Any]:
        return {"sequence": self.entry.sequence, "sha256": self.entry.sha256,
                "time": iso(self.time)}


def parse_when(text: str, end: bool = False) -> datetime:
    """
    Return the UTC moment of `--from`/`--to`: a date means its first moment, or with `end`,
    the first moment of the next day (so `--to 2026-08-31` includes the 31st).

    Raises UsageError for anything else.
    """
    try:
        if len(text) == 10:
            day = datetime.fromisoformat(text).replace(tzinfo=UTC)
            return day + timedelta(days=1) if end else day
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{'--to' if end else '--from'}: {text!r} is not a date "
                         "(YYYY-MM-DD) or ISO time") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def build_report(check: LedgerCheck, start: datetime, end: datetime,
                 framework: str | None = None) -> dict[str, Any]:
    """
    Return the period report over the verified entries of `check` whose scan started in
    [start, end). Raises UsageError for an empty or inverted window.
    """
    if end <= start:
        raise UsageError("--to must be after --from")
    scans = [s for e in check.entries if start <= (s := _scan(e)).time < end]
    if framework and scans and not any(c.framework == framework
                                       for s in scans for c in s.facts.controls):
        # a typo must not read as "no control failed"
        raise UsageError(f"--framework: no control of framework {framework!r} in the period")
    return {
        "ccscan_ledger_report": REPORT_VERSION,
        "tool": {"name": "ccscan", "version": __version__},
        "ledger": check.directory,
        "key_id": check.key_id,
        "period": {"from": iso(start), "to": iso(end)},
        "framework": framework,
        "clock": CLOCK_NOTE,
        "scans": [_scan_row(s) for s in scans],
        "controls": _controls(scans, framework),
        "cadence_gaps": _gaps(scans, start, end),
        "population": _population(scans),
    }


def _scan(entry: Entry) -> Scan:
    facts: ScanFacts = entry.facts
    return Scan(entry, facts, parse_when(facts.started_at))


def _scan_row(s: Scan) -> dict[str, Any]:
    return {**s.ref(), "file": s.entry.file, "scan_id": s.facts.scan_id,
            "appended_at": s.entry.appended_at, "cadence": s.entry.link.cadence,
            "resources": len(s.facts.resources), "failing": len(s.facts.failing),
            "incomplete": s.facts.incomplete}


def _controls(scans: list[Scan], framework: str | None) -> list[dict[str, Any]]:
    keys: dict[tuple[str, str], str] = {}
    for s in scans:
        for c in s.facts.controls:
            if framework is None or c.framework == framework:
                keys.setdefault((c.framework, c.id), c.title)
    return [_control(fw, cid, title, scans) for (fw, cid), title in sorted(keys.items())]


def _control(framework: str, cid: str, title: str, scans: list[Scan]) -> dict[str, Any]:
    timeline: list[dict[str, Any]] = []
    statuses: dict[str, int] = {}
    mine: list[tuple[Scan, frozenset[tuple[str, str]]]] = []
    for s in scans:
        c = next((c for c in s.facts.controls if (c.framework, c.id) == (framework, cid)), None)
        status = c.status if c else "absent"
        statuses[status] = statuses.get(status, 0) + 1
        timeline.append({**s.ref(), "status": status, "incomplete": s.facts.incomplete > 0})
        policies = set(c.policies) if c else set()
        mine.append((s, frozenset(p for p in s.facts.failing if p[0] in policies)))
    exceptions = _exceptions(mine)
    incomplete = sum(1 for s in scans if s.facts.incomplete)
    resolved = [e for e in exceptions if e["resolved_by"] is not None]
    longest = max(resolved, key=lambda e: e["duration_seconds"], default=None)
    return {
        "framework": framework,
        "id": cid,
        "title": title,
        "scans": len(scans),
        # an incomplete scan did not see everything: its pass proves nothing for the period
        "held": bool(scans) and statuses.get("pass", 0) == len(scans) and not incomplete,
        "statuses": dict(sorted(statuses.items())),
        "incomplete_scans": incomplete,
        "not_held_scans": [t for t in timeline if t["status"] != "pass" or t["incomplete"]],
        "exceptions": exceptions,
        "open_exceptions": len(exceptions) - len(resolved),
        "longest_time_to_remediate_seconds": longest["duration_seconds"] if longest else None,
        "longest_exception": (
            {"policy": longest["policy"], "resource": longest["resource"],
             "first_seen": longest["first_seen"]} if longest else None),
        "timeline": timeline,
    }


def _exceptions(mine: list[tuple[Scan, frozenset[tuple[str, str]]]]) -> list[dict[str, Any]]:
    """Each maximal run of consecutive scans in which a (policy, resource) pair failed."""
    open_: dict[tuple[str, str], tuple[Scan, Scan]] = {}
    out = []
    for s, failing in mine:
        for pair in sorted(set(open_) - failing):
            first, last = open_.pop(pair)
            out.append(_exception(pair, first, last, s))
        for pair in failing:
            first = open_[pair][0] if pair in open_ else s
            open_[pair] = (first, s)
    for pair, (first, last) in sorted(open_.items()):
        out.append(_exception(pair, first, last, None))
    return sorted(out, key=lambda e: (e["first_seen"]["sequence"], e["policy"], e["resource"]))


def _exception(pair: tuple[str, str], first: Scan, last: Scan,
               resolved: Scan | None) -> dict[str, Any]:
    until = resolved or last
    return {
        "policy": pair[0],
        "resource": pair[1],
        "first_seen": first.ref(),
        "last_seen": last.ref(),
        "resolved_by": resolved.ref() if resolved else None,
        # open: from first seen to the last scan that still shows it (a lower bound)
        "duration_seconds": int((until.time - first.time).total_seconds()),
        "open": resolved is None,
    }


def _gaps(scans: list[Scan], start: datetime, end: datetime) -> list[dict[str, Any]]:
    gaps = []
    if not scans:
        return [{"after": None, "before": None, "from": iso(start), "to": iso(end),
                 "seconds": int((end - start).total_seconds()), "cadence_seconds": None,
                 "kind": "no scan in the period"}]
    cadence = scans[0].entry.link.cadence_seconds
    if (scans[0].time - start).total_seconds() > cadence:
        gaps.append(_gap(None, scans[0], start, scans[0].time, cadence, "period start"))
    for a, b in pairwise(scans):
        cadence = b.entry.link.cadence_seconds
        if (b.time - a.time).total_seconds() > cadence:
            gaps.append(_gap(a, b, a.time, b.time, cadence, "between scans"))
    last = scans[-1]
    if (end - last.time).total_seconds() > last.entry.link.cadence_seconds:
        gaps.append(_gap(last, None, last.time, end, last.entry.link.cadence_seconds,
                         "period end"))
    return gaps


def _gap(a: Scan | None, b: Scan | None, t0: datetime, t1: datetime, cadence: int,
         kind: str) -> dict[str, Any]:
    return {"after": a.ref() if a else None, "before": b.ref() if b else None,
            "from": iso(t0), "to": iso(t1), "seconds": int((t1 - t0).total_seconds()),
            "cadence_seconds": cadence, "kind": kind}


def _population(scans: list[Scan]) -> dict[str, Any]:
    appeared, disappeared = [], []
    for a, b in pairwise(scans):
        appeared += [{"resource": r, "scan": b.ref()} for r in sorted(b.facts.resources - a.facts.resources)]
        disappeared += [{"resource": r, "last_seen": a.ref(), "gone_in": b.ref()}
                        for r in sorted(a.facts.resources - b.facts.resources)]
    return {
        "first_scan_resources": len(scans[0].facts.resources) if scans else 0,
        "last_scan_resources": len(scans[-1].facts.resources) if scans else 0,
        "appeared": appeared,
        "disappeared": disappeared,
    }
