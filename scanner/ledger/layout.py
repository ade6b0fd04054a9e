"""
Where a ledger keeps things, and the few rules about names and cadences.

    DIR/.lock                 flock()ed while a bundle is appended
    DIR/bundles/000001.tar.gz one signed bundle per scan, named by its signed sequence
    DIR/ledger.jsonl          one line per append: file, sha256, scan time, append time

The bundles and their signed chain are the evidence; `ledger.jsonl` is the appender's own
record (unsigned, local clock): it says when a bundle was appended, and lets `ledger verify`
notice a bundle removed from the end of the chain, which a hash chain alone cannot.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from scanner.errors import UsageError

BUNDLES = "bundles"
INDEX = "ledger.jsonl"
LOCK = ".lock"
_BUNDLE = re.compile(r"^(\d{6,})\.tar\.gz$")
_CADENCE = re.compile(r"^(\d{1,4})([hdw])$")
_UNIT = {"h": 3600, "d": 86400, "w": 7 * 86400}


def bundle_name(sequence: int) -> str:
    """`000042.tar.gz`: names sort in chain order."""
    return f"{sequence:06d}.tar.gz"


def sequence_of(name: str) -> int | None:
    """The sequence a bundle file name claims, or None for any other name."""
    m = _BUNDLE.match(name)
    return int(m.group(1)) if m else None


def parse_cadence(text: str) -> int:
    """
    Return the seconds of a cadence such as `1d`, `12h` or `1w`.

    Raises UsageError for anything else.
    """
    m = _CADENCE.match(text.strip())
    if not m or int(m.group(1)) == 0:
        raise UsageError(f"--cadence: {text!r} is not a duration like 1d, 12h or 1w")
    return int(m.group(1)) * _UNIT[m.group(2)]


def file_sha256(path: Path) -> str:
    """The sha256 (hex) of a file's bytes: what the next bundle's link names."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
