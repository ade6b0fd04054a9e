"""
Whole-process CPU of three cases interleaved in every round: the hand-written scan, ccscan
from a baseline copy of the tree (`--baseline DIR`: a checkout or `git archive` of main with
its `scanner/`, `policies/` and `schemas/`), and ccscan from this checkout. Before/after
figures for a change to the single-process path (issue 15 §1), measured side by side so that
the machine's load hits all three alike. Runs and compares as `whole.py` does (its `_run`);
the round order alternates.

    git archive main scanner policies schemas | tar -x -C /tmp/main-tree
    python bench/whole_baseline.py --baseline /tmp/main-tree --inventory /tmp/perf_100k.jsonl --repeat 5

The hand-written side imports the sanitising stage of this checkout (as `whole.py` does), so
a change to that stage moves it too. The baseline's output differs from the hand-written one
in the policies' `file` paths only (they name the baseline's copy); this checkout's must be
byte-identical.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(ROOT))

import handwritten
import whole


def _env(src: Path) -> dict[str, str]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1764331200", "PYTHONPATH": str(src)}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(src / "scanner"), str(BENCH)],
                   env=env, check=False, stdout=subprocess.DEVNULL)
    return env


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--baseline", type=Path, required=True, help="a copy of the tree to compare with")
    ap.add_argument("--inventory", type=Path, required=True, help="a JSONL snapshot (bench/generate.py)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    inventory = args.inventory.resolve()
    work = Path(tempfile.mkdtemp(prefix="ccscan-baseline-"))
    os.chdir(tempfile.gettempdir())  # the children's cwd, as in whole.py
    whole._static(work / "static.json")
    envs = {"hand-written": _env(ROOT), "baseline": _env(args.baseline.resolve()), "this tree": _env(ROOT)}
    checks = [a for pid in sorted(handwritten.POLICY_IDS) for a in ("--check", pid)]

    def ccscan(out: str) -> list[str]:
        return [sys.executable, "-m", "scanner", "--quiet", "scan", str(inventory), *checks,
                "--scan-id", "bench", "--format", "json", "-o", str(work / out), "--workers", "1"]

    cases = {"hand-written": [sys.executable, str(BENCH / "handwritten_scan.py"), str(inventory),
                              "--static", str(work / "static.json"), "--scan-id", "bench",
                              "--out", str(work / "hand.json")],
             "baseline": ccscan("baseline.json"), "this tree": ccscan("tree.json")}
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in cases}
    try:
        for i in range(args.repeat):
            for name in (list(cases) if i % 2 == 0 else list(reversed(cases))):
                runs[name].append(whole._run(cases[name], envs[name]))
                wall, cpu, rss = runs[name][-1]
                print(f"  run: {name}: CPU {cpu:.2f} s, wall {wall:.2f} s, {rss:.0f} MB", flush=True)
        same = filecmp.cmp(work / "hand.json", work / "tree.json", shallow=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{inventory.name}, median of {args.repeat} interleaved rounds; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("| case | CPU s (user+sys) | CPU / hand-written | per-round ratios | peak RSS MB |\n|---|---|---|---|---|")
    hand = runs["hand-written"]
    hand_cpu = statistics.median(r[1] for r in hand)
    for name, rs in runs.items():
        cpu = statistics.median(r[1] for r in rs)
        per = ", ".join(f"{r[1] / h[1]:.2f}" for r, h in zip(rs, hand, strict=True))
        print(f"| {name} | {cpu:.2f} | {cpu / hand_cpu:.2f}x | {per} | {max(r[2] for r in rs):.0f} |")
    print(f"this tree's output {'byte-identical to' if same else 'DIFFERS from'} the hand-written one")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
