"""
Time `ccscan ledger verify` (and `ledger report`) on a ledger of N daily signed bundles of
the fixture estate (`fixtures/`, built-in policies).

    python bench/ledger.py                  # 365 daily scans (builds them first: a few minutes)
    python bench/ledger.py --days 30 --keep /tmp/ledger30

Building runs the real CLI (`scan --bundle --sign-key --ledger`) once per day with
`SOURCE_DATE_EPOCH` set to that day; the timings are for verify (every bundle fully
verified, then the chain) and for the JSON period report over the whole year.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner

from scanner.cli import main
from scanner.evidence.keys import keygen, load_public_key
from scanner.ledger import verify_ledger
from scanner.ledger.facts import CONTENTS, extract
from scanner.ledger.report import build_report, parse_when

DAY0 = 1767254400  # 2026-01-01T08:00:00Z (a 06:00 start would sit on the day boundary)


def build(directory: Path, days: int) -> Path:
    prefix = directory / "ci"
    keygen(prefix)
    ledger = directory / "ledger"
    runner = CliRunner()
    t0 = time.perf_counter()
    for day in range(days):
        res = runner.invoke(main, [
            "scan", str(ROOT / "fixtures"), "--fail-on", "none",
            "--bundle", str(directory / "last.tar.gz"), "--sign-key", f"{prefix}.key",
            "--ledger", str(ledger), "--scan-id", f"day-{day + 1:03d}",
        ], env={"SOURCE_DATE_EPOCH": str(DAY0 + day * 86400)}, catch_exceptions=False)
        if res.exit_code != 0:
            raise SystemExit(f"scan {day + 1} exited {res.exit_code}: {res.output}")
    print(f"built {days} bundles in {time.perf_counter() - t0:.1f} s", flush=True)
    return prefix


def main_() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="Build into (or reuse) this directory.")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="ccscan-bench-ledger-"))
    work.mkdir(parents=True, exist_ok=True)
    prefix = work / "ci"
    if not (work / "ledger").exists():
        prefix = build(work, args.days)
    key = load_public_key(f"{prefix}.pub")
    ledger = work / "ledger"
    bundles = sorted((ledger / "bundles").iterdir())
    size = sum(p.stat().st_size for p in bundles)
    print(f"{len(bundles)} bundles, {size / 1e6:.1f} MB, {size // len(bundles)} bytes each")
    best = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        check = verify_ledger(ledger, key)
        best = min(best, time.perf_counter() - t0)
        assert check.ok, check.render()
    print(f"ledger verify: {best:.2f} s best of {args.repeat} "
          f"({best / len(bundles) * 1000:.1f} ms per bundle)")
    t0 = time.perf_counter()
    check = verify_ledger(ledger, key, contents=CONTENTS, extract=extract)
    report = build_report(check, parse_when("2026-01-01"), parse_when("2026-12-31", end=True))
    text = json.dumps(report)
    print(f"ledger report (verify + facts + JSON): {time.perf_counter() - t0:.2f} s, "
          f"{len(text) / 1e6:.1f} MB of JSON, {len(report['controls'])} controls")


if __name__ == "__main__":
    main_()
