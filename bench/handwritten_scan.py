"""
A hand-written whole-process scan: the yardstick of issue 15 §1.

Reads a ccscan JSONL snapshot, decides every resource with `handwritten.check` and writes
the same bytes as `ccscan scan FILE --check <handwritten.POLICY_IDS> --format json -o OUT`
(same scan id and SOURCE_DATE_EPOCH). It reuses ccscan only where the task allows it as a
library: the sanitising stage (`Sanitiser`, which decides what is secret), the finding id
function and the `Finding`/`Evidence` records the stage takes. Not ccscan's engine,
inventory loaders, control or coverage trackers, or reporters: those are written out here,
plainly, the way a one-off script would.

The policy texts a report quotes (titles, expectations, the header's `policies` list, the
SOC 2 controls each policy rolls up to) are not decisions: `static_data` takes them from
ccscan's catalog once, before any timing, into a JSON file this script reads.

    python bench/handwritten_scan.py INV.jsonl --static STATIC.json --out OUT.json --scan-id ID
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
try:  # a PYTHONPATH (a patched scratch copy) wins over the checkout around bench/
    import scanner  # noqa: F401
except ImportError:
    sys.path.insert(1, str(BENCH.parent))

import handwritten

from scanner.findings import OBSERVED, Evidence, Finding, clip_message, finding_id, show_evidence
from scanner.sanitise import Sanitiser

STATUSES = ("pass", "fail", "unknown", "error", "waived")
EXAMPLES = 5


def static_data(catalog: Any) -> dict[str, Any]:
    """The catalog texts the report quotes (run once, untimed; needs ccscan's catalog)."""
    from scanner.scan import new_result

    result = new_result(catalog, "static")
    loaded = {p.id for p in catalog.policies}
    controls = []
    for fw in catalog.frameworks.values():
        for control in fw.controls:
            claimed = {p.id for p in catalog.policies if control.id in p.frameworks.get(fw.id, ())}
            controls.append({"framework": fw.id, "id": control.id, "title": control.title,
                             "policies": sorted((set(control.policies) | claimed) & loaded),
                             "mapped": bool(control.policies) or bool(claimed)})
    return {
        "tool": result.tool,
        "policies": result.policies,
        "policy": {p.id: {"title": p.title, "severity": p.severity, "remediation": p.remediation,
                          "frameworks": p.frameworks, "expectation": p.expectation}
                   for p in catalog.policies},
        "order": {t: [p.id for p in ps] for t, ps in catalog.index().items()},
        "controls": controls,
    }


def _control_status(c: dict[str, Any], counts: dict[str, int]) -> str:
    if not c["policies"]:
        return "not_evaluated" if c["mapped"] else "manual"
    if counts["fail"]:
        return "fail"
    if counts["error"] or counts["unknown"]:
        return "unknown"
    if counts["waived"]:
        return "waived"
    return "pass" if counts["pass"] else "not_applicable"


def _now() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def scan(inventory: Path, static: dict[str, Any], out_path: Path, scan_id: str) -> int:
    """Scan one JSONL snapshot into `out_path`; return the exit code (1: a failure)."""
    started = _now()
    stage = Sanitiser()
    meta = static["policy"]
    rank = {t: {pid: i for i, pid in enumerate(ids)} for t, ids in static["order"].items()}
    covered = set(static["order"])
    summary = dict.fromkeys(STATUSES, 0)
    by_severity: dict[str, dict[str, int]] = {}
    per_policy = {pid: dict.fromkeys(STATUSES, 0) for pid in meta}
    rows: dict[str, dict[str, dict[str, Any]]] = {"uncovered": {}, "not_applicable": {}}
    seen: set[str] = set()
    digest = hashlib.sha256()
    source = inventory.as_posix()
    count = judged = written = 0
    incomplete: list[Any] = []
    spool = tempfile.TemporaryFile(dir=out_path.parent)  # noqa: SIM115 - copied at the end
    with inventory.open("rb") as f:
        for lineno, line in enumerate(f, 1):
            digest.update(line)
            if not line.strip():
                continue
            doc = orjson.loads(line)
            if lineno == 1 and "ccscan_snapshot" in doc:
                incomplete = doc.get("incomplete") or []
                continue
            rid = str(doc.get("id", ""))
            key = rid.lower() if rid.startswith("/") else rid
            if key in seen:
                raise SystemExit(f"{source}:{lineno}: duplicate resource id {rid}")
            seen.add(key)
            count += 1
            rtype = str(doc.get("type", ""))
            tkey = rtype.lower()
            decisions = handwritten.check(doc)
            if not decisions:
                kind = "not_applicable" if tkey in covered else "uncovered"
                row = rows[kind].get(tkey)
                if row is None:
                    row = rows[kind][tkey] = {"type": stage.identifier(rtype) or "(no type)",
                                              "count": 0, "examples": []}
                row["count"] += 1
                if len(row["examples"]) < EXAMPLES:
                    row["examples"].append(stage.identifier(rid))
                continue
            judged += 1
            order = rank[tkey]
            decisions.sort(key=lambda d: order[d[0]])
            identity = {"id": rid, "type": rtype, "name": str(doc.get("name") or ""),
                        "location": doc.get("location"), "account": doc.get("account"),
                        "provider": str(doc.get("provider") or "")}
            for pid, status, reads in decisions:
                m = meta[pid]
                evidence = tuple(Evidence(p, v, v is not None) for p, v in reads)
                if status == "pass":
                    message = f"satisfied: {m['expectation']}"
                elif status == "fail":
                    message = f"expected {m['expectation']}{OBSERVED}{show_evidence(evidence)}"
                else:
                    message = (f"insufficient evidence: {reads[-1][0]} is absent from the "
                               "inventory (the policy requires it)")
                finding = stage.finding(Finding(
                    id=finding_id(pid, rid), policy_id=pid, title=m["title"], severity=m["severity"],
                    status=status, message=clip_message(message), resource=identity,  # type: ignore[arg-type]
                    evidence=evidence, remediation=m["remediation"], frameworks=m["frameworks"],
                    source=source, line=lineno))
                summary[status] += 1
                by_severity.setdefault(m["severity"], dict.fromkeys(STATUSES, 0))[status] += 1
                per_policy[pid][status] += 1
                spool.write(b",\n" if written else b"\n")
                spool.write(orjson.dumps(finding.to_dict(), default=str, option=orjson.OPT_NON_STR_KEYS))
                written += 1

    def types(kind: str) -> list[dict[str, Any]]:
        return sorted(rows[kind].values(), key=lambda r: (-r["count"], r["type"].lower()))

    controls = []
    for c in static["controls"]:
        counts = dict.fromkeys(STATUSES, 0)
        for pid in c["policies"]:
            for s, n in per_policy[pid].items():
                counts[s] += n
        controls.append({"framework": c["framework"], "id": c["id"], "title": c["title"],
                         "status": _control_status(c, counts), "policies": c["policies"],
                         "counts": counts})
    uncovered, not_applicable = types("uncovered"), types("not_applicable")
    header = {
        "schema_version": "1.0", "scan_id": scan_id, "tool": static["tool"],
        "started_at": started, "finished_at": _now(),
        "inputs": [{"source": stage.text(source), "sha256": digest.hexdigest(), "resources": count,
                    "format": "snapshot"}],
        "policies": static["policies"], "summary": summary, "by_severity": by_severity,
        "controls": controls, "incomplete": stage.incomplete(incomplete),
        "coverage": {"resources": count, "judged": judged, "not_judged": count - judged,
                     "uncovered": {"count": sum(r["count"] for r in uncovered), "types": uncovered},
                     "not_applicable": {"count": sum(r["count"] for r in not_applicable),
                                        "types": not_applicable},
                     "examples_per_type": EXAMPLES, "listed": False},
    }
    head = json.dumps(header, ensure_ascii=False, indent=1, default=str)
    with out_path.open("wb") as out:
        out.write(head[:-2].encode())
        out.write(b',\n "findings": [')
        spool.seek(0)
        while block := spool.read(1 << 20):
            out.write(block)
        out.write(b"\n ]\n}\n" if written else b"]\n}\n")
    spool.close()
    return 1 if summary["fail"] else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inventory", type=Path)
    ap.add_argument("--static", type=Path, required=True, help="static_data() of the catalog, as JSON")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--scan-id", default="bench")
    args = ap.parse_args(argv)
    return scan(args.inventory, json.loads(args.static.read_text()), args.out, args.scan_id)


if __name__ == "__main__":
    sys.exit(main())
