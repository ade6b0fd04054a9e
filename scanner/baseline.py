"""
Baselines: compare findings with an earlier scan result by their stable ids.

A current finding is `new` when its id was not in the baseline or its status changed
(a pass that now fails, a waiver that expired), and `unchanged` otherwise. A baseline
finding that failed and no longer does (gone, passing or waived now) is `resolved`.
`--fail-on-new` then fails the build only on new failures: known debt does not block a
merge, but nothing gets worse. `diff` compares two saved scan results the same way.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.findings import STATUSES, Finding, ScanResult, exit_code
from scanner.inventory import jsonparse
from scanner.walk import regular_file

FAILING = ("fail", "unknown", "error")
MAX_RESULT_BYTES = 2 * 1024**3
"""A scan result is parsed in memory, like a whole-file JSON inventory."""


def load_scan_result(path: str | Path) -> dict[str, Any]:
    """
    Load a scan result written by `ccscan scan --format json`.

    Raises InputError naming the file (and the finding) when it is unreadable, not JSON, or
    not a ccscan scan result: no `schema_version`/`scan_id`/`findings` list, a finding that
    is not an object, has no id or status, a resource block that is not an object, or an id
    that two findings share.
    """
    path = Path(path)
    size = regular_file(path, InputError).st_size
    if size > MAX_RESULT_BYTES:
        raise InputError(f"scan result is {size} bytes, over the {MAX_RESULT_BYTES}-byte limit",
                         path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read scan result: {e.strerror or e}", path) from None
    try:
        doc = jsonparse.loads(raw)
    except jsonparse.JsonError as e:
        raise InputError(f"not a ccscan scan result (invalid JSON: {e.message})", path,
                         e.line, e.col) from None
    if not isinstance(doc, dict) or not {"schema_version", "scan_id", "findings"} <= doc.keys():
        raise InputError(
            "not a ccscan scan result (expected the output of `ccscan scan --format json`, "
            "with schema_version, scan_id and findings)",
            path,
        )
    findings = doc["findings"]
    if not isinstance(findings, list):
        raise InputError("not a ccscan scan result (findings is not a list)", path)
    seen: set[str] = set()
    for i, f in enumerate(findings):
        problem = _finding_problem(f)
        if problem is None and f["id"] in seen:
            problem = f"has the id {f['id']!r} of an earlier finding (two verdicts for one id)"
        if problem:
            raise InputError(f"not a ccscan scan result: findings[{i}] {problem}", path)
        seen.add(f["id"])
    return doc


_TEXT_FIELDS = ("policy_id", "title", "severity")
_RESOURCE_FIELDS = ("id", "type", "name", "location", "account", "provider")


def _finding_problem(f: Any) -> str | None:
    """What makes `f` no finding of a scan result (None when it is one, as far as we read it)."""
    if not isinstance(f, dict):
        return f"is a JSON {type(f).__name__}, not an object"
    if not isinstance(f.get("id"), str) or not f["id"]:
        return "has no id"
    if f.get("status") not in STATUSES:
        return f"has status {f.get('status')!r}, not one of {', '.join(STATUSES)}"
    for key in _TEXT_FIELDS:
        if f.get(key) is not None and not isinstance(f[key], str):
            return f"{key} is not a string"
    res = f.get("resource")
    if res is None:
        return None
    if not isinstance(res, dict):
        return "resource is not an object"
    for key in _RESOURCE_FIELDS:
        if res.get(key) is not None and not isinstance(res[key], str):
            return f"resource.{key} is not a string"
    return None


def _brief(f: dict[str, Any]) -> dict[str, Any]:
    """The part of a finding that a diff or a resolved list needs."""
    res = f.get("resource") or {}
    return {
        "id": f["id"],
        "policy_id": f.get("policy_id"),
        "title": f.get("title"),
        "severity": f.get("severity"),
        "status": f["status"],
        "resource": {k: res.get(k) for k in ("id", "type", "name", "location", "account",
                                              "provider")},
    }


def classify(old_status: str | None, new_status: str) -> str:
    """
    Return `new` or `unchanged` for a finding whose baseline status was `old_status`
    (None when the baseline did not have it).
    """
    return "unchanged" if old_status == new_status else "new"


@dataclass
class Baseline:
    """
    A loaded baseline that labels findings as they stream and collects resolved ones.
    """

    file: str
    scan_id: str
    previous: dict[str, dict[str, Any]]
    """Finding id -> brief finding, shrinking as current findings are seen."""
    resolved: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"new": 0, "unchanged": 0})
    new_by_severity: dict[str, dict[str, int]] = field(default_factory=dict)
    """Counts of new findings, severity -> status (for `--fail-on-new`)."""

    @classmethod
    def load(cls, path: str | Path) -> Baseline:
        """Load a baseline scan result (InputError when it is not one)."""
        doc = load_scan_result(path)
        previous = {f["id"]: _brief(f) for f in doc["findings"]}
        return cls(file=str(path), scan_id=str(doc.get("scan_id")), previous=previous)

    def apply(self, finding: Finding) -> Finding:
        """
        Return a copy of `finding` labelled `new` or `unchanged`.
        """
        old = self.previous.pop(finding.id, None)
        label = classify(old["status"] if old else None, finding.status)
        if old and old["status"] in FAILING and finding.status not in FAILING:
            self.resolved.append({**old, "now": finding.status})
        self.counts[label] += 1
        if label == "new":
            sev = self.new_by_severity.setdefault(finding.severity, dict.fromkeys(STATUSES, 0))
            sev[finding.status] += 1
        return dataclasses.replace(finding, baseline=label)

    def finish(self) -> dict[str, Any]:
        """
        Return the scan result's `baseline` key, once every finding has been seen:
        baseline findings that failed and are gone now count as resolved.
        """
        for old in self.previous.values():
            if old["status"] in FAILING:
                self.resolved.append({**old, "now": "absent"})
        self.previous = {}
        return {
            "file": self.file,
            "scan_id": self.scan_id,
            "new": self.counts["new"],
            "unchanged": self.counts["unchanged"],
            "resolved": self.resolved,
        }

    def exit_code(self, result: ScanResult, fail_on: str = "info",
                  fail_on_unknown: bool = False) -> int:
        """
        Return the exit code `--fail-on-new` asks for: 1 only for new failing findings;
        errors and incomplete scopes still give 3, as in every scan.
        """
        shadow = dataclasses.replace(result, by_severity=self.new_by_severity)
        return exit_code(shadow, fail_on, fail_on_unknown)


@dataclass
class Diff:
    """
    The difference between two scan results.
    """

    new: list[dict[str, Any]]
    """Failing now, and not failing the same way before."""
    resolved: list[dict[str, Any]]
    """Failing before, not failing now (`now` says how: pass, waived, absent)."""
    changed: list[dict[str, Any]]
    """Status changed between non-failing states, or between failing ones (`was`)."""
    unchanged: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "resolved": self.resolved,
            "changed": self.changed,
            "unchanged": self.unchanged,
        }


def diff(old: dict[str, Any], new: dict[str, Any]) -> Diff:
    """
    Compare two loaded scan results finding by finding.
    """
    before = {f["id"]: _brief(f) for f in old["findings"]}
    new_list, resolved, changed, unchanged = [], [], [], 0
    for f in new["findings"]:
        cur = _brief(f)
        prev = before.pop(cur["id"], None)
        prev_status = prev["status"] if prev else None
        if prev_status == cur["status"]:
            unchanged += 1
        elif cur["status"] in FAILING and prev_status not in FAILING:
            new_list.append({**cur, "was": prev_status or "absent"})
        elif prev_status in FAILING and cur["status"] not in FAILING:
            resolved.append({**(prev or {}), "now": cur["status"]})
        else:
            changed.append({**cur, "was": prev_status or "absent"})
    for prev in before.values():
        if prev["status"] in FAILING:
            resolved.append({**prev, "now": "absent"})
    return Diff(new_list, resolved, changed, unchanged)


def render_diff(d: Diff) -> str:
    """
    Return the diff as text for a terminal: one line per new, resolved and changed finding.
    """
    head = (f"{len(d.new)} new, {len(d.resolved)} resolved, {len(d.changed)} changed, "
            f"{d.unchanged} unchanged")
    lines = [head]
    for tag, items, key in (("+", d.new, "was"), ("-", d.resolved, "now"),
                            ("~", d.changed, "was")):
        for f in sorted(items, key=lambda x: (x.get("policy_id") or "", x["resource"]["id"] or "")):
            before, after = (f["was"], f["status"]) if key == "was" else (f["status"], f["now"])
            arrow = f"{before} -> {after}"
            lines.append(
                f"{tag} {f.get('severity') or '':8} {f.get('policy_id')}  "
                f"{f['resource'].get('id')}  ({arrow})"
            )
    return "\n".join(lines) + "\n"
