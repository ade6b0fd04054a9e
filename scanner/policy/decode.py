"""
The `decode` condition: read a field that holds an encoded document, and test inside it.

```yaml
decode: {field: properties.release_policy.data, as: base64json, where: {field: anyOf[*].authority, like: 'https://*.attest.azure.net'}}
decode: {field: properties.confidentialComputeProperties.ccePolicy, as: base64, where: {field: text, regex: 'allow_all\\s*:=\\s*true'}}
```

`base64json` accepts base64 or base64url (padded or not) of a JSON document; `base64` gives
the decoded UTF-8 text as `{"text": …}`. A missing field is false (as for any field); a value
that does not decode is `unknown`: evidence we cannot read proves nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from scanner.policy.model import Check
from scanner.policy.paths import MISSING

DECODERS = ("base64json", "base64")
MAX_ENCODED = 1 << 20
"""Characters of one encoded value; key release and CCE policies are a few kilobytes."""


class UndecodableValue(Exception):
    """A field that should hold an encoded document does not; the engine's `unknown`."""


def _b64(text: str, label: str) -> bytes:
    if len(text) > MAX_ENCODED:
        raise UndecodableValue(f"{label} is {len(text)} characters long, over the {MAX_ENCODED} limit")
    compact = "".join(text.split()).replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError) as e:
        raise UndecodableValue(f"{label} is not base64 ({e})") from e


def decoder(kind: str, label: str) -> Callable[[Any], Any]:
    """Return `decode(value) -> document`, raising UndecodableValue."""

    def decode(value: Any) -> Any:
        if not isinstance(value, str):
            raise UndecodableValue(f"{label} holds {type(value).__name__}, not encoded text")
        raw = _b64(value, label)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise UndecodableValue(f"{label} does not decode to UTF-8 text") from e
        if kind == "base64":
            return {"text": text}
        try:
            return json.loads(text)
        except (ValueError, RecursionError) as e:
            raise UndecodableValue(f"{label} does not decode to JSON ({type(e).__name__})") from e

    return decode


def decode_check(label: str, get: Callable[[Any], Any], decode: Callable[[Any], Any], where: Check) -> Check:
    def check(doc: Any, reads: Any, elem: Any) -> bool:
        value = get(doc)
        if reads is not None:
            reads.append((label, value))
        if value is MISSING:
            return False
        inner = decode(value)
        sub: list | None = [] if reads is not None else None
        ok = where(inner, sub, None)
        if sub:
            for path, observed in sub:
                reads.append((f"{label}[decoded].{path}", observed))
        return ok

    return check
