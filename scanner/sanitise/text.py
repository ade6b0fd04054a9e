"""
Free text: replace every secret-looking part (patterns.RULES), also inside base64.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import re
from typing import Any

import re2  # type: ignore[import-untyped]  # google-re2 ships no type information

from scanner.sanitise.patterns import RULES, TRIGGERS, Rule

MARK_PREFIX = "[REDACTED sha256:"
MIN_LENGTH = 8
"""Shorter texts hold no rule's match worth hiding (`sig=abc` is 7)."""
_BASE64_MIN = 20
_CACHED_LENGTH = 256
"""Short texts (enum values, types, locations, pass messages) repeat: sanitise each once."""

# One pass over the lower-cased text for all literals (RE2: a DFA, whatever the length).
_GATE = re2.compile("|".join(re.escape(t) for t in TRIGGERS))


def _gate_search() -> Any:
    """
    `_GATE.search(low) is not None`, as cheaply as the binding allows.

    The binding's `search` wraps RE2 in a Python generator that maps byte offsets back to
    characters (~4 µs a call, once per resource id and long message); the gate needs only
    hit or miss, so it calls the compiled RE2 object on the UTF-8 bytes (~1.5 µs), the way
    `search` itself does. Should a release of google-re2 rename those internals, or answer
    a probe differently, the public `search` is used.
    """
    try:
        match, unanchored = _GATE._regexp.Match, re2._Anchor.UNANCHORED

        def hit(low: str) -> bool:
            data = low.encode("utf-8")  # what the binding's own search encodes (and raises)
            return match(unanchored, data, 0, len(data))[0][0] >= 0

        if all(hit(t) == (_GATE.search(t) is not None)
               for t in ("", "plain text", "token", "x-token=1", "ü password é")):
            return hit
    except (AttributeError, TypeError, IndexError, ValueError):
        pass
    return lambda low: _GATE.search(low) is not None


_gate_hit = _gate_search()
_NOT_SECRETS = frozenset({"true", "false", "none", "null", "enabled", "disabled", "required"})
_BASE64_ALPHABET = bytes.maketrans(b"-_", b"+/")
# A run of base64 (standard or URL-safe) long enough to hide a token. Python re, not RE2:
# one character class, no nesting, so at most 20 steps per character (measured in tests),
# and far cheaper per call than the RE2 binding on the many strings that hold no run.
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{20,}={0,2}")
# Bytes of text (printable ASCII, tab, newlines): decoded base64 that is mostly not text
# is an id or a hash, not an encoded secret, and is not searched.
_TEXT_BYTES = bytes(range(32, 127)) + b"\t\r\n"


def mark(value: Any) -> str:
    """
    Return the redaction marker for `value`: `[REDACTED sha256:<16 hex>]`.
    """
    digest = hashlib.sha256(str(value).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{MARK_PREFIX}{digest}]"


def sanitise_text(text: str, base64: bool = True, repeats: bool = True) -> str:
    """
    Return `text` with every secret-looking part replaced by its marker: tokens, keys and
    passwords in connection strings, URLs and headers, and base64 that decodes to one.

    `base64=False` skips decoding, for texts assembled from already sanitised values;
    `repeats=False` for texts seen once (resource ids), which would only evict from the
    cache the texts that do repeat.
    """
    if len(text) < MIN_LENGTH:
        return text
    if repeats and len(text) <= _CACHED_LENGTH:
        return _sanitise_short(text, base64)
    return _sanitise(text, base64)


@functools.lru_cache(maxsize=16384)
def _sanitise_short(text: str, base64: bool) -> str:
    return _sanitise(text, base64)


def _sanitise(text: str, base64: bool) -> str:
    text = _apply_rules(text)
    if base64 and len(text) >= _BASE64_MIN:
        text = _base64_pass(text)
    return text


def holds_secret(text: str) -> bool:
    """Return True when some rule matches `text` (base64 not decoded)."""
    return _apply_rules(text) != text


def _apply_rules(text: str) -> str:
    low = text.lower()
    if not _gate_hit(low):
        return text
    for rule, replace in _REPLACERS:
        for t in rule.triggers:
            if t in low:
                break
        else:
            continue
        replaced = rule.regex.sub(replace, text)
        if replaced != text:
            text, low = replaced, replaced.lower()
    return text


def _replacer(rule: Rule) -> Any:
    group = rule.group

    def replace(m: Any) -> str:
        secret = m.group(group)
        # `token=true` in a message about a flag, or a value already replaced
        if not secret or secret.startswith(MARK_PREFIX) or secret.lower() in _NOT_SECRETS:
            return str(m.group(0))
        start, end = m.span(group)
        base = m.start(0)
        whole = m.group(0)
        return str(whole[: start - base] + mark(secret) + whole[end - base :])

    return replace


_REPLACERS = tuple((rule, _replacer(rule)) for rule in RULES)


def _base64_pass(text: str) -> str:
    """Replace each base64 run that decodes to text holding a secret, whatever its offset."""
    out: list[str] = []
    last = 0
    for m in _BASE64_RUN.finditer(text):
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
    # Paths, GUIDs and dashed names are runs too, but base64 of text seldom holds `/`, `-`
    # or `_` (sextets 62 and 63 need bytes such as `>`, `?`, `~`): more than one in twelve
    # characters is an identifier, not an encoded secret.
    if 12 * (run.count("/") + run.count("-") + run.count("_")) > len(run):
        return False
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
            data = binascii.a2b_base64(chunk)
        except binascii.Error:
            continue
        # a few stray bytes where the run began before the secret's own base64
        if len(data.translate(None, _TEXT_BYTES)) > 3 + len(data) // 16:
            continue
        if holds_secret(data.decode("latin-1")):
            return True
    return False
