"""
The trigger gate's fast path (the compiled RE2 object called directly) answers exactly as
the binding's public `search` does, for any text.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.sanitise import text
from scanner.sanitise.patterns import TRIGGERS

_PIECES = st.sampled_from([*TRIGGERS, "é", "ü", "中", "\u2028", "\x00", " ", "/", "=", "x"])


def test_the_fast_path_is_in_use():
    # With google-re2 as pinned, the probe passes; a fallback would still be correct, slower.
    assert text._gate_hit.__name__ == "hit"


@given(st.lists(_PIECES | st.text(max_size=8), max_size=12).map("".join))
@settings(max_examples=500, deadline=None)
def test_gate_agrees_with_re2_search(value):
    low = value.lower()
    assert text._gate_hit(low) == (text._GATE.search(low) is not None)


def test_gate_by_hand():
    assert text._gate_hit("server=db;password=hunter2") is True
    assert text._gate_hit("ä token ö") is True
    assert text._gate_hit("/subscriptions/0000/resourcegroups/rg/providers/x") is False
    assert text._gate_hit("") is False
