"""
`scan --dask` against one process on the same JSONL shards, side by side in one run: wall,
CPU and peak RSS of the scan process, and CPU and peak RSS of each Dask worker, median of
--repeat runs (interleaved, so that load changes hit every case alike).

    python bench/dask_scale.py --count 100000 --shards 8
    python bench/dask_scale.py --count 1000000 --shards 16 --repeat 1 --dir /tmp/dask-scale

Cases: `--workers 1` (one process); `--dask local:2` (the scan starts and stops its own
2-worker LocalCluster: what a user on one machine gets, start-up included); `--dask tcp://`
to a 2-worker LocalCluster this script started beforehand (a standing cluster: the scan
process is only the client, and the workers' own CPU and peak RSS are read from them).
Each scan runs `python -m scanner scan SHARDS... --format json -o /dev/null --scan-id bench`
in a fresh child process (os.wait4 gives its rusage, children included); the three results
are compared byte for byte once.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from scale import run_scan  # bench/ is the script's directory: on sys.path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def _shards(work: Path, count: int, n: int) -> list[Path]:
    paths = [work / f"shard-{i:03d}.jsonl" for i in range(n)]
    if all(p.exists() for p in paths):
        return paths
    whole = work / f"{count}.jsonl"
    subprocess.run([sys.executable, str(BENCH / "generate.py"), "--count", str(count),
                    "--format", "jsonl", "--out", str(whole)], check=True)
    # Streamed, not read whole: a child inherits this process's peak RSS at fork (Linux), so a
    # large parent would inflate every figure below.
    with whole.open("rb") as f:
        total = sum(1 for _ in f)
    per = -(-total // n)
    with whole.open("rb") as f:
        for p in paths:  # the snapshot header stays first in shard 0
            with p.open("wb") as out:
                for _, line in zip(range(per), f, strict=False):
                    out.write(line)
    whole.unlink()
    return paths


def _scan(shards: list[Path], engine: list[str], out: str) -> tuple[float, float, int]:
    wall, cpu, rss, _ = run_scan([*map(str, shards), *engine], {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}, out)
    return wall, cpu, rss


def _worker_usage() -> tuple[float, int]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime, me.ru_maxrss * 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, help="keep the generated shards here")
    args = parser.parse_args(argv)
    from distributed import Client, LocalCluster

    work = args.dir or Path(tempfile.mkdtemp(prefix="ccscan-dask-"))
    work.mkdir(parents=True, exist_ok=True)
    shards = _shards(work, args.count, args.shards)
    size = sum(p.stat().st_size for p in shards)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      protocol="tcp", dashboard_address=None) as cluster, Client(cluster) as client:
        cases = {"one process (--workers 1)": ["--workers", "1"],
                 "--dask local:2 (own cluster, start-up included)": ["--dask", "local:2"],
                 "--dask tcp:// (standing 2-worker cluster)": ["--dask", cluster.scheduler_address]}
        runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in cases}
        worker_cpu: list[list[float]] = []
        worker_rss: dict[str, int] = {}
        outputs = {name: str(work / f"result-{i}.json") for i, name in enumerate(cases)}
        for r in range(args.repeat):
            for name, engine in cases.items():
                standing = engine[-1].startswith("tcp://")
                before = client.run(_worker_usage) if standing else {}
                runs[name].append(_scan(shards, engine, outputs[name] if r == 0 else os.devnull))
                if standing:
                    after = client.run(_worker_usage)
                    worker_cpu.append([after[w][0] - before[w][0] for w in sorted(after)])
                    for w, (_, rss) in after.items():
                        worker_rss[w] = max(worker_rss.get(w, 0), rss)
    first = [Path(p).read_bytes() for p in outputs.values()]
    same = all(b == first[0] for b in first)
    for p in outputs.values():
        Path(p).unlink()
    print(f"{args.count:,} resources in {args.shards} JSONL shards ({size / 1e6:.0f} MB), median of "
          f"{args.repeat}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
          f"results byte-identical: {same}")
    print("| case | wall s | CPU s (scan process + children) | peak RSS MB (largest process) |\n"
          "|---|---|---|---|")
    base = statistics.median(r[0] for r in runs["one process (--workers 1)"])
    for name in cases:
        wall = statistics.median(r[0] for r in runs[name])
        cpu = statistics.median(r[1] for r in runs[name])
        rss = max(r[2] for r in runs[name])
        print(f"| {name} | {wall:.1f} ({base / wall:.2f}x) | {cpu:.1f} | {rss / 1e6:.0f} |")
    per_worker = [statistics.median(c[i] for c in worker_cpu) for i in range(len(worker_cpu[0]))]
    print("standing cluster, per worker: CPU s " + ", ".join(f"{c:.1f}" for c in per_worker)
          + "; peak RSS MB " + ", ".join(f"{worker_rss[w] / 1e6:.0f}" for w in sorted(worker_rss)))
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
