"""
The interface every SIEM sink implements, and the errors shipping raises.

A sink turns one record into the bytes its service ingests (`encode`) and delivers a batch
of them (`send`). Batching, retries and backoff live in `scanner.ship.batch`, once for all
sinks; a sink only says how big a batch may be and whether a failure is worth retrying.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from scanner.errors import CcscanError


@dataclass(frozen=True, slots=True)
class ShipRecord:
    """
    One finding to ship, in the shape(s) a sink may want.
    """

    finding_id: str
    """The stable finding id: the de-duplication key on the SIEM side (at-least-once)."""
    finding: dict[str, Any] | None = None
    """The finding as in the scan result JSON; None when the input was OCSF JSONL."""
    scan_id: str = ""
    time_ms: int = 0
    """The scan's start, epoch milliseconds (the event time every sink uses)."""
    ocsf: dict[str, Any] | None = None
    """The OCSF event when the input was OCSF JSONL; else built on demand by `event()`."""
    to_ocsf: Callable[[], dict[str, Any]] | None = None

    def event(self) -> dict[str, Any]:
        """
        Return the OCSF Compliance Finding event, as `--format ocsf` writes it (built only
        for sinks that ship OCSF: it is the costliest step of reading a scan result).
        """
        if self.ocsf is not None:
            return self.ocsf
        assert self.to_ocsf is not None, "a record has a finding or an OCSF event"
        return self.to_ocsf()


@dataclass(slots=True)
class Batch:
    """
    Encoded records bound for one request (or one object).
    """

    partition: str
    """Sinks that split by destination (S3 key prefix) group records by this; else ""."""
    part: int
    """0, 1, 2 ... within the partition: deterministic for the same input."""
    records: list[ShipRecord] = field(default_factory=list)
    payloads: list[bytes] = field(default_factory=list)
    size: int = 0
    """Sum of payload sizes plus one separator byte each."""


class Sink(Protocol):
    """
    One destination. `max_batch_bytes` and `max_batch_records` bound every batch.
    """

    name: str
    max_batch_bytes: int
    max_batch_records: int

    def partition(self, record: ShipRecord) -> str:
        """Return the group a record belongs to ("" when the sink has one destination)."""
        ...

    def encode(self, record: ShipRecord) -> bytes:
        """Return the record as the service ingests it."""
        ...

    def send(self, batch: Batch) -> None:
        """Deliver one batch; raise `SendError` when it was not accepted."""
        ...


class SendError(Exception):
    """
    A batch was not accepted. The message never carries a credential.
    """

    def __init__(self, reason: str, retryable: bool, retry_after: float | None = None,
                 auth: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        """429, 5xx or a dropped connection: the same batch may succeed later."""
        self.retry_after = retry_after
        """Seconds the service asked us to wait (Retry-After), if it said."""
        self.auth = auth
        """401/403: a configuration problem rather than a transient one."""


class ShipConfigError(CcscanError):
    """
    Shipping cannot start: a missing token variable, a bad URL, no bucket (exit 2).
    """


class ShipIncomplete(CcscanError):
    """
    Some findings were not delivered after every retry (exit 3); says how many were.
    """

    exit_code = 3

    def __init__(self, message: str, delivered: int) -> None:
        super().__init__(message)
        self.delivered = delivered
