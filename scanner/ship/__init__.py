"""
Shipping findings to a SIEM: Microsoft Sentinel, Splunk HEC, Amazon S3 (Security Lake style).

    records = read_records(Path("result.json"))
    report = deliver(records, SplunkSink(url, token))

One interface (`interface.Sink`), one module per sink, one batching/retry helper
(`batch.deliver`). What is shipped was sanitised by the scan; nothing here redacts.
"""

from __future__ import annotations

from typing import Any

from scanner.ship.interface import (
    Batch,
    SendError,
    ShipConfigError,
    ShipIncomplete,
    ShipRecord,
    Sink,
)

SINKS = ("sentinel", "splunk", "s3")
"""The `--ship` / `ship --to` names."""

__all__ = [
    "SINKS", "Batch", "RetryPolicy", "SendError", "ShipConfigError", "ShipIncomplete",
    "ShipRecord", "ShipReport", "Sink", "batches", "deliver", "read_records",
]

_LAZY = {"RetryPolicy": "batch", "ShipReport": "batch", "batches": "batch", "deliver": "batch",
         "read_records": "reader"}
"""Imported on first use: `ccscan --help` must not pay for the reader's reporters (PEP 562)."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"scanner.ship.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
