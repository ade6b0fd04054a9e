"""
`ledger report`: verify the ledger, build the period report, write it in one format.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from scanner.errors import UsageError
from scanner.ledger.facts import CONTENTS, extract
from scanner.ledger.report import build_report, parse_when
from scanner.ledger.verify import verify_ledger

FORMATS = ("json", "html", "oscal")


def write_period_report(directory: Path, key: Ed25519PublicKey, start: str, end: str,
                        framework: str | None, fmt: str, output: Path | None) -> int:
    """
    Write the report and return the exit code: 0, or 1 when the ledger does not verify
    (then nothing is written: a report over unverified evidence would mislead).
    """
    t0, t1 = parse_when(start), parse_when(end, end=True)
    if output is not None and output.is_dir():
        raise UsageError("--output: is a directory", output)
    check = verify_ledger(directory, key, contents=CONTENTS, extract=extract)
    if not check.ok:
        print(check.render(), file=sys.stderr)
        print("ccscan: no report: the ledger does not verify", file=sys.stderr)
        return 1
    report = build_report(check, t0, t1, framework)
    text = render(report, fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as e:
            raise UsageError(f"--output: cannot write: {e.strerror}", output) from e
    return 0


def render(report: dict, fmt: str) -> str:
    """The report as text in `fmt` (one of FORMATS)."""
    if fmt == "json":
        return json.dumps(report, indent=1, ensure_ascii=False) + "\n"
    if fmt == "html":
        from scanner.ledger.html import render_html

        return render_html(report)
    if fmt == "oscal":
        from scanner.ledger.oscal import assessment_results

        return json.dumps(assessment_results(report), indent=1, ensure_ascii=False) + "\n"
    raise UsageError(f"unknown report format {fmt!r} (choose {', '.join(FORMATS)})")
