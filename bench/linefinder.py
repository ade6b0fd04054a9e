"""
Time reading pretty-printed JSON inventories whose ids are written in different ways.

The line finder attaches a line number to each resource by finding its id in the file. An
id that is not in the file literally (`\\/` escapes, non-ASCII ids written raw or as
`\\uXXXX`, AWS ARNs that a loader builds from an instance id) used to cost a scan to the
end of the file per resource: quadratic. Every variant should now take about as long as
the plain ASCII one.

    python bench/linefinder.py --count 10000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scanner.inventory.files import InventoryFile

SUB = "00000000-0000-0000-0000-000000000001"


def _site(i: int, name: str) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/{name}{i}",
        "name": f"{name}{i}", "type": "Microsoft.Web/sites", "location": "westeurope",
        "properties": {"httpsOnly": True, "siteConfig": {"minTlsVersion": "1.2"}},
    }


def _arm(name: str, **dump: Any) -> Callable[[int], str]:
    def build(n: int) -> str:
        return json.dumps({"value": [_site(i, name) for i in range(n)]}, indent=2, **dump)
    return build


def _slash_escaped(n: int) -> str:
    return _arm("app")(n).replace("/", "\\/")


def _every_char_escaped(n: int) -> str:
    # No spelling matches: lines are given up once the budget is spent, in linear time.
    return _arm("app")(n).replace("/app", "/\\u0061pp").replace('"app', '"\\u0061pp')


def _ec2(n: int) -> str:
    instances = [{"InstanceId": f"i-{i:017x}", "Placement": {"AvailabilityZone": "us-east-1a"},
                  "CpuOptions": {"AmdSevSnp": "enabled"}} for i in range(n)]
    return json.dumps({"Reservations": [{"OwnerId": "111122223333", "Instances": instances}]},
                      indent=2)


VARIANTS: dict[str, Callable[[int], str]] = {
    "ascii ids": _arm("app"),
    "\\/-escaped ids": _slash_escaped,
    "non-ASCII ids, raw UTF-8": _arm("appé", ensure_ascii=False),
    "non-ASCII ids, \\u-escaped": _arm("appé"),
    "aws describe-instances (ARN built)": _ec2,
    "ids with needless \\u escapes": _every_char_escaped,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="resources per file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        for label, build in VARIANTS.items():
            path = Path(tmp) / "inv.json"
            path.write_text(build(args.count), encoding="utf-8")
            start = time.perf_counter()
            lines = [r.line for r in InventoryFile(path)]
            took = time.perf_counter() - start
            found = sum(1 for n in lines if n is not None)
            print(f"{label:38} {args.count} resources  {took:7.3f} s  lines found {found}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
