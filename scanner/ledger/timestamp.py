"""
The place for a trusted timestamp of each appended bundle (RFC 3161), not built yet.

Today the only times are the signer's clock: the scan's own times (signed, inside the
bundle) and the append time (unsigned, in `ledger.jsonl`). A timestamp authority would
countersign the bundle's sha256 at append time, so that a bundle could not be back-dated
by whoever holds the signing key. `LedgerAppender.commit` calls `stamp()` and records what
it returns in the `timestamp` field of the bundle's `ledger.jsonl` line (null today).
"""

from __future__ import annotations

from typing import Any, Protocol


class TimestampAuthority(Protocol):
    def stamp(self, sha256: str) -> dict[str, Any] | None:
        """Return a timestamp token over `sha256` (e.g. base64 RFC 3161 response)."""


class NoTimestamp:
    """No authority configured: the append time is the appender's clock alone."""

    def stamp(self, sha256: str) -> dict[str, Any] | None:
        return None
