"""
Canonical JSON (RFC 8785, JCS) for everything that is signed or hashed as JSON.
"""

from __future__ import annotations

from typing import Any

import rfc8785


def canonical_json(value: Any) -> bytes:
    """
    Return the RFC 8785 serialisation of `value` (UTF-8, sorted keys, no whitespace).

    Raises ValueError for values JCS cannot represent (non-finite floats, ints over 2**53).
    """
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as e:
        raise ValueError(f"cannot canonicalise JSON: {e}") from e
