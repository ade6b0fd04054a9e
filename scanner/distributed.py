"""
Evaluate JSONL shards on a Dask cluster (`ccscan scan SHARDS... --dask ADDRESS`).

The same split as scanner.parallel, across machines: the client cuts every JSONL file into
newline-aligned byte ranges (hashing it on the way, for the result's and the bundle's
sha256), each Dask task evaluates one range (`parallel.evaluate_range`) and sanitises its
findings, and the client takes the ranges back in file order (`parallel.take_chunk`) and does
everything else exactly as a one-process scan. So ids, order, counts and bundle bytes are
those of `--workers 1`.

What ships to the workers, once per scan: the selected policies' YAML documents, which every
worker compiles once (compiled conditions hold re2 patterns and closures, which neither pickle
nor cloudpickle can carry), and, with relationship policies, the relation index that pass 1
built in the client. They travel as one task's result, which each worker fetches once and
the scheduler recomputes if the workers holding it die (scattered data would be lost with
them). Workers read the shard files themselves: the paths must name the same bytes on every
worker (a shared filesystem; for `local:N`, this machine). Whole-file JSON and standard input
are evaluated in the client.

A worker that dies is replaced by Dask, which reruns its tasks (up to the scheduler's
`allowed-failures`); a range that is still lost ends the scan with exit 3 and no output,
never a smaller scan.
"""

from __future__ import annotations

import logging
import threading
import uuid
import warnings
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Self

from scanner import __version__
from scanner.engine import Engine
from scanner.errors import CcscanError, InputError, UsageError
from scanner.inventory.files import InventoryFile
from scanner.inventory.resource import Resource
from scanner.parallel import Evaluated, _chunks, evaluate_range, take_chunk
from scanner.policy.catalog import Catalog
from scanner.relindex import RelationIndex
from scanner.sanitise import Sanitiser

CONNECT_TIMEOUT = 20
"""Seconds to reach the scheduler, and again for a first worker to join it."""
LOCAL_PROCESSES = True
"""`local:N` workers are processes (as on a cluster); tests may use threads to start faster."""
_SCHEMES = ("tcp://", "tls://")
_LOCAL = "local:"


class ShardLost(CcscanError):
    """A range that no worker could evaluate: the scan is incomplete (exit 3), nothing is written."""

    exit_code = 3


class WorkerMismatch(Exception):
    """Raised on a worker whose ccscan compiles a shipped policy differently (another version)."""


def parse_address(text: str) -> str:
    """`--dask`: `local:N` (1 to 64 workers on this machine), `tcp://HOST:PORT` or `tls://HOST:PORT`."""
    value = text.strip()
    if value.lower().startswith(_LOCAL):
        n = value[len(_LOCAL):]
        if not (n.isascii() and n.isdigit() and 1 <= int(n) <= 64):
            raise UsageError(f"--dask local:N needs N from 1 to 64, not {text!r}")
        return f"{_LOCAL}{int(n)}"
    scheme = next((s for s in _SCHEMES if value.lower().startswith(s)), None)
    rest = value[len(scheme):] if scheme else ""
    host, _, port = rest.rpartition(":")
    if scheme is None or not host or not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise UsageError(f"--dask must be local:N, tcp://HOST:PORT or tls://HOST:PORT, not {text!r}")
    return scheme + rest


def require() -> None:
    """Raise UsageError unless the dask extra is installed (checked before anything is read)."""
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        raise UsageError("--dask needs the dask extra: pip install 'ccscan[dask]'")


def _import_dask() -> Any:
    try:
        import distributed
    except ImportError:
        raise UsageError("--dask needs the dask extra: pip install 'ccscan[dask]'") from None
    return distributed


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0]}" if text else type(e).__name__


class DaskPool:
    """
    The `scanner.parallel.Pool` interface on a Dask cluster: `evaluated(inv)` yields
    (resource, sanitised findings) in file order (their JSON bytes when `serialised`), or
    (resource, None) where the client must evaluate. `inventories` is the scan's file list,
    in the order it will ask for them: ranges of the next files are already running while
    the client merges the current one.
    """

    def __init__(self, address: str, catalog: Catalog, keep_resources: bool,
                 engine: Engine | None, inventories: Sequence[InventoryFile],
                 serialised: bool = False) -> None:
        self.address = parse_address(address)
        self._catalog = catalog
        self._keep = keep_resources
        self._serialised = serialised
        self._related = engine.related if engine is not None else None
        self._planned = {id(inv) for inv in inventories if _shardable(inv)}
        self._feed = self._submissions([inv for inv in inventories if id(inv) in self._planned])
        self._pending: deque[tuple[Any, InventoryFile, Any]] = deque()
        self._digests: dict[int, str] = {}
        self._window = 2
        self._client: Any = None
        self._cluster: Any = None
        self._payload: Any = None
        self._quiet: list[tuple[logging.Logger, int]] = []

    def __enter__(self) -> Self:
        if not self._planned:
            return self  # nothing to distribute: no cluster to start or reach
        distributed = _import_dask()
        self._silence()
        try:
            self._connect(distributed)
            payload = {"key": uuid.uuid4().hex, "keep": self._keep, "serialised": self._serialised,
                       "policies": [(p.file, p.source, p.sha256) for p in self._catalog.policies],
                       "index": _index_state(self._related)}
            # A task, not scattered data: if every worker holding it dies, the scheduler
            # recomputes it from the graph; scattered data would be lost with its tasks.
            with warnings.catch_warnings():  # "large graph": the index is big on purpose
                warnings.simplefilter("ignore")
                self._payload = self._client.submit(_hold, payload, pure=False,
                                                    key=f"ccscan-payload-{payload['key']}")
        except BaseException:
            self.__exit__()
            raise
        return self

    def _connect(self, distributed: Any) -> None:
        if self.address.startswith(_LOCAL):
            n = int(self.address[len(_LOCAL):])
            try:
                with warnings.catch_warnings():  # "port 8787 in use": its status page moves, harmless
                    warnings.simplefilter("ignore")
                    self._cluster = distributed.LocalCluster(
                        n_workers=n, threads_per_worker=1, processes=LOCAL_PROCESSES, host="127.0.0.1",
                        protocol="tcp", dashboard_address=None, silence_logs=logging.ERROR)
            except (OSError, RuntimeError, TimeoutError) as e:  # no port, no process: an environment error
                raise UsageError(f"--dask {self.address}: cannot start the cluster ({_first_line(e)})") from None
            target: Any = self._cluster
        else:
            target = self.address
        try:
            self._client = distributed.Client(target, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError) as e:
            raise UsageError(f"--dask {self.address}: cannot reach the scheduler ({_first_line(e)})") from None
        try:
            self._client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError):
            raise UsageError(f"--dask {self.address}: no worker joined the scheduler "
                             f"within {CONNECT_TIMEOUT} s") from None
        try:
            versions = self._client.run(_worker_version)
        except Exception as e:  # noqa: BLE001 - whatever a worker without ccscan raises
            raise UsageError(f"--dask {self.address}: the workers cannot run ccscan "
                             f"(install ccscan[dask] {__version__} on each): {_first_line(e)}") from None
        wrong = sorted(f"{w} has {v}" for w, v in versions.items() if v != __version__)
        if wrong:
            raise UsageError(f"--dask {self.address}: workers must run ccscan {__version__}: "
                             + ", ".join(wrong))
        self._window = 2 * max(1, sum(self._client.nthreads().values()))

    def _silence(self) -> None:
        # Dask logs a worker's death, retries and shutdown chatter; the scan says it in one line.
        for name in ("distributed", "tornado"):
            log = logging.getLogger(name)
            self._quiet.append((log, log.level))
            log.setLevel(logging.CRITICAL)

    def __exit__(self, *exc: object) -> None:
        for future, _, _ in self._pending:
            if future is not None and hasattr(future, "cancel"):
                future.cancel()
        self._pending.clear()
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:  # also on Ctrl-C: no worker process outlives the scan
            self._cluster.close()
            self._cluster = None
        for log, level in self._quiet:
            log.setLevel(level)
        self._quiet.clear()

    def evaluated(self, inv: InventoryFile) -> Iterator[tuple[Resource, Evaluated]]:
        if id(inv) not in self._planned:
            for resource in inv:
                yield resource, None
            return
        inv.format = "jsonl"
        seen_any = False
        while True:
            self._pump()
            if not self._pending or self._pending[0][1] is not inv:
                break
            future, _, where = self._pending.popleft()
            if isinstance(future, BaseException):
                raise future
            seen_any = yield from take_chunk(inv, self._result(future, inv, where), seen_any)
        if not seen_any:
            raise InputError("empty file", inv.path)
        inv.sha256 = self._digests.pop(id(inv))

    def _pump(self) -> None:
        while len(self._pending) < self._window:
            item = next(self._feed, None)
            if item is None:
                return
            self._pending.append(item)

    def _submissions(self, inventories: list[InventoryFile]) -> Iterator[tuple[Any, InventoryFile, Any]]:
        import hashlib

        for inv in inventories:
            digest = hashlib.sha256()
            try:
                for start, end, line, seen_before in _chunks(inv.path, digest):
                    future = self._client.submit(_evaluate_shard, self._payload, str(inv.path), start,
                                                 end, line, seen_before, pure=False)
                    yield future, inv, (start, end)
            except InputError as e:  # raised when the scan reaches this file, as in one process
                yield e, inv, None
                continue
            self._digests[id(inv)] = digest.hexdigest()

    def _result(self, future: Any, inv: InventoryFile, where: tuple[int, int]) -> dict[str, Any]:
        distributed = _import_dask()
        lost = (distributed.client.FutureCancelledError, distributed.scheduler.KilledWorker,
                distributed.comm.CommClosedError, OSError, TimeoutError)
        try:
            out: dict[str, Any] = future.result()
        except WorkerMismatch as e:
            raise UsageError(f"--dask {self.address}: {e} (install the same ccscan on every worker)") from None
        except lost as e:
            raise ShardLost(f"bytes {where[0]}-{where[1]} were not evaluated: lost on the Dask "
                            f"cluster ({_first_line(e)}); the scan is incomplete", inv.path) from None
        return out


def _shardable(inv: InventoryFile) -> bool:
    return type(inv) is InventoryFile and inv.path.suffix.lower() == ".jsonl"


def _index_state(index: RelationIndex | None) -> tuple[Any, ...] | None:
    # Only the lookup tables: the getters are rebuilt from the policies on the worker.
    if not index:
        return None
    return index.by_key, index.by_back, index.by_parent


def _hold(payload: dict[str, Any]) -> dict[str, Any]:
    return payload


def _worker_version() -> str:
    return __version__


_compiled: dict[str, tuple[Engine, Sanitiser]] = {}
_lock = threading.Lock()


def _worker_engine(payload: dict[str, Any]) -> tuple[Engine, Sanitiser]:
    """The engine for this scan, compiled once per worker process (tasks share it)."""
    with _lock:
        got = _compiled.get(payload["key"])
        if got is None:
            catalog = _compile(payload["policies"])
            related = RelationIndex(catalog.relations())
            if payload["index"] is not None:
                related.by_key, related.by_back, related.by_parent = payload["index"]
            got = (Engine(catalog, related), Sanitiser())
            _compiled.clear()  # one scan at a time per worker keeps memory flat
            _compiled[payload["key"]] = got
        return got


def _compile(sources: list[tuple[str, Any, str]]) -> Catalog:
    from scanner.policy.catalog import _load_policy

    policies = []
    for file, doc, sha256 in sources:
        messages: list[Any] = []
        # the client linted and type-checked them; a worker only compiles
        policy = _load_policy(Path(file), doc, messages, type_check=False)
        if policy is None or policy.sha256 != sha256:  # a worker whose compiler differs
            raise WorkerMismatch(f"{file}: policy {doc.get('id')!r} compiles differently on a worker")
        policies.append(policy)
    return Catalog(policies=policies)


def _evaluate_shard(payload: dict[str, Any], path: str, start: int, end: int, first_line: int,
                    seen_before: bool) -> dict[str, Any]:
    engine, stage = _worker_engine(payload)
    return evaluate_range(engine, stage, payload["keep"], path, start, end, first_line, seen_before,
                          payload["serialised"])
