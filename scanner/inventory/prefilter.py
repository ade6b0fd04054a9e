"""
Whether a JSONL inventory file can hold a resource of some types, from its raw bytes.

Pass 1 of a relationship scan (scanner.relindex.index_files) parses every file only to keep
the few related types; the web-site merge alone makes every scan with the App Service
policies read its inputs twice. A file whose bytes cannot spell any of those types is
skipped: reading and lower-casing its bytes costs a fraction of parsing them.

"Cannot spell" must be sound, or a related resource would be missed (a wrong verdict):
JSONL resources take their type from a string field verbatim (ARM, snapshots, PowerShell,
AWS Config, canonical AWS documents), and types compare lower-cased, so the lower-cased
bytes of the file must contain the type unless a string spelled it with an escape (`\\/`,
`\\uXXXX`) or with one of the two non-ASCII characters whose lower case is ASCII (U+212A
KELVIN SIGN -> `k`, U+0130 -> `i` + a combining dot). Any of those in the file, or any
doubt (not a `.jsonl` file, unreadable), answers "maybe", and the file is read as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

BLOCK = 4 * 1024 * 1024
_ESCAPES = (b"/", b"u", b"U")
"""After a backslash: the escapes that can write a letter, `.` or `/` of a type."""
_FOLDING = ("\u212a".encode(), "\u0130".encode())
"""UTF-8 of the non-ASCII characters whose lower case holds ASCII letters."""


def may_hold(path: Path, type_keys: Iterable[str]) -> bool:
    """
    False only when the JSONL file at `path` surely holds no resource of `type_keys`
    (lower-cased resource types); True when it may, or cannot be told cheaply.
    """
    if path.suffix.lower() != ".jsonl":
        return True
    needles = [t.encode() for t in type_keys if t]
    if not needles or any(not n.isascii() for n in needles):
        return True
    overlap = max(len(n) for n in needles + list(_FOLDING))
    tail = b""
    try:
        with path.open("rb") as f:
            while block := f.read(BLOCK):
                raw = tail + block  # a needle may straddle two blocks
                if _unsure(raw):
                    return True
                low = raw.lower()
                if any(n in low for n in needles):
                    return True
                tail = raw[-overlap:]
    except OSError:
        return True  # pass 1 reads it and reports the error, naming the file
    return False


def _unsure(raw: bytes) -> bool:
    """An escape or a case-folding character that could spell a type unseen."""
    i = raw.find(b"\\")
    while i >= 0:  # backslashes are rare (`\"` in etags): memchr from one to the next
        if raw[i + 1 : i + 2] in _ESCAPES:
            return True
        i = raw.find(b"\\", i + 2)  # past the escaped character: `\\u` is no escape
    return not raw.isascii() and any(c in raw for c in _FOLDING)
