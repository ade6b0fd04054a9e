"""
Turn azure-core exceptions into the one-line reasons of incomplete scopes.

Reasons quote ARM's error code and message (which name the missing permission or the
unregistered provider); they never include request headers, so no token can leak.
"""

from __future__ import annotations

import contextlib
from typing import Any

_MAX = 240


def describe(error: BaseException) -> str:
    """
    Return why a read failed, in one line a user can act on.
    """
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ServiceRequestError,
        ServiceResponseError,
    )

    if isinstance(error, ServiceResponseError):
        # Raised after RetryPolicy gave up on read timeouts or dropped connections.
        return _line(
            f"no response from ARM (timed out or connection reset, retries exhausted): {_first(error)}"
        )
    if isinstance(error, ServiceRequestError):
        return _line(f"could not reach ARM: {_first(error)}")
    if isinstance(error, HttpResponseError):
        status = error.status_code
        code, message = arm_error(error)
        if code == "MissingSubscriptionRegistration" or (
            status in (400, 409) and "regist" in (code or "").lower()
        ):
            prefix = f"HTTP {status} {code}: resource provider not registered in this subscription"
        elif status == 403:
            prefix = f"HTTP 403 {code or 'Forbidden'}: permission denied"
        elif isinstance(error, ClientAuthenticationError):
            prefix = f"HTTP {status} {code or 'Unauthorized'}: the token was rejected"
        elif status == 429:
            prefix = f"HTTP 429 {code or 'TooManyRequests'}: still throttled after retries"
        else:
            prefix = f"HTTP {status} {code or error.reason or ''}".rstrip()
        return _line(f"{prefix} ({message})" if message else prefix)
    if isinstance(error, ClientAuthenticationError):
        return _line(f"authentication failed: {_first(error)}")
    return _line(f"{type(error).__name__}: {_first(error)}")


def arm_error(error: Any) -> tuple[str | None, str | None]:
    """
    Return ARM's error `code` and `message` from an HttpResponseError, where present.
    """
    odata = getattr(error, "error", None)
    code = getattr(odata, "code", None)
    message = getattr(odata, "message", None)
    if code is None:
        # A non-JSON error body (a proxy's HTML page): the status says enough.
        with contextlib.suppress(ValueError, AttributeError, TypeError):
            body = error.response.json()
            inner = body.get("error") or body
            code, message = inner.get("code"), inner.get("message")
    return code, message


def is_not_found(error: BaseException, code: str) -> bool:
    """Whether `error` is an HTTP 404 with ARM error code `code`."""
    return getattr(error, "status_code", None) == 404 and arm_error(error)[0] == code


def _first(error: BaseException) -> str:
    text = str(getattr(error, "message", None) or error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__


def _line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX else text[: _MAX - 3] + "..."
