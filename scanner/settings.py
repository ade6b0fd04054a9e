"""
Every environment variable ccscan reads, parsed in one place with typed accessors.

A variable that is set to something ccscan cannot use is a SettingError (exit 2) naming the
variable, never a silent default: `CCSCAN_MAX_JSON_BYTES=-1` must not turn a size limit off.
Variables that belong to an SDK (AZURE_*, AWS_*, REQUESTS_CA_BUNDLE) are left to the SDK.
"""

from __future__ import annotations

import os
import re

from scanner.errors import UsageError

LOGLEVEL = "CCSCAN_LOGLEVEL"
MAX_JSON_BYTES = "CCSCAN_MAX_JSON_BYTES"
STREAM_JSON_BYTES = "CCSCAN_STREAM_JSON_BYTES"
KEY_PASSPHRASE = "CCSCAN_KEY_PASSPHRASE"
SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"
NO_COLOR = "NO_COLOR"

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAX_EPOCH = 253402300799
"""9999-12-31T23:59:59Z: the last second an ISO 8601 timestamp with a 4-digit year can name."""
JSON_BYTES_CEILING = 1 << 40
"""1 TiB: one JSON document is parsed in memory; anything above is a typo, not a limit."""

_DIGITS = re.compile(r"[0-9]+", re.ASCII)  # str.isdigit() also accepts "²" and Arabic digits


class SettingError(UsageError):
    """
    An environment variable holds a value ccscan cannot use.
    """

    def __init__(self, name: str, value: str, expected: str) -> None:
        shown = value if len(value) <= 40 else value[:40] + "…"
        super().__init__(f"environment variable {name}={shown!r}: expected {expected}")
        self.name = name


def _raw(name: str) -> str | None:
    """The variable's value, stripped; None when unset or blank (blank means unset)."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return None
    return value.strip()


def _integer(name: str, low: int, high: int, expected: str) -> int | None:
    raw = _raw(name)
    if raw is None:
        return None
    if not _DIGITS.fullmatch(raw) or len(raw) > 20:
        raise SettingError(name, raw, expected)
    value = int(raw)
    if not low <= value <= high:
        raise SettingError(name, raw, expected)
    return value


def log_level() -> str | None:
    """
    Return CCSCAN_LOGLEVEL upper-cased (one of LOG_LEVELS), or None when unset.
    """
    raw = _raw(LOGLEVEL)
    if raw is None:
        return None
    if raw.upper() not in LOG_LEVELS:
        raise SettingError(LOGLEVEL, raw, f"one of {', '.join(LOG_LEVELS)}")
    return raw.upper()


def max_json_bytes(default: int) -> int:
    """
    Return CCSCAN_MAX_JSON_BYTES (a whole number of bytes, 1 to 1 TiB), or `default` when unset.
    """
    value = _integer(MAX_JSON_BYTES, 1, JSON_BYTES_CEILING, "a whole number of bytes from 1 to 2**40")
    return default if value is None else value


def stream_json_bytes(default: int) -> int:
    """
    Return CCSCAN_STREAM_JSON_BYTES (whole-file JSON larger than this is streamed; 0 streams
    every file), or `default` when unset.
    """
    value = _integer(STREAM_JSON_BYTES, 0, JSON_BYTES_CEILING, "a whole number of bytes from 0 to 2**40")
    return default if value is None else value


def source_date_epoch() -> int | None:
    """
    Return SOURCE_DATE_EPOCH (seconds since 1970, up to year 9999), or None when unset.
    """
    return _integer(SOURCE_DATE_EPOCH, 0, MAX_EPOCH, f"whole seconds since 1970, 0 to {MAX_EPOCH}")


def no_color() -> bool:
    """
    True when NO_COLOR is set to a non-empty value (https://no-color.org).
    """
    return bool(os.environ.get(NO_COLOR))


def secret(name: str) -> bytes | None:
    """
    Return the value of the variable `name` as UTF-8 bytes (a passphrase: never stripped), or
    None when unset or empty.
    """
    value = os.environ.get(name)
    return value.encode("utf-8", "surrogateescape") if value else None


def check_all() -> None:
    """
    Parse every ccscan variable once at start-up, so a bad value fails before any work.

    Raises SettingError naming the first bad variable.
    """
    log_level()
    max_json_bytes(1)
    stream_json_bytes(0)
    source_date_epoch()
