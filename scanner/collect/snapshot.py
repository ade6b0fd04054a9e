"""
Write a ccscan snapshot (JSONL: one header line, then one canonical resource per line).

A snapshot scans exactly like the live source did, incomplete scopes included.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from scanner import __version__
from scanner.collect.base import Collector
from scanner.scan import now_iso

SNAPSHOT_VERSION = 1


def write_snapshot(collectors: list[Collector], out: Path) -> tuple[int, list[dict[str, str]]]:
    """
    Collect every collector into `out` (atomically: a temp file renamed at the end).

    Returns (resource count, incomplete scopes). The header, written last-but-placed-first,
    records what could not be read.
    """
    out = out.resolve()
    count = 0
    body = tempfile.NamedTemporaryFile("w+", encoding="utf-8", dir=out.parent, delete=False, suffix=".part")
    try:
        with body:
            for collector in collectors:
                for resource in collector.collect():
                    body.write(json.dumps(resource.doc, ensure_ascii=False, sort_keys=True, default=str))
                    body.write("\n")
                    count += 1
            header: dict = {
                "ccscan_snapshot": SNAPSHOT_VERSION,
                "collector": "+".join(c.name for c in collectors),
                "tool_version": __version__,
                "time": now_iso(),
                "source": ",".join(c.name for c in collectors),
                "resource_count": count,
            }
            for c in collectors:
                header.update(c.snapshot_header())
            incomplete = [{"scope": s.scope, "reason": s.reason} for c in collectors for s in c.incomplete]
            header["incomplete"] = incomplete
            final = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=out.parent, delete=False, suffix=".part")
            with final:
                final.write(json.dumps(header, ensure_ascii=False, sort_keys=True, default=str) + "\n")
                body.seek(0)
                for line in body:
                    final.write(line)
        os.replace(final.name, out)
    finally:
        for name in (body.name, locals().get("final") and final.name):
            if name and os.path.exists(name):
                os.unlink(name)
    return count, incomplete
