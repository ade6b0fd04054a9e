"""
Check that a scan of sharded snapshots (`ccscan collect --shard-by`) read every shard of the
collection, unchanged, and nothing from another collection.

The manifest (`ccscan-shards.jsonl`) lists each shard's file name and sha256; each shard's
header names the collection run it belongs to. Checked once the files have been read (their
sha256 is known then): a shard missing, edited or left over from another run would make the
scan smaller or mixed while looking complete, so each is an input error (exit 2).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from scanner.errors import InputError

_SHA256 = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,200}\.jsonl")


class ReadFile(Protocol):
    """What is known of one inventory file after it was read (InventoryFile)."""

    path: Path
    sha256: str
    header: dict[str, Any]


def verify(files: Sequence[ReadFile], given: Sequence[Path]) -> None:
    """
    Raise InputError (naming the file, line 1: the header) if the shards among `files` do not
    add up: a manifest's shard not read or not as collected, a shard of another run, or shards
    found in a directory without their manifest. `given` are the scan's own arguments: a shard
    named there alone may be scanned without its manifest.
    """
    manifests = [(f, _manifest(f)) for f in files if "shard_manifest" in f.header]
    shards = [(f, _shard(f)) for f in files if "shard" in f.header]
    if not manifests and not shards:
        return
    by_place = {_identity(f.path): f for f in files}
    listed: dict[tuple[int, int], str] = {}
    for manifest, (run, entries) in manifests:
        for entry in entries:
            path = manifest.path.parent / entry["file"]
            read = by_place.get(_identity(path))
            if read is None:
                raise InputError(f"shard {entry['file']} listed in this manifest was not scanned "
                                 "(missing? scan the whole directory)", manifest.path, 1)
            if read.sha256 != entry["sha256"]:
                raise InputError(f"shard {entry['file']} is not the file this manifest lists "
                                 "(its sha256 differs: changed since it was collected)",
                                 manifest.path, 1)
            listed[_identity(path)] = run
    explicit = {_identity(p) for p in given if p.is_file()}
    for shard, run in shards:
        where = _identity(shard.path)
        if where in listed:
            if listed[where] != run:
                raise InputError(f"this shard is from collection run {run}, not the run of the "
                                 "manifest that lists it", shard.path, 1)
            continue
        if manifests:
            raise InputError("this shard is not listed in the shard manifest scanned with it "
                             "(left over from another collection? remove it)", shard.path, 1)
        if where not in explicit and str(shard.path) != "-":  # named, or piped in: on purpose
            raise InputError("this shard was found without its manifest (ccscan-shards.jsonl, "
                             "written last by `ccscan collect --shard-by`): the collection did "
                             "not finish, or the manifest was removed; collect again, or name "
                             "the shard files to scan them alone", shard.path, 1)


def _manifest(f: ReadFile) -> tuple[str, list[dict[str, str]]]:
    body = f.header.get("shard_manifest")
    run = body.get("run") if isinstance(body, dict) else None
    entries = body.get("shards") if isinstance(body, dict) else None
    if not isinstance(run, str) or not run or not isinstance(entries, list):
        raise InputError("snapshot header 'shard_manifest' must be an object with a 'run' "
                         "and a 'shards' list", f.path, 1)
    for n, e in enumerate(entries):
        if (not isinstance(e, dict) or not isinstance(e.get("file"), str)
                or not _NAME.fullmatch(e["file"]) or not isinstance(e.get("sha256"), str)
                or not _SHA256.fullmatch(e["sha256"])):
            raise InputError(f"shard manifest entry #{n + 1} must name a .jsonl file in this "
                             "directory and its sha256", f.path, 1)
    return run, entries


def _shard(f: ReadFile) -> str:
    body = f.header.get("shard")
    run = body.get("run") if isinstance(body, dict) else None
    if not isinstance(run, str) or not run:
        raise InputError("snapshot header 'shard' must be an object with a 'run'", f.path, 1)
    return run


def _identity(path: Path) -> tuple[int, int]:
    # The same file reached as `shards/x.jsonl` and `./shards/../shards/x.jsonl`, or a link.
    try:
        st = os.stat(path)
    except OSError:
        return (-1, hash(os.path.abspath(path)))
    return (st.st_dev, st.st_ino)
