"""
Whole-process scans side by side in one run: JSONL with --workers 1 and 2, whole-file JSON
streamed and (optionally) parsed in memory. Wall, CPU (the scan and its workers) and peak RSS
(of the largest process: parent or one worker) per case, median of --repeat runs.

    python bench/scale.py --count 100000 --in-memory
    python bench/scale.py --count 1000000 --repeat 1 --dir /tmp/scale   # writes 2.7 GB once

Each case runs `python -m scanner scan FILE --format json -o /dev/null --scan-id bench`
in a fresh child process (os.wait4 gives its rusage, children included).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def _generate(path: Path, count: int, fmt: str) -> None:
    if path.exists():
        return
    subprocess.run([sys.executable, str(BENCH / "generate.py"), "--count", str(count),
                    "--format", fmt, "--out", str(path)], check=True)


def run_scan(args: list[str], env: dict[str, str], out: str = os.devnull) -> tuple[float, float, int, int]:
    """`ccscan scan ARGS --format json -o OUT` in a child: (wall, CPU, peak RSS in bytes, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "scanner", "scan", *args, "--format", "json",
                             "-o", out, "--scan-id", "bench"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    assert proc.stderr is not None
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"scan {' '.join(args)} failed ({code}): {err.strip()}")
    # ru_maxrss of wait4 is the largest of the child and the grandchildren it waited for.
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, help="keep the generated inventories here")
    parser.add_argument("--in-memory", action="store_true",
                        help="also scan the JSON file parsed in memory (~10 GB RSS at 1M)")
    args = parser.parse_args(argv)
    work = args.dir or Path(tempfile.mkdtemp(prefix="ccscan-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    jsonl, whole = work / f"{args.count}.jsonl", work / f"{args.count}.json"
    _generate(jsonl, args.count, "jsonl")
    _generate(whole, args.count, "json")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    cases = [
        ("JSONL, --workers 1", [str(jsonl), "--workers", "1"], env),
        ("JSONL, --workers 2", [str(jsonl), "--workers", "2"], env),
        ("JSON, streamed", [str(whole), "--workers", "1"], {**env, "CCSCAN_STREAM_JSON_BYTES": "0"}),
    ]
    if args.in_memory:
        cases.append(("JSON, in memory", [str(whole), "--workers", "1"],
                      {**env, "CCSCAN_STREAM_JSON_BYTES": str(1 << 40)}))
    runs: dict[str, list[tuple[float, float, int, int]]] = {name: [] for name, _, _ in cases}
    for _ in range(args.repeat):  # interleaved, so that load changes hit every case alike
        for name, case_args, case_env in cases:
            runs[name].append(run_scan(case_args, case_env))
    print(f"{args.count:,} resources ({jsonl.stat().st_size / 1e6:.0f} MB JSONL, "
          f"{whole.stat().st_size / 1e6:.0f} MB JSON), median of {args.repeat}, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("| case | wall s | CPU s | peak RSS MB | resources/s (wall) |\n|---|---|---|---|---|")
    base = statistics.median(r[0] for r in runs["JSONL, --workers 1"])
    for name, _, _ in cases:
        wall = statistics.median(r[0] for r in runs[name])
        cpu = statistics.median(r[1] for r in runs[name])
        rss = max(r[2] for r in runs[name])
        note = f" ({base / wall:.2f}x of --workers 1)" if name == "JSONL, --workers 2" else ""
        print(f"| {name} | {wall:.1f}{note} | {cpu:.1f} | {rss / 1e6:.0f} | {args.count / wall:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
