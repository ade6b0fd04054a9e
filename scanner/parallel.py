"""
Evaluate JSONL inventories in worker processes (`ccscan scan --workers N`).

The parent cuts each large JSONL file into newline-aligned byte ranges (hashing the file as
it goes); each worker reads its range with the loader's own per-line rules
(`InventoryFile.jsonl_records`), evaluates every resource and sanitises its findings. The
parent takes the chunks back in file order and does everything else exactly as a one-process
scan: duplicate ids, resource observers (bundle, --explain), waivers and baselines, counts,
controls, reporters. So ids, order, counts and bytes are those of `--workers 1`.

When every output is `--format json` and no waiver or baseline changes findings, workers send
each finding back as the bytes the JSON reporter writes, with its (policy, severity, status)
as a small code (`SerialisedFindings`): the parent builds no Finding, only de-duplicates,
counts and copies bytes, so it no longer bounds the speed-up. Otherwise findings come back
as plain tuples that the parent rebuilds for its reporters and transforms.

Workers are forked (POSIX): the compiled catalog is inherited, not pickled, so any policy
set works that decides one resource at a time. Not parallel: whole-file JSON, collectors,
files under MIN_BYTES, and platforms without fork (Windows), which evaluate in the parent.
"""

from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import os
import re
from array import array
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, Self

from scanner.engine import Engine
from scanner.errors import InputError, UsageError
from scanner.findings import Evidence, Finding, SerialisedFindings
from scanner.inventory.files import InventoryFile
from scanner.inventory.resource import Resource
from scanner.policy.catalog import Catalog
from scanner.sanitise import Sanitiser

MAX_AUTO_WORKERS = 4
CHUNK_BYTES = 8 * 1024**2
"""Bytes per task: big enough that pickling a chunk's findings back is cheap per finding."""
MIN_BYTES = 32 * 1024**2
"""A JSONL file smaller than this is read in the parent: forking would cost more than it saves."""
_BLOCK = 16 * 1024**2
_WHITESPACE = b" \t\n\r\x0b\x0c"

_CAN_FORK = "fork" in multiprocessing.get_all_start_methods()
"""Without fork (Windows) everything is evaluated in the parent: same result, one core."""
_NTH = re.compile(r"resource #(\d+)")
_state: dict[str, Any] = {}
"""The catalog, engine and sanitiser, set before the pool forks: workers inherit them."""


def parse_workers(text: str) -> int | None:
    """
    `--workers`: a whole number from 1 to 64, or None for `auto` (the scan decides:
    `workers_for`); raise UsageError otherwise.
    """
    if text.strip().lower() == "auto":
        return None
    if not text.strip().isascii() or not text.strip().isdigit() or not 1 <= int(text) <= 64:
        raise UsageError(f"--workers must be a whole number from 1 to 64, or auto, not {text!r}")
    return int(text)


def workers_for(chosen: int | None, serialised: bool) -> int:
    """
    The processes a scan evaluates with: the number given, or for `auto` (None) the cores
    (`auto_workers`) when workers send findings back as bytes, else 1. Measured on 2 idle
    cores (bench/README.md): bytes, 1.34x faster at 100k, 1.32x at 1M; findings rebuilt in
    the parent (SARIF), 1.03x for 1.8x the CPU, which is no default.
    """
    if chosen is not None:
        return chosen
    return auto_workers() if serialised else 1


def auto_workers(cpu_max: Path = Path("/sys/fs/cgroup/cpu.max")) -> int:
    """
    The default `--workers`: the cores this process may use, at most MAX_AUTO_WORKERS, and no
    more than a cgroup v2 CPU quota allows (a container limited to 1.5 CPUs gets 1 worker:
    more processes than its quota only take turns, and the parent is then the slowest).
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    quota = _cgroup_cpus(cpu_max)
    if quota is not None:
        cores = min(cores, quota)
    return max(1, min(cores, MAX_AUTO_WORKERS))


def _cgroup_cpus(cpu_max: Path) -> int | None:
    """Whole CPUs of a cgroup v2 `cpu.max` ("QUOTA PERIOD", or "max PERIOD": none), if readable."""
    try:
        quota, period = cpu_max.read_text(encoding="ascii").split()
        if quota == "max":
            return None
        return max(1, int(quota) // int(period))
    except (OSError, ValueError, UnicodeDecodeError, ZeroDivisionError):
        return None  # no cgroup v2, or a file we cannot read: the affinity mask decides


Evaluated = tuple[Finding, ...] | SerialisedFindings | None
"""What a pool yields beside each resource: sanitised findings, their bytes, or None
(the parent evaluates)."""


class Pool:
    """
    Worker processes for one scan; `evaluated(inv)` yields (resource, findings) pairs in file
    order, with findings sanitised (as `SerialisedFindings` when `serialised`), or
    (resource, None) where the parent must evaluate.
    """

    def __init__(self, catalog: Catalog, workers: int, keep_resources: bool,
                 engine: Engine | None = None, serialised: bool = False) -> None:
        self.workers = workers
        self.keep_resources = keep_resources
        self.serialised = serialised
        self._catalog = catalog
        # The scan's own engine: with relationship policies it holds the relation index that
        # pass 1 built, and forked workers inherit it.
        self._engine = engine
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            _state.clear()
            _state.update(catalog=self._catalog, engine=self._engine or Engine(self._catalog),
                          stage=Sanitiser(),
                          keep=self.keep_resources, serialised=self.serialised)
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"))
        return self._pool

    def evaluated(self, inv: InventoryFile) -> Iterator[tuple[Resource, Evaluated]]:
        if (self.workers < 2 or not _CAN_FORK or inv.path.suffix.lower() != ".jsonl"
                or _size(inv.path) < MIN_BYTES):
            for resource in inv:
                yield resource, None
            return
        yield from self._chunked(inv)

    def _chunked(self, inv: InventoryFile) -> Iterator[tuple[Resource, Evaluated]]:
        pool = self._executor()
        digest = hashlib.sha256()
        pending: list[Future[dict[str, Any]]] = []
        seen_any = False
        inv.format = "jsonl"
        # At most 2 chunks per worker in flight: memory stays flat, workers stay busy.
        for chunk in _chunks(inv.path, digest):
            pending.append(pool.submit(_evaluate_chunk, str(inv.path), *chunk))
            while len(pending) > 2 * self.workers:
                seen_any = yield from self._take(inv, pending.pop(0), seen_any)
        while pending:
            seen_any = yield from self._take(inv, pending.pop(0), seen_any)
        if not seen_any:
            raise InputError("empty file", inv.path)
        inv.sha256 = digest.hexdigest()

    def _take(self, inv: InventoryFile, future: Future[dict[str, Any]],
              seen_any: bool) -> Generator[tuple[Resource, Evaluated], None, bool]:
        return (yield from take_chunk(inv, future.result(), seen_any))


def take_chunk(inv: InventoryFile, out: dict[str, Any],
               seen_any: bool) -> Generator[tuple[Resource, Evaluated], None, bool]:
    """
    Merge one chunk's results (`evaluate_range`) into `inv`, in order; return whether any
    non-blank line was seen so far. Shared by the forked pool and scanner.distributed.
    """
    if out["header"] is not None:
        inv.format = "snapshot"
        inv.header, inv.incomplete = out["header"]
    inv.count += len(out["items"])
    if out["blob"] is not None:
        yield from _serialised_items(out)
    else:
        for resource, flat in out["items"]:
            yield resource, tuple(map(_rebuilt, flat))
    if out["error"] is not None:
        message, path, line, col, local = out["error"]
        if m := _NTH.match(message):  # the worker counted from its chunk's first resource
            n = int(m.group(1)) + inv.count - local
            message = f"resource #{n}{message[m.end():]}"
        raise InputError(message, path, line, col)
    return seen_any or bool(out["seen_any"])


def _serialised_items(out: dict[str, Any]) -> Iterator[tuple[Resource, SerialisedFindings]]:
    blob, codes, keys = memoryview(out["blob"]), out["codes"], out["keys"]
    at = done = 0
    for lite, n, end in out["items"]:
        if type(lite) is tuple:  # (id, type, source, line): all the parent needs without observers
            lite = Resource({"id": lite[0], "type": lite[1]}, lite[2], lite[3])
        yield lite, SerialisedFindings(blob[at:end], codes[done:done + n], keys)
        at, done = end, done + n


def _flat(f: Finding) -> tuple[Any, ...]:
    # Plain tuples pickle in C (and a policy's title/remediation once per chunk: pickle
    # memoises them); frozen slotted dataclasses would go field by field in Python.
    values = [getattr(f, name) for name in _FIELDS]
    values[_EVIDENCE] = tuple((e.path, e.observed, e.present) for e in f.evidence)
    return tuple(values)


def _rebuilt(t: tuple[Any, ...]) -> Finding:
    values = list(t)
    values[_EVIDENCE] = tuple(Evidence(*e) for e in t[_EVIDENCE])
    return Finding(*values)


_FIELDS = tuple(f.name for f in dataclasses.fields(Finding))
_EVIDENCE = _FIELDS.index("evidence")


def _split_lines(data: bytes) -> list[bytes]:
    # As readline() cuts: at b"\n" only (bytes.splitlines also cuts at b"\r").
    parts = data.split(b"\n")
    lines = [p + b"\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the loader reports it


def _chunks(path: Path, digest: Any) -> Iterator[tuple[int, int, int, bool]]:
    """
    (start, end, first line, a non-blank byte before start) for newline-aligned ranges of
    about CHUNK_BYTES; hashes every byte into `digest` on the way.
    """
    try:
        f = path.open("rb")
    except OSError as e:
        raise InputError(f"cannot read file: {e.strerror or e}", path) from None
    with f:
        start = offset = 0
        line = 1  # line number at `start`
        lines_read = 0  # newlines in the bytes before `offset`
        nonblank_before = False  # a non-whitespace byte before `start`
        nonblank_read = False
        while block := f.read(_BLOCK):
            digest.update(block)
            pos = 0
            while True:
                want = start + CHUNK_BYTES - offset
                if want >= len(block):
                    break
                cut = block.find(b"\n", max(want, pos))
                if cut < 0:
                    break
                end = offset + cut + 1
                lines_in = lines_read + block.count(b"\n", 0, cut + 1)
                nonblank = nonblank_read or bool(block[:cut + 1].translate(None, _WHITESPACE))
                yield start, end, line, nonblank_before
                start, line, nonblank_before, pos = end, lines_in + 1, nonblank, cut + 1
            lines_read += block.count(b"\n")
            nonblank_read = nonblank_read or bool(block.translate(None, _WHITESPACE))
            offset += len(block)
        if offset > start or offset == 0:
            yield start, offset, line, nonblank_before


def _evaluate_chunk(path: str, start: int, end: int, first_line: int, seen_before: bool) -> dict[str, Any]:
    return evaluate_range(_state["engine"], _state["stage"], _state["keep"],
                          path, start, end, first_line, seen_before, _state["serialised"])


def evaluate_range(engine: Engine, stage: Sanitiser, keep: bool, path: str, start: int, end: int,
                   first_line: int, seen_before: bool, serialised: bool = False) -> dict[str, Any]:
    """
    Evaluate the newline-aligned byte range [start, end) of a JSONL file (from `_chunks`);
    the results `take_chunk` merges. Runs in a forked worker or a Dask worker.
    """
    inv = InventoryFile(Path(path), "auto")
    items: list[tuple[Any, ...]] = []
    out = _Serialiser() if serialised else None
    error = None
    try:
        with open(path, "rb") as f:
            f.seek(start)
            data = f.read(end - start)
        lines = enumerate(_split_lines(data), first_line)
        for resource in inv.jsonl_records(lines, seen_any=seen_before):
            found = [stage.finding(x) for x in engine.findings(resource)]
            if out is not None:
                lite = resource if keep else (resource.doc.get("id"), resource.doc.get("type"),
                                              resource.source, resource.line)
                items.append((lite, len(found), out.add(found)))
                continue
            if not keep:  # the parent needs only the id, file and line (duplicates)
                resource = Resource({"id": resource.doc.get("id"), "type": resource.doc.get("type")},
                                    resource.source, resource.line)
            items.append((resource, tuple(map(_flat, found))))
    except InputError as e:
        error = (e.message, e.path, e.line, e.col, inv.count)
    except OSError as e:
        error = (f"cannot read file: {e.strerror or e}", path, None, None, 0)
    header = (inv.header, inv.incomplete) if inv.format == "snapshot" else None
    chunk: dict[str, Any] = {"items": items, "header": header, "seen_any": inv.format_seen_any,
                             "error": error, "blob": None}
    if out is not None:
        chunk.update(blob=out.blob, codes=out.codes, keys=list(out.codes_of))  # no copy: pickled as is
    return chunk


class _Serialiser:
    """
    A chunk's findings as one buffer of `--format json` bytes (each finding after `,\\n`) and
    one code per finding for its (policy, severity, status): a few large objects to pickle
    instead of one per finding.
    """

    def __init__(self) -> None:
        # Imported here: `ccscan --help` imports this module but no reporter (test_startup.py).
        from scanner.report.json_report import finding_bytes

        self._bytes = finding_bytes
        self.blob = bytearray()
        self.codes = array("I")
        self.codes_of: dict[tuple[str, str, str], int] = {}

    def add(self, found: list[Finding]) -> int:
        """Append one resource's findings; return where its bytes end in `blob`."""
        blob, codes, codes_of = self.blob, self.codes, self.codes_of
        for f in found:
            key = (f.policy_id, f.severity, f.status)
            code = codes_of.get(key)
            if code is None:
                code = codes_of[key] = len(codes_of)
            codes.append(code)
            blob += b",\n"
            blob += self._bytes(f)
        return len(blob)
