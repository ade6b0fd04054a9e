"""
Free text: replace every secret-looking part (patterns.RULES), also inside base64.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from typing import Any

from scanner.sanitise.patterns import BASE64_RUN, RULES, TRIGGERS, Rule

MARK_PREFIX = "[REDACTED sha256:"
MIN_LENGTH = 8
"""Shorter texts hold no rule's match worth hiding (`sig=abc` is 7)."""
_BASE64_MIN = 20

# One pass over the lower-cased text for all literals; literal alternations are linear.
_GATE = re.compile("|".join(re.escape(t) for t in TRIGGERS))
_BASE64_ALPHABET = bytes.maketrans(b"-_", b"+/")


def mark(value: Any) -> str:
    """
    Return the redaction marker for `value`: `[REDACTED sha256:<16 hex>]`.
    """
    digest = hashlib.sha256(str(value).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{MARK_PREFIX}{digest}]"


def sanitise_text(text: str) -> str:
    """
    Return `text` with every secret-looking part replaced by its marker: tokens, keys and
    passwords in connection strings, URLs and headers, and base64 that decodes to one.
    """
    if len(text) < MIN_LENGTH:
        return text
    text = _apply_rules(text)
    if len(text) >= _BASE64_MIN:
        text = _base64_pass(text)
    return text


def holds_secret(text: str) -> bool:
    """Return True when some rule matches `text` (base64 not decoded)."""
    return _apply_rules(text) != text


def _apply_rules(text: str) -> str:
    low = text.lower()
    if _GATE.search(low) is None:
        return text
    for rule in RULES:
        if any(t in low for t in rule.triggers):
            replaced = rule.regex.sub(_replacer(rule), text)
            if replaced != text:
                text, low = replaced, replaced.lower()
    return text


def _replacer(rule: Rule) -> Any:
    group = rule.group

    def replace(m: Any) -> str:
        secret = m.group(group)
        if not secret or secret.startswith(MARK_PREFIX):
            return str(m.group(0))
        start, end = m.span(group)
        base = m.start(0)
        whole = m.group(0)
        return str(whole[: start - base] + mark(secret) + whole[end - base :])

    return replace


def _base64_pass(text: str) -> str:
    """Replace each base64 run that decodes to text holding a secret, whatever its offset."""
    out: list[str] = []
    last = 0
    for m in BASE64_RUN.finditer(text):
        run = m.group(0)
        if _decodes_to_secret(run):
            start, end = m.span()
            out += [text[last:start], mark(run)]
            last = end
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _decodes_to_secret(run: str) -> bool:
    # A secret's base64 may sit inside a longer run (`prefix` + base64): try all four
    # alignments, and read the bytes as latin-1 so stray bytes around it do not matter.
    raw = run.rstrip("=").encode("ascii").translate(_BASE64_ALPHABET)
    for offset in range(4):
        chunk = raw[offset:]
        if len(chunk) < 16:
            break
        rest = len(chunk) % 4  # pad a final partial group; a lone extra character is noise
        chunk = chunk[:-1] if rest == 1 else chunk + b"=" * ((4 - rest) % 4)
        try:
            decoded = binascii.a2b_base64(chunk).decode("latin-1")
        except binascii.Error:
            continue
        if holds_secret(decoded):
            return True
    return False
