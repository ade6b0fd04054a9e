"""
Peak memory of `ccscan scan --format html` on a large scan, next to `--format json` and no
output at all: the HTML reporter spools failing rows to a temp file, so its peak should be
the scan's own (as with CSV, which keeps nothing), whatever the number of findings.

    python bench/html_report.py --count 20000     # ~20k resources, ~100k findings

Each case runs in a fresh interpreter; peak RSS is the child's ru_maxrss.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CCSCAN = Path(sys.executable).with_name("ccscan")


def run(args: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of one ccscan run in a fresh process."""
    code = ("import resource, subprocess, sys, time; t=time.monotonic(); "
            "r=subprocess.run(sys.argv[1:]); "
            "print(time.monotonic()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)")
    out = subprocess.run([sys.executable, "-c", code, str(CCSCAN), *args], capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout.split()
    assert out[2] in ("0", "1", "3"), out
    return float(out[0]), int(out[1]) // 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--count", type=int, default=20000, help="resources to generate")
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        inv = d / "estate.jsonl"
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--count", str(opts.count),
                        "--seed", "1", "--format", "jsonl", "--out", str(inv)], check=True)
        started = time.monotonic()
        t, rss = run(["scan", str(inv), "--format", "json", "-o", str(d / "r.json"), "-q"])
        findings = json.loads((d / "r.json").read_text())["summary"]
        print(f"findings: {sum(findings.values())} ({findings})")
        print(f"json : {t:6.1f} s  peak {rss:5d} MiB")
        t, rss = run(["scan", str(inv), "--format", "html", "-o", str(d / "r.html"), "-q"])
        size = (d / "r.html").stat().st_size
        print(f"html : {t:6.1f} s  peak {rss:5d} MiB  ({size / 2**20:.1f} MiB file)")
        t, rss = run(["scan", str(inv), "--format", "csv", "-o", str(d / "r.csv"), "-q"])
        print(f"csv  : {t:6.1f} s  peak {rss:5d} MiB  (rows written as they come: the floor)")
        print(f"total bench time {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
