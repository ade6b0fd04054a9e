"""
Write a live collection as one snapshot per shard (Azure subscription, AWS account) and a
manifest listing them, so that collection and evaluation can both be split.

DIR/azure-<subscription>.jsonl and DIR/aws-<account>.jsonl are ordinary snapshots (`ccscan
scan FILE` reads each alone); DIR/ccscan-shards.jsonl, written last, is a snapshot without
resources whose header lists every shard with its sha256 and carries the incomplete scopes
that belong to no one shard. `ccscan scan DIR/` checks the manifest against the files it read
(scanner.inventory.shards), so a missing, changed or stale shard is an error, never a
smaller scan.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from scanner import __version__
from scanner.atomic import replacing
from scanner.collect.base import Collector, IncompleteScope
from scanner.errors import UsageError
from scanner.scan import now_iso

logger = logging.getLogger(__name__)

MANIFEST = "ccscan-shards.jsonl"
SHARD_BY = ("subscription", "account")
"""Both name one unit: an Azure subscription, an AWS account (the clouds' own words)."""
SNAPSHOT_VERSION = 1

_KEY = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,127}")
"""A shard key that is safe as part of a file name (subscription GUIDs, 12-digit accounts)."""


@dataclass
class Shard:
    """
    One subscription's or account's snapshot, spooled until the end of the collection.
    """

    collector: Collector
    key: str
    count: int = 0
    incomplete: list[IncompleteScope] = field(default_factory=list)
    segments: list[list[int]] = field(default_factory=list)
    """[start, end) byte ranges of the shared spool holding this shard's resource lines."""

    def add(self, start: int, end: int) -> None:
        if self.segments and self.segments[-1][1] == start:
            self.segments[-1][1] = end  # resources of a shard arrive together: one range
        else:
            self.segments.append([start, end])

    @property
    def file(self) -> str:
        return f"{self.collector.name}-{self.key}.jsonl"


@dataclass(frozen=True)
class ShardReport:
    """What `write_shards` wrote: shard files, resource count, every incomplete scope."""

    files: list[Path]
    count: int
    incomplete: list[dict[str, str]]
    stale: list[Path]
    """Shard-like files in the directory that this run did not write (a scan of DIR refuses them)."""


def check_directory(out_dir: Path) -> Path:
    """
    Return `out_dir` resolved; raise UsageError (exit 2) unless it is a writable directory,
    before anything is collected. A missing directory is created (its parent must exist).
    """
    if str(out_dir) == "-":
        raise UsageError("--shard-by writes one file per shard: -o must be a directory, "
                         "not standard output")
    out = out_dir.resolve()
    if not out.exists():
        try:
            out.mkdir()
        except OSError as e:
            raise UsageError(f"cannot create shard directory {out}: {e.strerror or e}") from None
    if not out.is_dir():
        raise UsageError(f"--shard-by writes one file per shard: -o {out} must be a directory")
    try:
        fd, probe = tempfile.mkstemp(prefix=".ccscan-probe.", dir=out)
    except OSError as e:
        raise UsageError(f"cannot write in shard directory {out}: {e.strerror or e}") from None
    os.close(fd)
    os.unlink(probe)
    return out


def write_shards(collectors: list[Collector], out_dir: Path) -> ShardReport:
    """
    Collect into one snapshot per subscription/account under `out_dir`, then the manifest.

    Every shard the collectors know of gets a file, also one whose every read failed (it then
    holds no resources and says why in its header). Raises UsageError for an unusable
    directory; collector errors (sign-in) propagate and leave no new file behind.
    """
    out = check_directory(out_dir)
    run = str(uuid.uuid4())
    shards: dict[tuple[str, str], Shard] = {}
    # One unnamed spool for every shard (a crash leaves nothing behind; 10,000 subscriptions
    # do not need 10,000 open files): the headers need counts known only at the end.
    with tempfile.TemporaryFile("w+b", dir=out) as spool:
        for collector in collectors:
            current: Shard | None = None
            for resource in collector.collect():
                key = _key_of(collector, resource.source, resource.doc)
                if current is None or current.key != key:
                    current = _shard(shards, collector, key)
                start = spool.tell()
                spool.write(_jsonl(resource.doc))
                current.add(start, spool.tell())
                current.count += 1
            for key in _known_keys(collector):
                _shard(shards, collector, key)
        orphans = _attribute(collectors, shards)
        order = [c.name for c in collectors]
        ordered = sorted(shards.values(), key=lambda s: (order.index(s.collector.name), s.key))
        written = [_write(out, shard, _shard_header(shard, run), spool) for shard in ordered]
        manifest = _manifest_header(collectors, ordered, orphans, run, written)
        _write_atomic(out / MANIFEST, _jsonl(manifest))
    files = [out / shard.file for shard in ordered]
    incomplete = [_scope(s) for shard in ordered for s in shard.incomplete]
    incomplete += [_scope(s) for s in orphans]
    names = {f.name for f in files} | {MANIFEST}
    stale = sorted(p for p in out.iterdir() if p.name not in names and _looks_like_shard(p.name))
    return ShardReport(files, sum(s.count for s in shards.values()), incomplete, stale)


def _key_of(collector: Collector, source: str, doc: dict[str, Any]) -> str:
    # The source says where the collector read the resource: `azure:<subscription>` (the
    # subscription listed, whatever the document's id says), `aws:<account>/<region>`.
    key = source.partition(":")[2].partition("/")[0].lower()
    if not _KEY.fullmatch(key):
        raise ValueError(f"{collector.name} resource {doc.get('id')!r} has no subscription or "
                         f"account to shard by (source {source!r})")
    return key


def _known_keys(collector: Collector) -> list[str]:
    # Subscriptions / accounts whose reads all failed yield no resource: they still get a shard.
    keys = getattr(collector, "shard_keys", None)
    return [k.lower() for k in keys() if _KEY.fullmatch(k.lower())] if keys else []


def _shard(shards: dict[tuple[str, str], Shard], collector: Collector, key: str) -> Shard:
    shard = shards.get((collector.name, key))
    if shard is None:
        shard = shards[(collector.name, key)] = Shard(collector, key)
    return shard


def _attribute(collectors: list[Collector], shards: dict[tuple[str, str], Shard]) -> list[IncompleteScope]:
    """
    Give each incomplete scope to the shard whose subscription/account it names; return the
    rest (subscription discovery, a resource group found nowhere), which the manifest keeps.
    """
    orphans: list[IncompleteScope] = []
    for collector in collectors:
        mine = {key: shard for (name, key), shard in shards.items() if name == collector.name}
        for scope in collector.incomplete:
            words = set(re.split(r"[\s/:()]+", scope.scope.lower()))
            owners = [shard for key, shard in mine.items() if key in words]
            if len(owners) == 1:
                owners[0].incomplete.append(scope)
            else:
                orphans.append(scope)
    return orphans


def _shard_header(shard: Shard, run: str) -> dict[str, Any]:
    header = dict(shard.collector.snapshot_header())
    # The run-wide lists name every subscription/account; a shard names its own.
    for field_name in ("subscriptions", "accounts"):
        if field_name in header:
            header[field_name] = [shard.key]
    header.update({
        "ccscan_snapshot": SNAPSHOT_VERSION,
        "collector": shard.collector.name,
        "tool_version": __version__,
        "time": now_iso(),
        "source": f"{shard.collector.name}:{shard.key}",
        "resource_count": shard.count,
        "incomplete": [_scope(s) for s in shard.incomplete],
        "shard": {"run": run, "key": shard.key, "manifest": MANIFEST},
    })
    return header


def _manifest_header(collectors: list[Collector], shards: list[Shard],
                     orphans: list[IncompleteScope], run: str,
                     written: list[str]) -> dict[str, Any]:
    listed = [
        {"file": shard.file, "collector": shard.collector.name, "key": shard.key,
         "sha256": digest, "resources": shard.count, "incomplete": len(shard.incomplete)}
        for shard, digest in zip(shards, written, strict=True)
    ]
    return {
        "ccscan_snapshot": SNAPSHOT_VERSION,
        "collector": "+".join(c.name for c in collectors),
        "tool_version": __version__,
        "time": now_iso(),
        "source": "shards:" + ",".join(c.name for c in collectors),
        "resource_count": 0,
        "incomplete": [_scope(s) for s in orphans],
        "shard_manifest": {"run": run, "shards": listed},
    }


def _write(out: Path, shard: Shard, header: dict[str, Any], spool: IO[bytes]) -> str:
    """Write one shard atomically; return its sha256 (of the bytes on disk)."""
    return _write_atomic(out / shard.file, _jsonl(header), _ranges(spool, shard.segments))


def _ranges(spool: IO[bytes], segments: list[list[int]]) -> Iterator[bytes]:
    for start, end in segments:
        spool.seek(start)
        while start < end:
            chunk = spool.read(min(_CHUNK, end - start))
            if not chunk:
                raise OSError(f"shard spool ended at byte {start} of {end}")
            start += len(chunk)
            yield chunk


def _write_atomic(dest: Path, head: bytes, body: Iterable[bytes] = ()) -> str:
    digest = hashlib.sha256(head)
    with replacing(dest) as f:
        f.write(head)
        for chunk in body:
            digest.update(chunk)
            f.write(chunk)
    return digest.hexdigest()


def _jsonl(doc: dict[str, Any]) -> bytes:
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True, default=str) + "\n"
    try:
        return text.encode()
    except UnicodeEncodeError:  # a lone surrogate (from a `\\udXXX` escape): keep it escaped
        return (json.dumps(doc, sort_keys=True, default=str) + "\n").encode()


_CHUNK = 1 << 20


def _scope(s: IncompleteScope) -> dict[str, str]:
    return {"scope": s.scope, "reason": s.reason}


def _looks_like_shard(name: str) -> bool:
    return re.fullmatch(r"(azure|aws)-[^/]+\.jsonl", name) is not None
