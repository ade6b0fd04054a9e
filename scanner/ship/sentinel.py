"""
Microsoft Sentinel / Azure Monitor through the Logs Ingestion API, with the official
`azure-monitor-ingestion` client (the `sentinel` extra).

Each finding becomes one row of the DCR stream (`ROW_COLUMNS`, documented in README). Given
a list, the client would re-serialise it and split it into 1 MiB chunks itself; given a
stream, it sends it as one request. Batches here are already bounded (1 MiB of JSON before
gzip, so the compressed body is well under the API's 1 MB per call), so each batch goes as
one gzipped JSON array through the stream form: no second chunking, no second
serialisation, and a retry resends exactly the batch that failed. azure-core's own retries
are off (retry_total=0) so that one policy, `scanner.ship.batch`, governs backoff and
Retry-After.
"""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime
from typing import Any

from scanner.report.meta import dumps
from scanner.ship.batch import parse_retry_after
from scanner.ship.defaults import DEFAULT_STREAM
from scanner.ship.interface import Batch, SendError, ShipConfigError, ShipRecord

MAX_BATCH_BYTES = 1_000_000
"""JSON bytes per request before gzip: the API takes 1 MB per call after compression."""

ROW_COLUMNS = (
    "TimeGenerated", "FindingId", "ScanId", "Status", "Severity", "PolicyId", "Title",
    "ResourceId", "ResourceType", "ResourceName", "Location", "Account", "Provider",
    "Message", "Remediation", "Frameworks", "Evidence", "Finding",
)
"""The DCR stream's columns; Frameworks, Evidence and Finding are `dynamic`."""


def row(record: ShipRecord) -> dict[str, Any]:
    """Return the DCR stream row of one finding."""
    f = record.finding or {}
    res = f.get("resource") or {}
    return {
        "TimeGenerated": datetime.fromtimestamp(record.time_ms / 1000, UTC).isoformat()
        .replace("+00:00", "Z"),
        "FindingId": record.finding_id,
        "ScanId": record.scan_id,
        "Status": f.get("status"),
        "Severity": f.get("severity"),
        "PolicyId": f.get("policy_id"),
        "Title": f.get("title"),
        "ResourceId": res.get("id"),
        "ResourceType": res.get("type"),
        "ResourceName": res.get("name"),
        "Location": res.get("location"),
        "Account": res.get("account"),
        "Provider": res.get("provider"),
        "Message": f.get("message"),
        "Remediation": f.get("remediation"),
        "Frameworks": f.get("frameworks") or {},
        "Evidence": f.get("evidence") or [],
        "Finding": f,
    }


class SentinelSink:
    """One DCR (endpoint, rule id, stream)."""

    name = "sentinel"
    max_batch_bytes = MAX_BATCH_BYTES
    max_batch_records = 50_000

    def __init__(self, endpoint: str, rule_id: str, stream: str = DEFAULT_STREAM,
                 credential: Any = None, **client_kwargs: Any) -> None:
        if not endpoint.startswith("https://"):
            raise ShipConfigError(f"--sentinel-endpoint must be an https:// URL, not {endpoint!r}")
        if not rule_id or not stream:
            raise ShipConfigError("Sentinel needs --sentinel-rule-id and --sentinel-stream")
        try:
            from azure.monitor.ingestion import LogsIngestionClient
        except ImportError:
            raise ShipConfigError("shipping to Sentinel needs the extra: "
                                  "pip install 'ccscan[sentinel]'") from None
        if credential is None:
            from scanner.collect.azure_auth import default_credential

            credential = default_credential(None, None)
        self.rule_id = rule_id
        self.stream = stream
        client_kwargs.setdefault("retry_total", 0)
        self._client = LogsIngestionClient(endpoint, credential, **client_kwargs)

    def partition(self, record: ShipRecord) -> str:
        return ""

    def encode(self, record: ShipRecord) -> bytes:
        if record.finding is None:
            raise ShipConfigError("Sentinel rows are built from a scan result: ship the "
                                  "`--format json` file, not OCSF JSONL")
        return dumps(row(record)).encode()

    def send(self, batch: Batch) -> None:
        from azure.core.exceptions import (
            ClientAuthenticationError,
            HttpResponseError,
            ServiceRequestError,
            ServiceResponseError,
        )

        body = gzip.compress(b"[" + b",".join(batch.payloads) + b"]", compresslevel=6)
        try:
            self._client.upload(rule_id=self.rule_id, stream_name=self.stream,
                                logs=io.BytesIO(body))
        except ClientAuthenticationError as e:
            raise SendError(f"authentication failed ({type(e).__name__})", retryable=False,
                            auth=True) from None
        except HttpResponseError as e:
            status = e.status_code or 0
            headers = getattr(e.response, "headers", None) or {}
            raise SendError(f"Logs Ingestion API answered {status}",
                            retryable=status == 429 or status >= 500,
                            retry_after=parse_retry_after(headers.get("Retry-After")),
                            auth=status in (401, 403)) from None
        except (ServiceRequestError, ServiceResponseError) as e:
            raise SendError(f"cannot reach the Logs Ingestion API ({type(e).__name__})",
                            retryable=True) from None
