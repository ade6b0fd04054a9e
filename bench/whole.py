"""
Whole-process CPU: `ccscan scan` against the hand-written scan (handwritten_scan.py) that
writes the same `--format json` bytes, side by side in one run (issue 15 §1), and ccscan at
`--workers 1` against `--workers 2` (§2).

    python bench/whole.py --count 100000 --repeat 5
    python bench/whole.py --inventory /tmp/1m.jsonl --repeat 3 --workers   # 1M: ~1.5 GB in, ~3.5 GB out each

Every case is a fresh child process (`os.wait4`: user+sys CPU of the child and the worker
processes it waited for, peak RSS of the largest); cases are interleaved so that a change
in the machine's load hits them alike, and each round starts with the next case (a case
that always ran second paid for the first's page cache: below); figures are medians. ccscan
runs only the policies the hand-written side implements (`--check` each of
`handwritten.POLICY_IDS`), so both decide the same pairs; every output is hashed and compared
with the hand-written one's, every round.

Every output is deleted as soon as it is hashed (unless `--keep`). On these VMs the kernel time of writing a
3 GB result depended on what the previous run left in the page cache: whichever scan ran
second after a 1M hand-written/ccscan pair paid 20-30 s more sys time writing the same bytes
(ccscan first: 5 s sys, the hand-written one second: 36 s), so keeping outputs until the
end measured the order, not the code.

`--paired` runs the hand-written scan and `ccscan --workers 1` at the same time, each alone on
one CPU (they swap CPUs every round), then any other case alone: this VM's CPU speed drifts by
up to 30% between runs a minute apart (the same hand-written 1M scan: 44.8 to 58.9 s of user
time), which a pair running at once shares. Both then contend for memory bandwidth and the
page cache (sys time grows for both), so the user-time ratio is printed too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
try:  # a PYTHONPATH (a patched scratch copy) wins over the checkout around bench/
    import scanner  # noqa: F401
except ImportError:
    sys.path.insert(1, str(ROOT))

import handwritten
import handwritten_scan


def _env() -> dict[str, str]:
    import scanner as pkg  # the children run the same copy of `scanner` as this process

    src = str(Path(pkg.__file__).resolve().parent.parent)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1764331200"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)
    # Bytecode compiled once (into the git-ignored __pycache__), as an installed package has
    # it: with PYTHONDONTWRITEBYTECODE set, as on these machines, every ccscan run would
    # compile its ~110 modules again (~0.25 s CPU; the hand-written side imports a few).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(pkg.__file__).parent), str(BENCH)],
                   env=env, check=False, stdout=subprocess.DEVNULL)
    return env


def _start(cmd: list[str], env: dict[str, str], cpu: int | None = None) -> tuple[subprocess.Popen[bytes], IO[bytes], float]:
    """Start one child (on CPU `cpu` alone, when given); its stderr goes to a temp file."""
    pin = (lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None
    err = tempfile.TemporaryFile()  # noqa: SIM115 - read and closed by _finish
    proc = subprocess.Popen(cmd, env=env, cwd=tempfile.gettempdir(), stdout=subprocess.DEVNULL,
                            stderr=err, preexec_fn=pin)  # noqa: PLW1509 - affinity only, no threads yet
    return proc, err, time.perf_counter()


def _finish(proc: subprocess.Popen[bytes], err: IO[bytes], start: float) -> tuple[float, float, float, float]:
    """(wall s, user+sys CPU s, peak RSS MB, sys CPU s) of a child _start began; exits on a crash."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    wall = time.perf_counter() - start
    err.seek(0)
    text = err.read().decode(errors="replace")
    err.close()
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(map(str, proc.args))} failed ({proc.returncode}): {text[-2000:]}")  # type: ignore[arg-type]
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, usage.ru_stime


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, float]:
    return _finish(*_start(cmd, env))


def _digest(path: Path, remove: bool) -> tuple[str, int]:
    """The output's sha256 and size; with `remove`, the file is gone afterwards (module docstring)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 16):
            digest.update(block)
        size = f.tell()
    if remove:
        path.unlink()
    return digest.hexdigest(), size


def _report(round_no: int, name: str, run: tuple[float, float, float, float]) -> None:
    wall, cpu, rss, sys_cpu = run
    print(f"  run {round_no + 1}: {name}: CPU {cpu:.2f} s (sys {sys_cpu:.2f}), wall {wall:.2f} s, "
          f"{rss:.0f} MB", flush=True)


def _static(path: Path) -> None:
    from scanner.policy.select import select_policies
    from scanner.scan import load_policies

    catalog = select_policies(load_policies(None), sorted(handwritten.POLICY_IDS))
    path.write_text(json.dumps(handwritten_scan.static_data(catalog)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--count", type=int, default=100_000, help="resources to generate (without --inventory)")
    ap.add_argument("--inventory", type=Path, help="a JSONL snapshot (generated there if absent)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workers", action="store_true", help="also ccscan --workers 2")
    ap.add_argument("--paired", action="store_true",
                    help="run the hand-written scan and ccscan --workers 1 at the same time, one CPU each")
    ap.add_argument("--json", type=Path, help="write every run's figures here")
    ap.add_argument("--keep", action="store_true",
                    help="keep the outputs, the last round's (printed: their directory); the next "
                         "run then writes beside them, which costs it kernel time (module docstring)")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ccscan-whole-"))
    inventory = (args.inventory or work / f"{args.count}.jsonl").resolve()
    if not inventory.exists():
        subprocess.run([sys.executable, str(BENCH / "generate.py"), "--count", str(args.count),
                        "--format", "jsonl", "--out", str(inventory)], check=True)
    static = work / "static.json"
    os.chdir(tempfile.gettempdir())  # the children's cwd: policy files are named relative to it
    _static(static)
    env = _env()
    checks = [a for pid in sorted(handwritten.POLICY_IDS) for a in ("--check", pid)]
    ccscan = [sys.executable, "-m", "scanner", "--quiet", "scan", str(inventory), *checks,
              "--scan-id", "bench", "--format", "json", "-o"]
    hand, one, two = "hand-written (handwritten_scan.py)", "ccscan scan --workers 1", "ccscan scan --workers 2"
    outputs = {hand: work / "hand.json", one: work / "w1.json", **({two: work / "w2.json"} if args.workers else {})}
    cases = {hand: [sys.executable, str(BENCH / "handwritten_scan.py"), str(inventory), "--static", str(static),
                    "--scan-id", "bench", "--out", str(outputs[hand])],
             one: [*ccscan, str(outputs[one]), "--workers", "1"]}
    if args.workers:
        cases[two] = [*ccscan, str(outputs[two]), "--workers", "2"]
    names = list(cases)  # the hand-written one first: the reference (`hand`)
    lines = sum(1 for _ in inventory.open("rb")) - 1  # before the work folder (maybe holding it) goes
    megabytes = inventory.stat().st_size / 1e6
    runs: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in cases}
    same: dict[str, bool] = {}
    size = 0
    try:
        for round_no in range(args.repeat):
            digests = {}
            order = names[round_no % len(names):] + names[:round_no % len(names)]
            if args.paired:  # the pair at once, one CPU each (swapped every round); then the rest
                pair = names[:2]
                started = [(n, _start(cases[n], env, cpu=(i + round_no) % 2)) for i, n in enumerate(pair)]
                for name, child in started:
                    runs[name].append(_finish(*child))
                order = [n for n in order if n not in pair]
                for name in pair:
                    digests[name], size = _digest(outputs[name], remove=not args.keep)
                    _report(round_no, name, runs[name][-1])
            for name in order:
                runs[name].append(_run(cases[name], env))
                digests[name], size = _digest(outputs[name], remove=not args.keep)
                _report(round_no, name, runs[name][-1])  # as it goes: a long run can be read early
            reference = digests.pop(hand)
            for name, digest in digests.items():
                same[name] = same.get(name, True) and digest == reference
    finally:
        if args.keep:
            print(f"outputs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{lines:,} resources ({megabytes:,.0f} MB JSONL, result "
          f"{size / 1e6:,.0f} MB), {len(handwritten.POLICY_IDS)} policies, median of {args.repeat} "
          f"{'paired' if args.paired else 'interleaved'} runs; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("| case | CPU s (user+sys) | of which sys | wall s | peak RSS MB | CPU / hand-written "
          "| per round | user CPU / hand-written, per round |\n|---|---|---|---|---|---|---|---|")
    hand_runs = runs[hand]
    hand_cpu = statistics.median(r[1] for r in hand_runs)
    figures = {}
    for name, rs in runs.items():
        cpu, wall = statistics.median(r[1] for r in rs), statistics.median(r[0] for r in rs)
        rss, sys_cpu = max(r[2] for r in rs), statistics.median(r[3] for r in rs)
        rounds = [r[1] / h[1] for r, h in zip(rs, hand_runs, strict=True)]
        users = [(r[1] - r[3]) / (h[1] - h[3]) for r, h in zip(rs, hand_runs, strict=True)]
        figures[name] = {"cpu": cpu, "sys": sys_cpu, "wall": wall, "rss_mb": rss, "runs": rs,
                         "round_ratios": rounds, "round_user_ratios": users}
        print(f"| {name} | {cpu:.2f} | {sys_cpu:.2f} | {wall:.2f} | {rss:.0f} | {cpu / hand_cpu:.2f}x "
              f"| {', '.join(f'{x:.2f}' for x in rounds)} | {', '.join(f'{x:.2f}' for x in users)} |")
    if two in figures and args.paired:
        print("--workers 2 ran alone, --workers 1 beside the hand-written scan: no speed-up is "
              "printed (run without --paired for it)")
    elif two in figures:
        w1, w2 = figures[one], figures[two]
        print(f"--workers 2: wall speed-up {w1['wall'] / w2['wall']:.2f}x, CPU {w2['cpu'] / w1['cpu']:.2f}x of --workers 1")
    for name, ok in same.items():
        print(f"{name}: output {'byte-identical to' if ok else 'DIFFERS from'} the hand-written one, every round")
    if args.json:
        args.json.write_text(json.dumps({"figures": figures, "identical": same}, indent=1))
    return 0 if all(same.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
