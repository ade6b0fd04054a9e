"""
`getter`'s unrolled paths (one to four keys) read exactly what the general key walk reads:
the same value, MISSING for absent keys, nulls and non-mappings on the way, and the
case-insensitive retry when a key is written in another case.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.policy.paths import MISSING, getter

_KEYS = st.sampled_from(["a", "A", "b", "B", "properties", "Properties"])
_LEAF = st.none() | st.booleans() | st.integers() | st.text(max_size=3)
_DOC = st.recursive(_LEAF, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(_KEYS, inner, max_size=4), max_leaves=20)


def _walk(doc, keys):
    # Expected by hand: the documented rule, one key at a time.
    v = doc
    for k in keys:
        if not isinstance(v, dict):
            return MISSING
        if k in v:
            v = v[k]
        else:
            v = next((x for kk, x in v.items() if kk.lower() == k.lower()), MISSING)
        if v is None or v is MISSING:
            return MISSING
    return v


@given(_DOC, st.lists(_KEYS, min_size=1, max_size=5).map(tuple))
@settings(max_examples=600, deadline=None)
def test_unrolled_getter_reads_like_the_walk(doc, keys):
    assert getter(keys)(doc) == _walk(doc, keys) or (getter(keys)(doc) is MISSING and _walk(doc, keys) is MISSING)


def test_by_hand():
    doc = {"properties": {"Security": {"type": "x", "off": None}}, "list": [1]}
    assert getter(("properties", "security", "type"))(doc) == "x"  # case-insensitive retry
    assert getter(("properties", "Security", "off"))(doc) is MISSING  # null
    assert getter(("list", "x"))(doc) is MISSING  # not a mapping
    assert getter(("properties", "Security", "type", "deeper"))(doc) is MISSING  # a string
    assert getter(("nothing",))(doc) is MISSING
    assert getter(("properties",))(None) is MISSING
