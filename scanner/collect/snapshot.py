"""
Write a ccscan snapshot (JSONL: one header line, then one canonical resource per line).

A snapshot scans exactly like the live source did, incomplete scopes included.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.atomic import replacing
from scanner.collect.base import Collector
from scanner.scan import now_iso

SNAPSHOT_VERSION = 1


def _header(collectors: list[Collector], count: int) -> dict[str, Any]:
    extras = [c.snapshot_header() for c in collectors]
    header: dict[str, Any] = {}
    for extra in extras:  # collector details: cloud, subscriptions, regions, API versions…
        header.update(extra)
    header.update({
        "ccscan_snapshot": SNAPSHOT_VERSION,
        "collector": "+".join(c.name for c in collectors),
        "tool_version": __version__,
        "time": now_iso(),
        "source": ",".join(str(e.get("source") or c.name) for e, c in zip(extras, collectors, strict=True)),
        "resource_count": count,
        "incomplete": [{"scope": s.scope, "reason": s.reason} for c in collectors for s in c.incomplete],
    })
    return header


def write_snapshot(collectors: list[Collector], out: Path) -> tuple[int, list[dict[str, str]]]:
    """
    Collect every collector into `out`, atomically; return (resource count, incomplete scopes).

    The header needs what only the end of collection knows (counts, incomplete scopes), so
    resources are spooled first. Raises UsageError before collecting if `out` is unwritable.
    """
    out = out.resolve()
    count = 0
    # entered before collecting: an unwritable destination is an error before any request
    with replacing(out, "snapshot") as final, tempfile.TemporaryFile("w+b") as body:
        for collector in collectors:
            for resource in collector.collect():
                line = json.dumps(resource.doc, ensure_ascii=False, sort_keys=True, default=str) + "\n"
                body.write(line.encode("utf-8"))
                count += 1
        header = _header(collectors, count)
        final.write((json.dumps(header, ensure_ascii=False, sort_keys=True, default=str) + "\n").encode("utf-8"))
        body.seek(0)
        shutil.copyfileobj(body, final)
    return count, header["incomplete"]
