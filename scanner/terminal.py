"""
The one gate between text taken from inputs and a terminal: control characters escaped.

Inventories, policies, waivers and bundles are written by someone else. Printed raw, an ESC
sequence in a resource name could repaint the screen, a newline could forge a `Summary:`
line, a carriage return could overwrite a NOT VERIFIED warning. Everything bound for a
terminal (table, policy and lint text, bundle summaries, error and log lines) goes through
`escape`, which shows such characters as visible escapes (`\\x1b`, `\\n`, `\\u202e`).
"""

from __future__ import annotations

import logging
import re

# C0, DEL and C1 controls; Unicode line/paragraph separators (split lines like a newline);
# bidirectional overrides and isolates (reorder what is shown: "Trojan Source"); lone
# surrogates (left by undecodable bytes: a UTF-8 terminal cannot even encode them).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_UNSAFE_BUT_NEWLINE = re.compile(_UNSAFE.pattern.replace("\x00-\x1f", "\x00-\x09\x0b-\x1f"))
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(m: re.Match[str]) -> str:
    ch = m.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(text: object, keep_newlines: bool = False) -> str:
    """
    Return `text` (str() of it) safe to print: every control character shown as an escape.

    With `keep_newlines`, "\\n" stays a line break (multi-line text such as a policy's
    description or a bundle's summary.md); "\\r" and every other control is still escaped.
    """
    s = text if isinstance(text, str) else str(text)
    return (_UNSAFE_BUT_NEWLINE if keep_newlines else _UNSAFE).sub(_visible, s)


class EscapingFormatter(logging.Formatter):
    """
    A log formatter whose lines cannot carry control characters from the logged values.

    Only the message line is escaped: a traceback (with -vv) keeps its own line breaks.
    """

    def formatMessage(self, record: logging.LogRecord) -> str:
        return escape(super().formatMessage(record))
