"""
The whole scan: load policies, read inventories and collectors, evaluate, stream to reporters.

Knows nothing of the CLI: it takes options, returns a ScanResult, and raises CcscanError.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from scanner import __version__
from scanner.collect.base import Collector
from scanner.controls import ControlTracker
from scanner.engine import Engine
from scanner.findings import Finding, ScanResult
from scanner.inventory.duplicates import DuplicateIds
from scanner.inventory.files import read_inventories
from scanner.inventory.resource import Resource
from scanner.parallel import Pool
from scanner.policy.catalog import Catalog, load_catalog
from scanner.report.interface import Reporter
from scanner.resources import builtin_policies
from scanner.sanitise import Sanitiser
from scanner.settings import source_date_epoch


@dataclass
class ScanOptions:
    """
    What to scan and how; built by the CLI or by a library caller.
    """

    inputs: Sequence[Path] = ()
    """Inventory files or directories."""
    input_format: str = "auto"
    collectors: Sequence[Collector] = ()
    """Live sources, read after the files."""
    scan_id: str | None = None
    """Fixed id (for reproducible bundles); a random UUID otherwise."""
    resource_observers: list[Callable[[Resource], None]] = field(default_factory=list)
    """Called with every resource evaluated, sanitised (the evidence bundle keeps the inventory)."""
    finding_transforms: list[Callable[[Finding], Finding]] = field(default_factory=list)
    """Applied to each sanitised finding before it is counted and reported (waivers, baselines)."""
    finishers: list[Callable[[ScanResult], None]] = field(default_factory=list)
    """Called with the result before reporters finish (to add `extra` keys, sanitised after)."""
    on_duplicate: str = "error"
    """A resource id read twice: `error` (InputError), or keep the `first` (see duplicates.py)."""
    workers: int = 1
    """Processes evaluating large JSONL files (scanner.parallel); 1: all in this process."""


def load_policies(paths: Sequence[Path] | None, framework: str | None = None) -> Catalog:
    """
    Load and compile the policies to run; `None` or `builtin` in `paths` means the built-in packs.

    Raises PolicyError on any policy error (lint lists them all).
    """
    chosen = [builtin_policies() if str(p) == "builtin" else p for p in (paths or ["builtin"])]
    catalog = load_catalog([Path(p) for p in chosen])
    catalog.raise_on_errors()
    if framework:
        catalog = catalog.select_framework(framework)
    return catalog


def now_iso() -> str:
    """The current UTC time, or SOURCE_DATE_EPOCH when set (reproducible builds)."""
    epoch = source_date_epoch()
    moment = datetime.fromtimestamp(epoch, UTC) if epoch is not None else datetime.now(UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def new_result(catalog: Catalog, scan_id: str | None) -> ScanResult:
    result = ScanResult(
        scan_id=scan_id or str(uuid.uuid4()),
        tool={"name": "ccscan", "version": __version__},
        started_at=now_iso(),
    )
    result.policies = [
        {
            "id": p.id, "sha256": p.sha256, "title": p.title, "severity": p.severity,
            "file": p.file, "resource": list(p.type_names), "frameworks": p.frameworks,
            "description": p.description, "remediation": p.remediation,
            "references": list(p.references),
        }
        for p in catalog.policies
    ]
    return result


def _hashing(resources: Iterable[Resource], digest: "hashlib._Hash", counter: list[int]) -> Iterator[Resource]:
    # Live sources have no file to hash: hash the canonical documents instead.
    for r in resources:
        digest.update(json.dumps(r.doc, sort_keys=True, separators=(",", ":"), default=str).encode())
        digest.update(b"\n")
        counter[0] += 1
        yield r


def run_scan(
    options: ScanOptions, catalog: Catalog, outputs: Sequence[tuple[Reporter, IO[str]]] = ()
) -> ScanResult:
    """
    Scan every input and collector with `catalog`, streaming findings to each reporter.

    `outputs` pairs each reporter with the text stream it writes. Raises InputError or
    CollectionError; the caller then discards the outputs (nothing half-written is kept).
    """
    result = new_result(catalog, options.scan_id)
    engine = Engine(catalog)
    stage = Sanitiser()
    tracker = ControlTracker(catalog)
    reporters = [r for r, _ in outputs]
    for reporter, out in outputs:
        reporter.start(out, result)

    ids = DuplicateIds(options.on_duplicate)

    def consume(resources: Iterable[tuple[Resource, Iterable[Finding] | None]]) -> None:
        # `done`: the findings a worker already evaluated and sanitised (scanner.parallel).
        for resource, done in resources:
            if not ids.admit(resource):
                continue
            if options.resource_observers:
                clean = stage.resource(resource)
                for observe in options.resource_observers:
                    observe(clean)
            for finding in map(stage.finding, engine.findings(resource)) if done is None else done:
                for transform in options.finding_transforms:
                    finding = transform(finding)
                result.count(finding)
                tracker.add(finding)
                for reporter in reporters:
                    reporter.add(finding)

    with Pool(catalog, options.workers, bool(options.resource_observers)) as pool:
        for inv in read_inventories(options.inputs, options.input_format) if options.inputs else []:
            consume(pool.evaluated(inv))
            result.inputs.append({"source": inv.path.as_posix(), "sha256": inv.sha256,
                                  "resources": inv.count, "format": inv.format})
            if skipped := ids.take_skipped():
                result.inputs[-1]["duplicates_skipped"] = skipped
            result.incomplete.extend(stage.incomplete(inv.incomplete))
    for collector in options.collectors:
        digest, counter = hashlib.sha256(), [0]
        consume((r, None) for r in _hashing(collector.collect(), digest, counter))
        result.inputs.append({"source": collector.name, "sha256": digest.hexdigest(),
                              "resources": counter[0], "format": "live"})
        if skipped := ids.take_skipped():
            result.inputs[-1]["duplicates_skipped"] = skipped
        result.incomplete.extend(stage.incomplete(
            [{"scope": s.scope, "reason": s.reason} for s in collector.incomplete]))
    result.controls = tracker.rollup()
    result.finished_at = now_iso()
    for finish in options.finishers:
        finish(result)
    stage.header(result)
    for reporter in reporters:
        reporter.finish(result)
    return result
