"""
Benchmark ccscan on a synthetic Azure inventory, next to hand-written checks.

For one inventory in one run it prints: the load (parse) time of ccscan's loader, the
engine's evaluations per second with the built-in policies, the same for a hand-written
plain-Python implementation of the built-in Azure policies (`handwritten.py`), the ratio of
the two (target: engine <= 2x hand-written), whether both agree on every (policy, resource)
pair (status and evidence), and the wall time of `ccscan lint` on the built-in packs.
`--stream FILE.jsonl` also scans a (large) JSONL file in a child process and reports its
wall time and peak RSS (target: 1,000,000 resources under 1 GB).

    python bench/run.py                       # 100k resources, about a minute
    python bench/run.py --count 20000 --repeat 5
    python bench/run.py --stream /tmp/1m.jsonl --stream-count 1000000   # generates it if absent
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
try:  # a PYTHONPATH (e.g. a patched scratch copy) wins over the checkout around bench/
    import scanner  # noqa: F401
except ImportError:
    sys.path.insert(1, str(ROOT))

import generate
import handwritten

from scanner.engine import Engine, evaluate, message_for
from scanner.findings import Evidence, Finding, finding_id
from scanner.inventory.files import InventoryFile
from scanner.inventory.resource import Resource
from scanner.policy.model import Policy
from scanner.sanitise import Sanitiser
from scanner.scan import load_policies

RATIO_TARGET = 2.0
RSS_TARGET_MB = 1024
LINT_TARGET_S = 0.5


CLOCK: Callable[[], float] = time.perf_counter
"""Wall time by default; `--cpu` switches to process time (steadier on a busy machine)."""


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """Run `fn` `repeat` times; return (fastest time, last result)."""
    times, result = [], None
    for _ in range(max(1, repeat)):
        started = CLOCK()
        result = fn()
        times.append(CLOCK() - started)
    return min(times), result


def load(path: Path) -> list[Resource]:
    """Parse the inventory with ccscan's loader, keeping every resource (for the loops)."""
    return list(InventoryFile(path))


def load_streamed(path: Path) -> int:
    """Parse the inventory as `ccscan scan` reads it: one resource alive at a time."""
    return sum(1 for _ in InventoryFile(path))


def engine_pass(engine: Engine, resources: list[Resource]) -> int:
    """
    Every finding of every resource through the sanitising stage, as `run_scan` emits
    them; returns the count.
    """
    n = 0
    stage = Sanitiser()
    for r in resources:
        for f in engine.findings(r):
            stage.finding(f)
            n += 1
    return n


def decide_pass(index: dict[str, list[Any]], resources: list[Resource]) -> int:
    """Only the decisions (`scanner.engine.evaluate`): no evidence, ids, messages or Findings."""
    n = 0
    for r in resources:
        doc = r.doc
        for policy in index.get(r.type_key, ()):
            evaluate(policy, doc)
            n += 1
    return n


def hand_pass(resources: list[Resource]) -> int:
    """The hand-written checks of every resource; returns the number of decisions."""
    n = 0
    check = handwritten.check
    for r in resources:
        n += len(check(r.doc))
    return n


def hand_findings_pass(policies: dict[str, Policy], resources: list[Resource]) -> int:
    """
    The hand-written decisions turned into the same Finding objects the engine yields
    (stable id, evidence, message), through the same sanitising stage: what the engine
    costs beyond producing output.
    """
    n = 0
    stage = Sanitiser()
    check = handwritten.check
    for r in resources:
        decisions = check(r.doc)
        if not decisions:
            continue
        identity = r.identity()
        for pid, status, ev in decisions:
            policy = policies[pid]
            evidence = tuple(Evidence(path, v, v is not None) for path, v in ev)
            stage.finding(Finding(
                id=finding_id(pid, identity["id"]), policy_id=pid, title=policy.title,
                severity=policy.severity, status=status,  # type: ignore[arg-type]
                message=message_for(policy, status, evidence, ev[-1][0]),  # type: ignore[arg-type]
                resource=identity, evidence=evidence, remediation=policy.remediation,
                frameworks=policy.frameworks, source=r.source, line=r.line))
            n += 1
    return n


def agreement(engine: Engine, resources: list[Resource], show: int = 3) -> dict[str, int]:
    """
    Compare engine and hand-written results for every (policy, resource) pair.
    """
    pairs = status_bad = evidence_bad = 0
    chains = {p.id for ps in engine.index.values() for p in ps
              if p.relations and p.id not in handwritten.POLICY_IDS}  # see covered()
    for r in resources:
        mine = {pid: (status, ev) for pid, status, ev in handwritten.check(r.doc)}
        theirs = {f.policy_id: (f.status, tuple((e.path, e.observed) for e in f.evidence))
                  for f in engine.findings(r) if f.policy_id not in chains}
        for pid in mine.keys() | theirs.keys():
            pairs += 1
            a, b = theirs.get(pid), mine.get(pid)
            if a is None or b is None or a[0] != b[0]:
                status_bad += 1
            elif a[1] != b[1]:
                evidence_bad += 1
            else:
                continue
            if status_bad + evidence_bad <= show:
                print(f"  disagreement on {pid} for {r.id}:\n    engine:      {a}\n"
                      f"    handwritten: {b}", file=sys.stderr)
    return {"pairs": pairs, "status": status_bad, "evidence": evidence_bad}


def _child_env() -> dict[str, str]:
    # The child must run the same `scanner` this process imported (checkout or scratch copy).
    import scanner as pkg

    env = dict(os.environ)
    src = str(Path(pkg.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return env


def run_child(args: list[str]) -> tuple[float, float, int]:
    """
    Run `python -m scanner ARGS`; return (wall seconds, peak RSS in MB, exit code).

    os.wait4 gives this child's own rusage (RUSAGE_CHILDREN would be the max over every
    child so far, the generator and lint included).
    """
    started = time.perf_counter()
    # cwd elsewhere: `python -m` puts the cwd first on sys.path, before PYTHONPATH.
    proc = subprocess.Popen([sys.executable, "-m", "scanner", *args], env=_child_env(),
                            cwd=tempfile.gettempdir(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1, 3):
        sys.exit(f"ccscan {' '.join(args)} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024, proc.returncode


def lint_time(repeat: int) -> float:
    """Wall time of `ccscan lint --strict` on the built-in packs (interpreter start included)."""
    from scanner.resources import builtin_policies

    return min(run_child(["lint", str(builtin_policies()), "--strict"])[0] for _ in range(repeat))


def ensure_inventory(path: Path, count: int, seed: int, fmt: str) -> None:
    if path.exists():
        return
    print(f"generating {count} resources into {path} ...", file=sys.stderr)
    with path.open("wb", buffering=1 << 20) as f:
        generate.write_inventory(f, count, seed, fmt)


def covered() -> tuple[set[str], set[str]]:
    """Built-in Azure policies without a hand-written twin, and hand-written ones not built in."""
    azure = [p for p in load_policies(None).policies if p.id.startswith("CCS-AZ-")]
    builtin = {p.id for p in azure}
    # Chain-only policies (every decision needs a related resource) have no single-resource
    # twin: their hand-written join is the relationship benchmark's job, not this yardstick's.
    chains = {p.id for p in azure if p.relations and p.id not in handwritten.POLICY_IDS}
    return builtin - chains - handwritten.POLICY_IDS, handwritten.POLICY_IDS - builtin


def row(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<42} {value:>16}  {note}")


def bench(args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count()}
    missing, extra = covered()
    if missing or extra:
        print(f"warning: hand-written checks out of date: missing {sorted(missing)}, "
              f"unknown {sorted(extra)}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="ccscan-bench-") as tmp:
        path = args.inventory or Path(tmp) / f"inventory.{args.format}"
        ensure_inventory(path, args.count, args.seed, args.format)
        size = path.stat().st_size
        stream_s, _ = best_of(args.load_repeat, lambda: load_streamed(path))
        load_s, resources = best_of(args.load_repeat, lambda: load(path))
    n = len(resources)
    catalog = load_policies(None)
    engine = Engine(catalog)
    index = engine.index
    pairs = sum(len(index.get(r.type_key, ())) for r in resources)
    hand_s, _ = best_of(args.repeat, lambda: hand_pass(resources))
    by_id = {p.id: p for p in catalog.policies}
    handf_s, _ = best_of(args.repeat, lambda: hand_findings_pass(by_id, resources))
    decide_s, _ = best_of(args.repeat, lambda: decide_pass(index, resources))
    engine_s, findings = best_of(args.repeat, lambda: engine_pass(engine, resources))
    agree = agreement(engine, resources)
    ratio = engine_s / hand_s
    figures.update({
        "resources": n, "bytes": size, "load_s": load_s, "load_streamed_s": stream_s,
        "pairs": pairs, "findings": findings, "hand_s": hand_s, "hand_findings_s": handf_s,
        "decide_s": decide_s, "engine_s": engine_s, "ratio": ratio,
        "decide_ratio": decide_s / hand_s, "findings_ratio": engine_s / handf_s,
        "disagreements": agree, "clock": "process" if CLOCK is time.process_time else "wall",
    })

    print(f"\nccscan benchmark: {n} resources ({size / 1e6:.1f} MB, "
          f"{size / max(n, 1):.0f} B each), "
          f"{len(catalog.policies)} policies, {pairs} (policy, resource) evaluations, "
          f"{findings} findings; best of {args.repeat}, {figures['clock']} time, "
          f"{os.cpu_count()} CPUs\n")
    row("load (parse) InventoryFile, all kept", f"{load_s:.2f} s",
        f"{n / load_s:,.0f} resources/s, {size / 1e6 / load_s:.0f} MB/s")
    row("load (parse) InventoryFile, streamed", f"{stream_s:.2f} s",
        f"{n / stream_s:,.0f} resources/s, {size / 1e6 / stream_s:.0f} MB/s (as scan reads)")
    row("ccscan engine (findings)", f"{pairs / engine_s:,.0f} eval/s",
        f"{engine_s:.3f} s, {n / engine_s:,.0f} resources/s")
    row("  of which decisions only (evaluate)", f"{pairs / decide_s:,.0f} eval/s",
        f"{decide_s:.3f} s, {decide_s / hand_s:.2f}x hand-written")
    row("hand-written checks", f"{pairs / hand_s:,.0f} eval/s",
        f"{hand_s:.3f} s, {n / hand_s:,.0f} resources/s")
    row("hand-written + Finding objects", f"{pairs / handf_s:,.0f} eval/s",
        f"{handf_s:.3f} s; engine is {engine_s / handf_s:.2f}x this")
    # The target compares like with like: the same decisions and evidence, and the same
    # findings. Against bare status checks the gap is the cost of a finding (id, evidence
    # objects, message), which hand-written code pays too once it reports anything.
    for label, value in (("ratio same findings (engine / hand-written)", engine_s / handf_s),
                         ("ratio same decisions+evidence", decide_s / hand_s)):
        verdict = "OK" if value <= RATIO_TARGET else "OVER TARGET"
        row(label, f"{value:.2f}x", f"target <= {RATIO_TARGET}: {verdict}")
    row("ratio findings / bare hand-written checks", f"{ratio:.2f}x", "context: the cost of a finding")
    row("disagreements (status / evidence)", f"{agree['status']} / {agree['evidence']}",
        f"of {agree['pairs']} pairs (must be 0 / 0)")
    if not args.no_lint:
        lint_s = lint_time(args.repeat)
        figures["lint_s"] = lint_s
        row("ccscan lint --strict (built-in packs)", f"{lint_s:.2f} s",
            f"wall incl. start-up; target < {LINT_TARGET_S}: "
            f"{'OK' if lint_s < LINT_TARGET_S else 'OVER'}")
    return figures


def stream(args: argparse.Namespace, figures: dict[str, Any]) -> None:
    path: Path = args.stream
    if not path.exists():
        ensure_inventory(path, args.stream_count, args.seed, "jsonl")
    lines = 0
    with path.open("rb") as f:
        for _ in f:
            lines += 1
    resources = max(lines - 1, 0)  # minus the snapshot header
    with tempfile.TemporaryDirectory(prefix="ccscan-bench-plain-") as tmp:
        plain = plain_policies(Path(tmp))
        wall, rss, code = run_child(["scan", str(path.resolve()), "--policies", str(plain),
                                     "--format", "json", "-o", os.devnull])
    figures.update({"stream_resources": resources, "stream_wall_s": wall, "stream_rss_mb": rss})
    print(f"\nstreaming scan: ccscan scan {path} --format json -o {os.devnull} (exit {code})")
    print("  plain: the built-in packs without relationship policies (one streaming pass)\n")
    row("resources", f"{resources:,}", f"{path.stat().st_size / 1e6:,.0f} MB")
    row("wall time", f"{wall:.1f} s", f"{resources / wall:,.0f} resources/s")
    row("peak RSS", f"{rss:,.0f} MB",
        f"target < {RSS_TARGET_MB} MB: {'OK' if rss < RSS_TARGET_MB else 'OVER'}")
    if args.no_relations:
        return
    rwall, rrss, rcode = run_child(["scan", str(path.resolve()), "--format", "json", "-o", os.devnull])
    figures.update({"relations_wall_s": rwall, "relations_rss_mb": rrss})
    print(f"\n  relationships: all built-in packs, chain policies included (two passes; exit {rcode})\n")
    row("wall time", f"{rwall:.1f} s", f"{resources / rwall:,.0f} resources/s, {rwall / wall:.2f}x plain")
    row("peak RSS", f"{rrss:,.0f} MB",
        f"target < {RELATIONS_RSS_TARGET_MB} MB: {'OK' if rrss < RELATIONS_RSS_TARGET_MB else 'OVER'}")


RELATIONS_RSS_TARGET_MB = 1024
"""Issue 11: a 1M-resource relationship scan stays under 1 GB peak RSS."""


def plain_policies(root: Path) -> Path:
    """A copy of the built-in packs without the policies that follow relationships."""
    from scanner.resources import builtin_policies

    src = builtin_policies()
    dst = root / "policies"
    shutil.copytree(src, dst)
    relational = {p.file for p in load_policies(None).policies if p.relations}
    for file in relational:
        target = dst / Path(file).resolve().relative_to(src.resolve())
        target.unlink(missing_ok=True)
    return dst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000,
                        help="resources to generate (default 100000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=("json", "jsonl"), default="jsonl",
                        help="inventory format for the load measurement (default jsonl)")
    parser.add_argument("--inventory", type=Path,
                        help="use this inventory instead of generating one")
    parser.add_argument("--repeat", type=int, default=3,
                        help="best of N for the timed loops (default 3)")
    parser.add_argument("--load-repeat", type=int, default=1,
                        help="best of N for the loads (default 1)")
    parser.add_argument("--no-lint", action="store_true", help="skip the lint timing")
    parser.add_argument("--skip-bench", action="store_true", help="only the --stream measurement")
    parser.add_argument("--stream", type=Path, help="also scan this JSONL file in a child process")
    parser.add_argument("--stream-count", type=int, default=1_000_000,
                        help="resources to generate into --stream when it does not exist")
    parser.add_argument("--no-relations", action="store_true",
                        help="with --stream: skip the relationship scan next to the plain one")
    parser.add_argument("--cpu", action="store_true",
                        help="time the loops in process (CPU) time instead of wall time")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    global CLOCK
    if args.cpu:
        CLOCK = time.process_time
    figures: dict[str, Any] = {}
    if not args.skip_bench:
        figures = bench(args)
    if args.stream:
        stream(args, figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    bad = figures.get("disagreements", {})
    return 1 if bad.get("status") or bad.get("evidence") else 0


if __name__ == "__main__":
    sys.exit(main())
