"""
Count, while the scan streams, the resources no selected policy judged.

Memory is bounded whatever the inventory holds: a count and at most `examples` ids per
type, and at most MAX_TYPES types per kind (the rest are counted under OTHER_TYPES, so a
hostile inventory with a million distinct types cannot grow it). Listing every id
(`--show-uncovered`) streams them to a temp file instead of holding them.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from typing import IO, Any

from scanner.errors import InputError
from scanner.findings import Coverage, CoverageKind, TypeCoverage
from scanner.inventory.resource import Resource

EXAMPLES = 5
"""Example ids kept per type."""
MAX_TYPES = 1000
"""Distinct types tracked per kind; real estates have a few dozen."""
OTHER_TYPES = "(other types)"
"""The row that counts resources of types beyond MAX_TYPES."""


class EmptyScanError(InputError):
    """
    Nothing was judged: no resource read was of a type any selected policy checks, or
    every policy's `where` excluded them all. Exit 2 unless `--allow-empty`.
    """


class _TypeRow:
    __slots__ = ("count", "examples", "type")

    def __init__(self, rtype: str) -> None:
        self.type = rtype
        self.count = 0
        self.examples: list[str] = []


class CoverageTracker:
    """
    Fed every resource read, with whether it was judged; `result()` gives the Coverage.

    `covered_types` are the lower-cased types some selected policy targets; `clean` is the
    sanitising stage's function for an identifier (ids and types leave the scan in reports).
    """

    def __init__(self, covered_types: set[str], clean: Callable[[str], str],
                 listing: bool = False, examples: int = EXAMPLES) -> None:
        self.covered_types = covered_types
        self.clean = clean
        self.examples = examples
        self.resources = 0
        self.judged = 0
        self.types: Counter[str] = Counter()
        """Resources read per lower-cased type some policy targets (what `unfollowed_relations` weighs)."""
        self.rows: dict[CoverageKind, dict[str, _TypeRow]] = {"uncovered": {}, "not_applicable": {}}
        # open until the scan's reporters have read it; closing it deletes it
        self.listing: IO[str] | None = (
            tempfile.TemporaryFile("w+", encoding="utf-8") if listing else None)  # noqa: SIM115

    def add(self, resource: Resource, judged: bool) -> None:
        """Count one resource read (after duplicate ids were dropped)."""
        self.resources += 1
        if resource.type_key in self.covered_types:  # bounded: only the types policies target
            self.types[resource.type_key] += 1
        if judged:
            self.judged += 1
            return
        kind: CoverageKind = "not_applicable" if resource.type_key in self.covered_types else "uncovered"
        rows = self.rows[kind]
        row = rows.get(resource.type_key)
        if row is None:
            key = resource.type_key if len(rows) < MAX_TYPES else OTHER_TYPES
            row = rows.get(key)
            if row is None:
                row = rows[key] = _TypeRow(OTHER_TYPES if key == OTHER_TYPES
                                           else self.clean(resource.type) or "(no type)")
        row.count += 1
        if len(row.examples) < self.examples or self.listing is not None:
            rid = self.clean(resource.id)
            if len(row.examples) < self.examples:
                row.examples.append(rid)
            if self.listing is not None:
                rtype = row.type if row.type != OTHER_TYPES else self.clean(resource.type)
                self.listing.write(json.dumps([kind, rtype, rid], ensure_ascii=False) + "\n")

    def result(self) -> Coverage:
        """Return the coverage so far, types with the most resources first."""
        def types(kind: CoverageKind) -> tuple[TypeCoverage, ...]:
            rows = sorted(self.rows[kind].values(), key=lambda r: (-r.count, r.type.lower()))
            return tuple(TypeCoverage(r.type, r.count, tuple(r.examples)) for r in rows)

        if self.listing is not None:
            self.listing.flush()
        return Coverage(self.resources, self.judged, types("uncovered"), types("not_applicable"),
                        self.examples, self.listing)

    def close(self) -> None:
        """Delete the listing file, if any."""
        if self.listing is not None:
            self.listing.close()


def empty_scan_message(coverage: Coverage) -> str:
    """
    Say why nothing was judged, for the exit-2 error.
    """
    n = coverage.resources
    if n == 0:
        why = "0 resources read (an empty inventory, or an --input-format that matched nothing)"
    else:
        parts = []
        if coverage.uncovered_count:
            parts.append(f"{coverage.uncovered_count} of a type no selected policy checks")
        if coverage.not_applicable_count:
            parts.append(f"{coverage.not_applicable_count} excluded by every policy's `where`")
        why = f"{n} resource{'s' if n != 1 else ''} read, " + " and ".join(parts)
        types = [t.type for t in (*coverage.uncovered, *coverage.not_applicable)][:3]
        if types:
            why += f" ({', '.join(types)}{', …' if len(types) < len(coverage.uncovered) + len(coverage.not_applicable) else ''})"
    return f"nothing was judged: {why}; --allow-empty to accept"


def unfollowed_relations(policies: Iterable[Any], present: set[str], read: Counter[str]) -> list[tuple[str, str]]:
    """
    (type, why) for each related type that no input holds, while resources that policies counting
    it judge were read: a `count` over related resources finds 0 (a `where` through it leaves
    the resource out of scope), which a result cannot tell from "none exist" (a snapshot that
    never collected role assignments leaves every app out of the model-transit chain). A
    forward reference to a missing target needs no warning: it is `unknown`, naming the id.
    """
    followers: dict[str, list[str]] = {}
    judged: dict[str, set[str]] = {}
    for policy in policies:
        if not any(read.get(t) for t in policy.types):
            continue
        for rel in policy.relations:
            if rel.counted and rel.type not in present:
                followers.setdefault(rel.type, [])
                if policy.id not in followers[rel.type]:
                    followers[rel.type].append(policy.id)
                judged.setdefault(rel.type, set()).update(t for t in policy.types if read.get(t))
    return [(rtype, (f"no input holds a {rtype} resource, which {', '.join(ids)} "
            f"{'follows' if len(ids) == 1 else 'follow'} from the {sum(read[t] for t in judged[rtype])} "
            f"{' / '.join(sorted(judged[rtype]))} resource(s) read: their verdicts there rest on its absence"))
            for rtype, ids in sorted(followers.items())]
