"""
Splunk HTTP Event Collector: `POST /services/collector/event`, events newline-concatenated.

The token comes only from an environment variable and goes only into the Authorization
header; it is never part of a message, log line or exception. TLS is always verified
(`ca_file` adds a private CA); there is no switch to turn verification off. HEC indexer
acknowledgement is not used: a 200 means HEC accepted the batch, and a batch whose answer
is lost is sent again (at-least-once; search de-duplicates on `event.id`).
"""

from __future__ import annotations

import platform
import ssl
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from scanner.report.meta import dumps
from scanner.ship.batch import parse_retry_after
from scanner.ship.interface import Batch, SendError, ShipConfigError, ShipRecord

MAX_BATCH_BYTES = 1_000_000
"""HEC's default `max_content_length` is 1 MB per request (limits.conf): stay under it."""


_MAX_ANSWER = 64 * 1024


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Turn every redirect into the HTTPError it answers with."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class SplunkSink:
    """One HEC endpoint; `send` posts one batch per request."""

    name = "splunk"
    max_batch_bytes = MAX_BATCH_BYTES
    max_batch_records = 10_000

    def __init__(self, url: str, token: str, ca_file: str | None = None,
                 index: str | None = None, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise ShipConfigError(f"--splunk-url must be an https:// URL, not {url!r}")
        if not token or any(c in token for c in "\r\n\x00") or token != token.strip():
            raise ShipConfigError("the Splunk token variable is empty or holds control characters")
        path = parts.path.rstrip("/")
        if not path.endswith("/services/collector/event"):
            path += "/services/collector/event"
        self.url = parts._replace(path=path, query="", fragment="").geturl()
        self._token = token
        self.index = index
        self.timeout = timeout
        try:
            self._ssl = ssl.create_default_context(cafile=ca_file)
        except (OSError, ssl.SSLError) as e:
            raise ShipConfigError(f"--splunk-ca {ca_file}: cannot load: {e}") from None
        self.host = platform.node() or "ccscan"
        # No redirects: following one would hand the token (Authorization) to another URL.
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=self._ssl), _NoRedirect)

    def __repr__(self) -> str:  # no token in any repr a traceback or debugger shows
        return f"SplunkSink({self.url!r})"

    def partition(self, record: ShipRecord) -> str:
        return ""

    def encode(self, record: ShipRecord) -> bytes:
        event: dict[str, Any] = {
            "time": record.time_ms / 1000,
            "host": self.host,
            "source": "ccscan",
            "sourcetype": "ccscan:finding" if record.finding is not None else "ccscan:ocsf",
            "event": record.finding if record.finding is not None else record.event(),
        }
        if self.index:
            event["index"] = self.index
        return dumps(event).encode()

    def send(self, batch: Batch) -> None:
        body = b"\n".join(batch.payloads)
        req = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Authorization": f"Splunk {self._token}",
            "Content-Type": "application/json",
        })
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                resp.read(_MAX_ANSWER)  # HEC answers a line of JSON; never read more
        except urllib.error.HTTPError as e:
            status = e.code
            retry_after = parse_retry_after(e.headers.get("Retry-After") if e.headers else None)
            e.close()
            moved = " (redirects are not followed: give the final URL)" if 300 <= status < 400 else ""
            raise SendError(f"HEC answered {status}{moved}", retryable=status == 429 or status >= 500,
                            retry_after=retry_after, auth=status in (401, 403)) from None
        except urllib.error.URLError as e:
            reason = e.reason
            if isinstance(reason, ssl.SSLCertVerificationError):
                raise SendError(f"TLS verification failed: {reason.verify_message}"
                                " (a private CA? --splunk-ca FILE)", retryable=False) from None
            raise SendError(f"cannot reach HEC: {reason}", retryable=True) from None
        except (TimeoutError, ConnectionError, ssl.SSLError) as e:
            raise SendError(f"HEC connection failed: {type(e).__name__}", retryable=True) from None
