"""
The SOC 2 Type II ledger: signed bundles chained by digest, verified as a whole, and
reported over an audit period.

    appender = LedgerAppender(Path("ledger"), cadence="1d")   # scan --ledger DIR
    check = verify_ledger("ledger", load_public_key("ci.pub")) # ledger verify
    report = build_report(check, start, end, framework="soc2") # ledger report
"""

from __future__ import annotations

from scanner.ledger.append import LedgerAppender
from scanner.ledger.verify import Entry, LedgerCheck, Problem, verify_ledger

__all__ = ["Entry", "LedgerAppender", "LedgerCheck", "Problem", "verify_ledger"]
