"""
Seeded generator of a synthetic Azure (ARM) inventory for the ccscan benchmark.

Writes N canonical resources of the types the built-in Azure packs check (virtual machines,
managed disks, Cognitive Services / Azure OpenAI accounts, App Service sites, storage
accounts, key vaults, Azure ML workspaces), ~1-2 KB each, mixing compliant, non-compliant
and incomplete (list-response) documents. The same `--seed` and `--count` give the same
bytes. Output is a ccscan snapshot: JSONL (a header line, then one resource per line) or
JSON (the header with a `resources` array). Both are streamed: a million resources never
sit in memory together.

    python bench/generate.py --count 100000 --seed 7 --format jsonl --out /tmp/inv.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import IO, Any

from estate import SUBSCRIPTIONS, generate_resources

try:  # orjson (the `fast` extra) is several times faster; it writes the same bytes.
    from orjson import dumps as _dumps
except ImportError:  # pragma: no cover - depends on the install
    def _dumps(doc: Any) -> bytes:
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


SNAPSHOT_TIME = "2026-11-28T12:00:00Z"
"""Fixed, so that the same seed gives the same file."""


def snapshot_header(count: int, seed: int) -> dict[str, Any]:
    """The ccscan snapshot header of a generated inventory."""
    return {
        "ccscan_snapshot": 1, "collector": "azure", "tool_version": "0.1.0",
        "time": SNAPSHOT_TIME, "source": "bench:synthetic", "cloud": "AzureCloud",
        "subscriptions": list(SUBSCRIPTIONS), "resource_count": count,
        "generator": {"name": "bench/generate.py", "seed": seed}, "incomplete": [],
    }


def write_inventory(out: IO[bytes], count: int, seed: int = 1, fmt: str = "jsonl") -> int:
    """
    Stream a snapshot of `count` resources to the binary stream `out`; return bytes written.
    """
    written = 0
    header = snapshot_header(count, seed)
    if fmt == "jsonl":
        written += out.write(_dumps(header) + b"\n")
        for doc in generate_resources(count, seed):
            written += out.write(_dumps(doc) + b"\n")
        return written
    if fmt != "json":
        raise ValueError(f"unknown format {fmt!r} (json or jsonl)")
    # The header object left open, then the array, one resource per line (so that the loader
    # can report each resource's line).
    written += out.write(_dumps(header)[:-1] + b',"resources":[\n')
    for n, doc in enumerate(generate_resources(count, seed)):
        written += out.write((b",\n" if n else b"") + _dumps(doc))
    written += out.write(b"\n]}\n")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000,
                        help="resources to generate (default 100000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--format", choices=("json", "jsonl"), default="jsonl")
    parser.add_argument("--out", type=Path, required=True, help="output file ('-' for stdout)")
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must be >= 0")
    started = time.perf_counter()
    if str(args.out) == "-":
        size = write_inventory(sys.stdout.buffer, args.count, args.seed, args.format)
    else:
        with args.out.open("wb", buffering=1 << 20) as f:
            size = write_inventory(f, args.count, args.seed, args.format)
    took = time.perf_counter() - started
    avg = (size / args.count) if args.count else 0
    print(f"wrote {args.count} resources, {size / 1e6:.1f} MB ({avg:.0f} B/resource) "
          f"to {args.out} in {took:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
