"""
The whole scan: load policies, read inventories and collectors, evaluate, stream to reporters.

Knows nothing of the CLI: it takes options, returns a ScanResult, and raises CcscanError.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from scanner import __version__
from scanner.collect.base import Collector
from scanner.controls import ControlTracker
from scanner.coverage import (
    CoverageTracker,
    EmptyScanError,
    empty_scan_message,
    unfollowed_relations,
)
from scanner.engine import Engine
from scanner.findings import Finding, ScanResult, SerialisedCounts, SerialisedFindings
from scanner.inventory import shards
from scanner.inventory.duplicates import DuplicateIds
from scanner.inventory.files import read_inventories
from scanner.inventory.prefilter import may_hold
from scanner.inventory.resource import Resource
from scanner.parallel import Pool, workers_for
from scanner.policy.catalog import Catalog, load_catalog
from scanner.relindex import ACTIVE, RelationIndex, index_files
from scanner.report.interface import Reporter, TakesSerialised
from scanner.resources import builtin_policies
from scanner.sanitise import Sanitiser
from scanner.settings import source_date_epoch

_log = logging.getLogger("scanner")


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
    wrap_input: Callable[[str, Iterable[Any]], Iterable[Any]] | None = None
    """Wraps each inventory input's resources (the CLI's progress bar, scanner.progress)."""
    on_duplicate: str = "error"
    """A resource id read twice: `error` (InputError), or keep the `first` (see duplicates.py)."""
    allow_empty: bool = False
    """Accept a scan that judged nothing (else EmptyScanError, exit 2)."""
    list_not_judged: bool = False
    """`--show-uncovered`: keep every not-judged id (in a temp file) for the reporters."""
    workers: int | None = 1
    """Processes evaluating large JSONL files (scanner.parallel); 1: all in this process;
    None (`auto`): the cores when that pays (`parallel.workers_for`)."""
    dask: str | None = None
    """A Dask scheduler (`tcp://`, `tls://`) or `local:N` evaluating JSONL shards (scanner.distributed)."""


def load_policies(paths: Sequence[Path] | None, framework: str | None = None) -> Catalog:
    """
    Load and compile the policies to run; `None` or `builtin` in `paths` means the built-in packs.

    Raises PolicyError on any policy error (lint lists them all).
    """
    chosen = [builtin_policies() if str(p) == "builtin" else p for p in (paths or [Path("builtin")])]
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


def _hashing(resources: Iterable[Resource], digest: hashlib._Hash, counter: list[int]) -> Iterator[Resource]:
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
    with _gc_tuned():
        return _scan(options, catalog, outputs)


GC_THRESHOLDS = (50_000, 20, 100)
"""During a scan: a young-generation collection every 50,000 allocations, not 700."""


@contextlib.contextmanager
def _gc_tuned() -> Iterator[None]:
    # A scan allocates a few short-lived containers per resource and per finding and almost
    # no cycles; the compiled catalog, schemas and SDK modules are long-lived. Freezing those
    # keeps the collector from walking them again and again, and fewer young collections cut
    # what is left (issue 15: gc tuned during the scan).
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def _scan(options: ScanOptions, catalog: Catalog, outputs: Sequence[tuple[Reporter, IO[str]]]) -> ScanResult:
    result = new_result(catalog, options.scan_id)
    related = RelationIndex(catalog.relations())
    if related and options.inputs:  # fresh readers: the second read counts and hashes anew
        index_files((inv for inv in read_inventories(options.inputs, options.input_format)
                     if may_hold(inv.path, related.types)), related)
    engine = Engine(catalog, related)
    active = ACTIVE.set(related)  # for `--explain`'s tracing twin, which evaluates on its own
    try:
        return _run(options, catalog, outputs, result, related, engine)
    finally:
        ACTIVE.reset(active)


def _pool(options: ScanOptions, catalog: Catalog, engine: Engine, inventories: list[Any],
          serialised: bool) -> Any:
    if options.dask is None:
        return Pool(catalog, workers_for(options.workers, serialised), bool(options.resource_observers),
                    engine, serialised)
    from scanner.distributed import DaskPool

    return DaskPool(options.dask, catalog, bool(options.resource_observers), engine, inventories,
                    serialised)


def _takes_bytes(options: ScanOptions, reporters: list[Reporter]) -> bool:
    """Whether workers may send findings as JSON bytes: nothing here needs them as objects."""
    return not options.finding_transforms and all(isinstance(r, TakesSerialised) for r in reporters)


def _run(options: ScanOptions, catalog: Catalog, outputs: Sequence[tuple[Reporter, IO[str]]],
         result: ScanResult, related: RelationIndex, engine: Engine) -> ScanResult:
    stage = Sanitiser()
    tracker = ControlTracker(catalog)
    reporters = [r for r, _ in outputs]
    for reporter, out in outputs:
        reporter.start(out, result)

    ids = DuplicateIds(options.on_duplicate)
    # the listing is an unnamed temp file: if the scan raises, nothing is left on disk
    coverage = CoverageTracker(catalog.resource_types(), stage.identifier, options.list_not_judged)

    clean, transforms, count, track = stage.finding, options.finding_transforms, result.count, tracker.add
    adds = [r.add for r in reporters]  # bound once: emit runs once per resource
    serialised = _takes_bytes(options, reporters)
    tally = SerialisedCounts(result, tracker.per_policy)
    adds_serialised = [r.add_serialised for r in reporters if isinstance(r, TakesSerialised)]
    deferred: list[tuple[Resource, bool]] = []
    """Live resources a relationship policy judges, with whether a plain policy judged them."""

    def emit(findings: Iterable[Finding], sanitised: bool = False) -> bool:
        """Sanitise (unless a worker did), transform, count and report; True when there was one."""
        judged = False
        for finding in findings:
            judged = True
            if not sanitised:
                finding = clean(finding)
            for transform in transforms:
                finding = transform(finding)
            count(finding)
            track(finding)
            for add in adds:
                add(finding)
        return judged

    def consume(resources: Iterable[tuple[Resource, Iterable[Finding] | SerialisedFindings | None]],
                live: bool = False) -> None:
        # `done`: the findings a worker already evaluated and sanitised (scanner.parallel),
        # as objects or, when `serialised`, as the JSON reporter's bytes.
        for resource, done in resources:
            if not ids.admit(resource):
                continue
            if options.resource_observers:
                clean = stage.resource(resource)
                for observe in options.resource_observers:
                    observe(clean)
            if live and related:
                # A live source is read once: index it as it streams and hold back only the
                # resources a relationship policy judges, until every source has been read.
                related.add(resource)
                judged = emit(engine.findings(resource, "plain"))
                if engine.has_relational(resource.type_key):
                    deferred.append((resource, judged))
                else:
                    coverage.add(resource, judged)
                continue
            if done is None:
                judged = emit(engine.findings(resource))
            elif isinstance(done, SerialisedFindings):
                judged = bool(done.codes)
                tally.add(done)
                for add_serialised in adds_serialised:
                    add_serialised(done)
            else:
                judged = emit(done, sanitised=True)
            coverage.add(resource, judged)

    inventories = read_inventories(options.inputs, options.input_format) if options.inputs else []
    with _pool(options, catalog, engine, inventories, serialised) as pool:
        for inv in inventories:
            pairs = pool.evaluated(inv)
            consume(options.wrap_input(inv.path.as_posix(), pairs) if options.wrap_input else pairs)
            result.inputs.append({"source": inv.path.as_posix(), "sha256": inv.sha256,
                                  "resources": inv.count, "format": inv.format})
            if skipped := ids.take_skipped():
                result.inputs[-1]["duplicates_skipped"] = skipped
            result.incomplete.extend(stage.incomplete(inv.incomplete))
    shards.verify(inventories, options.inputs)  # a sharded collection is read whole, or not at all
    for collector in options.collectors:
        digest, counter = hashlib.sha256(), [0]
        consume(((r, None) for r in _hashing(collector.collect(), digest, counter)), live=True)
        result.inputs.append({"source": collector.name, "sha256": digest.hexdigest(),
                              "resources": counter[0], "format": "live"})
        if skipped := ids.take_skipped():
            result.inputs[-1]["duplicates_skipped"] = skipped
        result.incomplete.extend(stage.incomplete(
            [{"scope": s.scope, "reason": s.reason} for s in collector.incomplete]))
        related.mark_unread((s.scope, s.reason) for s in collector.incomplete)  # before deferred
    for resource, judged in deferred:
        judged = emit(engine.findings(resource, "relational")) or judged
        coverage.add(resource, judged)
    deferred.clear()
    tally.fold()
    result.coverage = coverage.result()
    if related and options.inputs:  # live collectors fetch what the policies follow
        for rtype, why in unfollowed_relations(catalog.policies, related.present, coverage.types):
            _log.warning("%s", why)
            result.incomplete.extend(stage.incomplete([{"scope": rtype, "reason": why}]))
    if not coverage.judged and not result.incomplete and not options.allow_empty:
        # an incomplete scan that judged nothing exits 3: the unread scope is the news
        raise EmptyScanError(empty_scan_message(result.coverage))
    result.controls = tracker.rollup()
    result.finished_at = now_iso()
    for finish in options.finishers:
        finish(result)
    stage.header(result)
    for reporter in reporters:
        reporter.finish(result)
    coverage.close()
    return result
