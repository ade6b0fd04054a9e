"""
Findings, the scan result, stable ids, control roll-up and the exit-code rule.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Literal

Status = Literal["pass", "fail", "unknown", "error", "waived"]
STATUSES: tuple[Status, ...] = ("pass", "fail", "unknown", "error", "waived")

Severity = Literal["info", "low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("info", "low", "medium", "high", "critical")
SEVERITY_RANK: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}

SCHEMA_VERSION = "1.0"


def finding_id(policy_id: str, resource_id: str) -> str:
    """
    Return the stable id of a (policy, resource) pair, the same in every scan.

    ARM ids are case-insensitive, so Azure-style ids (starting with `/`) are lower-cased
    first; ARNs are case-sensitive and kept as they are.
    """
    return finding_id_for_key(policy_id, finding_key(resource_id))


def finding_key(resource_id: str) -> bytes:
    """The resource part of a finding id (computed once per resource by the engine)."""
    return id_key(resource_id).encode()


def id_key(resource_id: str) -> str:
    """What makes two resource ids the same: ARM ids (`/...`) without case, ARNs exactly."""
    return resource_id.lower() if resource_id.startswith("/") else resource_id


def finding_id_for_key(policy_id: str, key: bytes) -> str:
    """`finding_id` with the resource part already computed by `finding_key`."""
    return hashlib.sha256(policy_id.encode() + b"\x00" + key).hexdigest()[:32]


# Evidence and Finding are plain slotted records, not frozen dataclasses: nothing changes one
# after it is made (the stage, waivers and baselines make new ones with dataclasses.replace),
# and a frozen one cost ~3 µs more to build, once per finding (issue 15).
@dataclass(slots=True)
class Evidence:
    """
    The value the decision read at one path.
    """

    path: str
    """The policy's field path, e.g. `properties.securityProfile.securityType`."""
    observed: Any
    """The value found (a list for `[*]` paths); None when the path is absent."""
    present: bool = True
    """False when the path does not exist in the resource."""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"path": self.path, "observed": self.observed}
        if not self.present:
            d["missing"] = True
        return d


MESSAGE_LIMIT = 600
OBSERVED = "; observed "
"""Separates what a failing policy expected from what was seen, in its message."""


def show_evidence(evidence: tuple[Evidence, ...]) -> str:
    """
    Say what was seen (`path='value'; other is absent`), each value cut at 120 characters.
    """
    return "; ".join(_show(e) for e in evidence) or "nothing"


def _show(e: Evidence) -> str:
    if not e.present:
        return f"{e.path} is absent"
    text = repr(e.observed)
    return f"{e.path}={text if len(text) <= 120 else text[:117] + '...'}"


def clip_message(message: str) -> str:
    """Cut a message to MESSAGE_LIMIT characters."""
    return message if len(message) <= MESSAGE_LIMIT else message[: MESSAGE_LIMIT - 3] + "..."


@dataclass(slots=True)
class Finding:
    """
    The outcome of one policy on one resource.
    """

    id: str
    """`finding_id(policy_id, resource id)`: stable across scans, for SIEM de-duplication."""
    policy_id: str
    title: str
    severity: Severity
    status: Status
    message: str
    """What was expected and what was seen."""
    resource: dict[str, Any]
    """id, type, name, location, account, provider."""
    evidence: tuple[Evidence, ...]
    """Observed value at every path the decision read."""
    remediation: str = ""
    frameworks: dict[str, list[str]] = field(default_factory=dict)
    """Framework id -> control ids, e.g. {"soc2": ["CC6.1"]}."""
    source: str = ""
    """The inventory file or live scope the resource came from."""
    line: int | None = None
    """The resource's line in `source`, where known."""
    waiver: dict[str, Any] | None = None
    """The waiver that turned a failure into `waived` (policy, resource, reason, owner, expires)."""
    baseline: str | None = None
    """`new` / `unchanged` against a baseline scan, when one is given."""

    def to_dict(self) -> dict[str, Any]:
        """
        Return the finding as it appears in the scan result JSON.
        """
        d: dict[str, Any] = {
            "id": self.id,
            "policy_id": self.policy_id,
            "title": self.title,
            "severity": self.severity,
            "status": self.status,
            "message": self.message,
            "resource": self.resource,
            "evidence": [e.to_dict() for e in self.evidence],
            "remediation": self.remediation,
            "frameworks": self.frameworks,
            "source": self.source,
        }
        if self.line is not None:
            d["line"] = self.line
        if self.waiver is not None:
            d["waiver"] = self.waiver
        if self.baseline is not None:
            d["baseline"] = self.baseline
        return d


@dataclass(slots=True)
class SerialisedFindings:
    """
    One resource's findings as a worker sent them (scanner.parallel): already sanitised and
    serialised, so the parent writes their bytes and counts them without building a Finding.
    """

    blob: bytes | bytearray | memoryview
    """Each finding's `--format json` bytes (`report.json_report.finding_bytes`), each after `,\\n`."""
    codes: Sequence[int]
    """Per finding, in order: its index in `keys`."""
    keys: list[tuple[str, str, str]]
    """(policy id, severity, status) of the chunk's findings, shared by its resources."""


class SerialisedCounts:
    """
    Counts and control-roll-up inputs of serialised findings, folded into the result once.

    A severity is added to `by_severity` when its first finding is seen, as `ScanResult.count`
    would, so the header's key order is that of a one-process scan.
    """

    def __init__(self, result: ScanResult, per_policy: dict[str, dict[str, int]]) -> None:
        self._result = result
        self._per_policy = per_policy
        self._n: dict[tuple[str, str, str], int] = {}

    def add(self, found: SerialisedFindings) -> None:
        n, keys = self._n, found.keys
        for code in found.codes:
            key = keys[code]
            if key in n:
                n[key] += 1
            else:
                n[key] = 1
                by_severity = self._result.by_severity
                if key[1] not in by_severity:
                    by_severity[key[1]] = dict.fromkeys(STATUSES, 0)

    def fold(self) -> None:
        """Add what was counted to the result's summary and severities and to `per_policy`."""
        summary, by_severity = self._result.summary, self._result.by_severity
        for (policy_id, severity, status), count in self._n.items():
            summary[status] += count
            by_severity[severity][status] += count
            self._per_policy[policy_id][status] += count
        self._n.clear()


CoverageKind = Literal["uncovered", "not_applicable"]
COVERAGE_KINDS: tuple[CoverageKind, ...] = ("uncovered", "not_applicable")


@dataclass(frozen=True, slots=True)
class TypeCoverage:
    """
    The resources of one type that no selected policy judged.
    """

    type: str
    """The type as first spelled in the inventory (types compare case-insensitively)."""
    count: int
    examples: tuple[str, ...]
    """The first few resource ids of this type, in input order (sanitised)."""

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "count": self.count, "examples": list(self.examples)}


@dataclass(frozen=True, slots=True)
class Coverage:
    """
    What the scan read but did not judge (DESIGN.md "Coverage"): an auditor must see it.

    A resource is judged when at least one selected policy produced a finding for it.
    Otherwise it is `uncovered` (no selected policy targets its type) or `not_applicable`
    (policies target the type, but every one's `where` excluded it).
    """

    resources: int = 0
    """Resources read (duplicates skipped by `--on-duplicate first` are not counted)."""
    judged: int = 0
    """Resources with at least one finding."""
    uncovered: tuple[TypeCoverage, ...] = ()
    """Per type no selected policy targets; most resources first."""
    not_applicable: tuple[TypeCoverage, ...] = ()
    """Per type whose policies' `where` excluded every resource read; most resources first."""
    examples: int = 5
    """At most this many example ids per type."""
    listing: IO[str] | None = field(default=None, compare=False, repr=False)
    """`--show-uncovered`: a temp file of every not-judged resource (read with `ids()`)."""

    @property
    def uncovered_count(self) -> int:
        return sum(t.count for t in self.uncovered)

    @property
    def not_applicable_count(self) -> int:
        return sum(t.count for t in self.not_applicable)

    @property
    def not_judged(self) -> int:
        return self.resources - self.judged

    def ids(self) -> Iterator[tuple[CoverageKind, str, str]]:
        """
        Yield (kind, type, id) for every not-judged resource, in input order; nothing
        unless the scan was asked to list them (`--show-uncovered`). Readable while the
        reporters finish; `run_scan` deletes the file before it returns.
        """
        if self.listing is None:
            return
        self.listing.seek(0)
        for line in self.listing:
            kind, rtype, rid = json.loads(line)
            yield kind, rtype, rid

    def to_dict(self) -> dict[str, Any]:
        """Return the `coverage` key of the scan result JSON."""
        return {
            "resources": self.resources,
            "judged": self.judged,
            "not_judged": self.not_judged,
            "uncovered": {"count": self.uncovered_count,
                          "types": [t.to_dict() for t in self.uncovered]},
            "not_applicable": {"count": self.not_applicable_count,
                               "types": [t.to_dict() for t in self.not_applicable]},
            "examples_per_type": self.examples,
            "listed": self.listing is not None,
        }


@dataclass(slots=True)
class ScanResult:
    """
    Everything about a scan except the findings themselves, which stream to the reporters.

    Filled in by `scanner.scan.run_scan`; complete once the scan has finished.
    """

    scan_id: str
    tool: dict[str, str]
    started_at: str
    finished_at: str = ""
    inputs: list[dict[str, Any]] = field(default_factory=list)
    """[{"source", "sha256", "resources", "format"}] per inventory file or live source."""
    policies: list[dict[str, Any]] = field(default_factory=list)
    """[{"id", "sha256", "title", "severity", "file", "frameworks", "remediation", "references"}]."""
    summary: dict[str, int] = field(default_factory=lambda: {s: 0 for s in STATUSES})
    by_severity: dict[str, dict[str, int]] = field(default_factory=dict)
    """severity -> status -> count."""
    controls: list[dict[str, Any]] = field(default_factory=list)
    """[{"framework", "id", "title", "status", "policies", "counts"}]."""
    incomplete: list[dict[str, str]] = field(default_factory=list)
    """[{"scope", "reason"}]: what could not be read."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Further top-level keys (waivers report, baseline diff) added by later stages."""
    coverage: Coverage = field(default_factory=Coverage)
    """The resources no selected policy judged (set once the scan has read everything)."""

    def count(self, finding: Finding) -> None:
        """
        Add one finding to the counts.
        """
        status = finding.status
        self.summary[status] += 1
        sev = self.by_severity.get(finding.severity)
        if sev is None:
            sev = self.by_severity[finding.severity] = dict.fromkeys(STATUSES, 0)
        sev[status] += 1

    def header_dict(self) -> dict[str, Any]:
        """
        Return every key of the scan result JSON but `findings`.
        """
        d: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "scan_id": self.scan_id,
            "tool": self.tool,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "inputs": self.inputs,
            "policies": self.policies,
            "summary": self.summary,
            "by_severity": self.by_severity,
            "controls": self.controls,
            "incomplete": self.incomplete,
            "coverage": self.coverage.to_dict(),
        }
        d.update(self.extra)
        return d


def exit_code(
    result: ScanResult, fail_on: str = "info", fail_on_unknown: bool = False
) -> int:
    """
    Return 0, 1 or 3 for a finished scan (2 is for errors raised before this point).

    1: a `fail` finding at or above `fail_on` (`none` never fails on findings); with
    `fail_on_unknown`, an `unknown` finding at or above it counts too.
    3: otherwise, any `error` finding or incomplete scope.
    """
    if fail_on != "none":
        floor = SEVERITY_RANK[fail_on]
        failing = ("fail", "unknown") if fail_on_unknown else ("fail",)
        for sev, counts in result.by_severity.items():
            if SEVERITY_RANK[sev] >= floor and any(counts[s] for s in failing):
                return 1
    if result.summary["error"] or result.incomplete:
        return 3
    return 0
