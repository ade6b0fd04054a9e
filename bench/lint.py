"""
Wall time of `ccscan lint policies/` (and `ccscan --help` / `--version`, whose target is
under 0.1 s with no cloud SDK imported: tests/test_startup.py): median of N runs.

Usage: python bench/lint.py [N]   (the target: lint under 0.15 s on the project's machines)
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(cmd: list[str], n: int, env: dict[str, str]) -> tuple[float, float]:
    """(median wall, median CPU user+sys) of `n` runs; CPU is steadier on a shared machine."""
    walls, cpus = [], []
    for _ in range(n):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    exe = shutil.which("ccscan") or "ccscan"
    warm = dict(os.environ)  # the schema cache as a developer's machine has it after one run
    cold = {**os.environ, "CCSCAN_CACHE_DIR": "off"}
    runs = (("ccscan --help", [exe, "--help"], warm),
            ("ccscan --version", [exe, "--version"], warm),
            ("ccscan lint policies/ (cache off)", [exe, "lint", "policies/"], cold),
            ("ccscan lint policies/", [exe, "lint", "policies/"], warm),
            ("ccscan test policies/", [exe, "test", "policies/"], warm))
    subprocess.run([exe, "lint", "policies/"], cwd=ROOT, capture_output=True, check=False)
    for label, cmd, env in runs:
        w, c = measure(cmd, n, env)
        print(f"{label:<36} wall {w * 1000:5.0f} ms  cpu {c * 1000:5.0f} ms  (median of {n})")


if __name__ == "__main__":
    main()
