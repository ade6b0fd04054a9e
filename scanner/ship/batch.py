"""
Size-bounded batching and delivery with retries, shared by every sink.

Batches close when the next record would pass the sink's byte or record bound; a sink that
partitions (S3 keys by region/account/day) keeps one open batch per partition, so memory is
bounded by partitions x batch size, never by the number of findings. Each batch is retried
on 429/5xx/connection failures with exponential backoff and full jitter, honouring
Retry-After, up to `attempts` tries; then delivery stops with `ShipIncomplete` (exit 3),
naming how many findings were delivered. Delivery is at-least-once: a batch whose answer
was lost is sent again, and the SIEM de-duplicates on the stable finding id.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from scanner.ship.interface import (
    Batch,
    SendError,
    ShipConfigError,
    ShipIncomplete,
    ShipRecord,
    Sink,
)

logger = logging.getLogger(__name__)

MAX_RETRY_AFTER = 300.0
"""A longer Retry-After than this (seconds) is capped: a pipeline must not hang for hours."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 5
    """Tries per batch, the first included."""
    base: float = 0.5
    """Seconds before the first retry (doubled each time, then jittered)."""
    cap: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    rng: Callable[[], float] = random.random

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before try `attempt + 1` (attempt counts from 1)."""
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, MAX_RETRY_AFTER)
        return self.rng() * min(self.cap, self.base * 2 ** (attempt - 1))


@dataclass(slots=True)
class ShipReport:
    sink: str
    delivered: int = 0
    batches: int = 0
    retries: int = 0
    bytes: int = 0


def batches(records: Iterable[ShipRecord], sink: Sink) -> Iterator[Batch]:
    """
    Yield full batches as records arrive, then the partly filled ones.

    A single record larger than the sink's byte bound goes alone in its batch: dropping it
    would ship a smaller, cleaner-looking set of findings.
    """
    open_: dict[str, Batch] = {}
    parts: dict[str, int] = {}
    held = 0
    max_held = getattr(sink, "max_open_bytes", 0) or 4 * sink.max_batch_bytes
    for record in records:
        key = sink.partition(record)
        payload = sink.encode(record)
        batch = open_.get(key)
        if batch is not None and batch.records and (
            batch.size + len(payload) + 1 > sink.max_batch_bytes
            or len(batch.records) >= sink.max_batch_records
        ):
            held -= batch.size
            yield open_.pop(key)
            batch = None
        if batch is None:
            batch = open_[key] = Batch(key, parts.get(key, 0))
            parts[key] = batch.part + 1
        batch.records.append(record)
        batch.payloads.append(payload)
        batch.size += len(payload) + 1
        held += len(payload) + 1
        if held > max_held:
            # Many partitions, each filling slowly: send the biggest early, so what is held
            # stays bounded (the order is still fixed by the input: keys stay deterministic).
            biggest = max(open_, key=lambda k: open_[k].size)
            held -= open_[biggest].size
            yield open_.pop(biggest)
    yield from open_.values()


def deliver(records: Iterable[ShipRecord], sink: Sink, retry: RetryPolicy | None = None) -> ShipReport:
    """
    Send every record through `sink`; return what was delivered.

    Raises `ShipIncomplete` (exit 3) when a batch fails for good after something was
    delivered, and `ShipConfigError` (exit 2) when the very first batch is refused for
    authentication or authorisation.
    """
    retry = retry or RetryPolicy()
    report = ShipReport(sink.name)
    for batch in batches(records, sink):
        attempt = 1
        while True:
            try:
                sink.send(batch)
                break
            except SendError as e:
                if e.auth and not report.delivered:
                    raise ShipConfigError(f"{sink.name}: {e.reason}") from None
                if not e.retryable or attempt >= retry.attempts:
                    tries = f" after {attempt} attempts" if e.retryable else ""
                    raise ShipIncomplete(
                        f"{sink.name}: delivery stopped{tries}: {e.reason}; "
                        f"{report.delivered} findings delivered in {report.batches} batches "
                        "(re-run to send the rest: the SIEM de-duplicates on the finding id)",
                        report.delivered,
                    ) from None
                wait = retry.delay(attempt, e.retry_after)
                logger.info("%s: %s; retry %d in %.1fs", sink.name, e.reason, attempt, wait)
                retry.sleep(wait)
                attempt += 1
                report.retries += 1
        report.delivered += len(batch.records)
        report.batches += 1
        report.bytes += batch.size
    return report


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """
    Return the seconds a Retry-After header asks for (delta-seconds or an HTTP date), or
    None when it is absent or unreadable (then the backoff decides).
    """
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
        return max(0.0, seconds)
    return seconds if 0 <= seconds < float("inf") else None
