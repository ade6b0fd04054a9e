"""
Time and peak memory of the policy-language "time bomb" and hostile-input cases.

Each case runs in a fresh interpreter (so its peak RSS is its own) and prints one line:
case, best wall time of 3, peak RSS. With `--python-re N`, the backtracking reference
(Python's `re`) is timed on the regex case at a small size N, to show what RE2 avoids.

    python bench/policy_bombs.py
    python bench/policy_bombs.py --python-re 26
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = {
    "regex ^(a+)+$ on 'a'*100000+'b'": ("cond", {"field": "v", "regex": "^(a+)+$"}, "a" * 100_000 + "b"),
    "regex (x+x+)+y on 'x'*100000": ("cond", {"field": "v", "regex": "(x+x+)+y"}, "x" * 100_000),
    "like 12 stars on 'a'*5000": ("cond", {"field": "v", "like": "*a*a*a*a*a*a*a*a*a*a*a*b"}, "a" * 5000),
    "like 12 stars on 'a'*1000000": ("cond", {"field": "v", "like": "*a*a*a*a*a*a*a*a*a*a*a*b"}, "a" * 1_000_000),
    "like 12 stars, open end, on 'a'*1000000": ("cond", {"field": "v", "like": "*a*a*a*a*a*a*a*a*a*a*a*b*"},
                                              "a" * 1_000_000),
    "match 40 dots on 'a'*100000": ("cond", {"field": "v", "match": "." * 40 + "b"}, "a" * 100_000),
    "yaml nested 5000 deep": ("yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n", None),
    "yaml nested 999 deep": ("yaml", "a: " + "[" * 999 + "]" * 999 + "\n", None),
    "yaml 5000-digit int": ("yaml", "a: " + "7" * 5000 + "\n", None),
    "yaml alias bomb (10^9 nodes)": ("yaml", "".join(
        f"{k}: &{k} [" + ",".join([f"*{p}" if p else '"x"'] * 9) + "]\n"
        for k, p in zip("abcdefghi", [None, *"abcdefgh"])), None),
    "yaml 4 MiB flat list": ("yaml", "a: [" + ",".join(["1.0"] * 1_000_000) + "]\n", None),
}


def run_case(name: str) -> dict:
    import resource

    kind, spec, value = CASES[name]
    best = float("inf")
    outcome = ""
    for _ in range(3):
        if kind == "cond":
            from scanner.policy.compile import ConditionCompiler

            messages: list = []
            start = time.perf_counter()
            check, _ = ConditionCompiler("bench", None, messages).compile(spec)
            assert not messages, messages
            outcome = str(check({"v": value}, None, None))
        else:
            from scanner.errors import PolicyError
            from scanner.policy.yamlload import load_documents

            with tempfile.TemporaryDirectory() as tmp:
                p = Path(tmp) / "p.yaml"
                p.write_text(spec)
                start = time.perf_counter()
                try:
                    load_documents(p)
                    outcome = "loaded"
                except PolicyError as e:
                    outcome = f"PolicyError {e.line}:{e.col}: {e.message[:60]}"
        best = min(best, time.perf_counter() - start)
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"case": name, "seconds": best, "rss_mib": rss_kib / 1024, "outcome": outcome}


def python_re(n: int) -> float:
    import re

    start = time.perf_counter()
    re.search("^(a+)+$", "a" * n + "b")
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--python-re", type=int, metavar="N", help="also time Python re on ^(a+)+$ at size N")
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case)))
        return 0
    root = Path(__file__).resolve().parents[1]
    print(f"{'case':40} {'best of 3':>10} {'peak RSS':>9}  outcome")
    for name in CASES:
        out = subprocess.run([sys.executable, __file__, "--case", name], cwd=root, check=True,
                             capture_output=True, text=True).stdout
        r = json.loads(out)
        print(f"{r['case']:40} {r['seconds'] * 1000:8.2f}ms {r['rss_mib']:7.1f}MiB  {r['outcome']}")
    if args.python_re:
        print(f"python re ^(a+)+$ on 'a'*{args.python_re}+'b': {python_re(args.python_re):.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
