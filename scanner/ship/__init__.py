"""
Shipping findings to a SIEM: Microsoft Sentinel, Splunk HEC, Amazon S3 (Security Lake style).

    records = read_records(Path("result.json"))
    report = deliver(records, SplunkSink(url, token))

One interface (`interface.Sink`), one module per sink, one batching/retry helper
(`batch.deliver`). What is shipped was sanitised by the scan; nothing here redacts.
"""

from __future__ import annotations

from scanner.ship.batch import RetryPolicy, ShipReport, batches, deliver
from scanner.ship.interface import (
    Batch,
    SendError,
    ShipConfigError,
    ShipIncomplete,
    ShipRecord,
    Sink,
)
from scanner.ship.reader import read_records

SINKS = ("sentinel", "splunk", "s3")
"""The `--ship` / `ship --to` names."""

__all__ = [
    "SINKS", "Batch", "RetryPolicy", "SendError", "ShipConfigError", "ShipIncomplete",
    "ShipRecord", "ShipReport", "Sink", "batches", "deliver", "read_records",
]
