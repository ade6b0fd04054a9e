"""
Amazon S3, Security Lake style: OCSF JSONL objects under a deterministic key.

Key: `<prefix>/region=<r>/accountid=<a>/eventday=<YYYYMMDD>/<scan_id>-<part>.ocsf.jsonl`,
one object per `max_batch_records` findings of one (region, account, day). The same scan
shipped twice writes the same keys, so a re-ship overwrites instead of duplicating. Key
parts taken from findings are reduced to `[A-Za-z0-9._-]` (an account "../x" cannot move an
object elsewhere). boto3's own retries are off so that `scanner.ship.batch` governs them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from scanner.ship.defaults import DEFAULT_PREFIX
from scanner.ship.interface import Batch, SendError, ShipConfigError, ShipRecord

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RETRYABLE_CODES = {"SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout",
                    "Throttling", "ThrottlingException", "RequestTimeTooSkewed"}


def key_part(value: Any, default: str) -> str:
    """Return `value` safe for one S3 key segment."""
    text = _UNSAFE.sub("_", str(value or "")).strip("._") or default
    return text[:128]


class S3Sink:
    """One bucket and prefix."""

    name = "s3"
    max_batch_bytes = 64 * 1024 * 1024
    max_batch_records = 10_000
    max_open_bytes = 128 * 1024 * 1024
    """Findings held across all partitions before the largest object is written early."""

    def __init__(self, bucket: str, prefix: str = DEFAULT_PREFIX, region: str | None = None,
                 endpoint_url: str | None = None, client: Any = None) -> None:
        if not bucket or "/" in bucket:
            raise ShipConfigError(f"--s3-bucket must be a bucket name, not {bucket!r}")
        self.bucket = bucket
        self.prefix = "/".join(key_part(p, "_") for p in prefix.strip("/").split("/") if p)
        if client is None:
            try:
                import boto3  # type: ignore[import-untyped]
                from botocore.config import Config  # type: ignore[import-untyped]
            except ImportError:
                raise ShipConfigError("shipping to S3 needs the extra: pip install 'ccscan[aws]'") from None
            client = boto3.client("s3", region_name=region, endpoint_url=endpoint_url,
                                  config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
        self._client = client

    def partition(self, record: ShipRecord) -> str:
        cloud = record.event().get("cloud") or {}
        region = key_part(cloud.get("region"), "global")
        account = key_part((cloud.get("account") or {}).get("uid"), "unknown")
        day = datetime.fromtimestamp(record.time_ms / 1000, UTC).strftime("%Y%m%d")
        scan = key_part(record.scan_id, "scan")
        return f"region={region}/accountid={account}/eventday={day}/{scan}"

    def key(self, batch: Batch) -> str:
        """Return the object key of a batch: `<prefix>/<partition>-<part>.ocsf.jsonl`."""
        name = f"{batch.partition}-{batch.part:05d}.ocsf.jsonl"
        return f"{self.prefix}/{name}" if self.prefix else name

    def encode(self, record: ShipRecord) -> bytes:
        from scanner.report.meta import dumps

        return dumps(record.event()).encode()

    def send(self, batch: Batch) -> None:
        from botocore.exceptions import (  # type: ignore[import-untyped]
            BotoCoreError,
            ClientError,
            NoCredentialsError,
        )

        key = self.key(batch)
        body = b"\n".join(batch.payloads) + b"\n"
        try:
            self._client.put_object(Bucket=self.bucket, Key=key, Body=body,
                                    ContentType="application/x-ndjson")
        except NoCredentialsError:
            raise SendError("no AWS credentials", retryable=False, auth=True) from None
        except ClientError as e:
            err = e.response.get("Error", {})
            code = str(err.get("Code", ""))
            status = int(e.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            retryable = code in _RETRYABLE_CODES or status == 429 or status >= 500
            raise SendError(f"S3 PutObject {key}: {code or status}", retryable=retryable,
                            auth=code in ("AccessDenied", "InvalidAccessKeyId",
                                          "SignatureDoesNotMatch")) from None
        except BotoCoreError as e:
            raise SendError(f"S3 PutObject {key}: {type(e).__name__}", retryable=True) from None
