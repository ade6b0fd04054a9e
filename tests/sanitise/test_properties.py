"""
Properties: a planted secret, anywhere in any JSON document, never survives sanitising.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.sanitise import MARK_PREFIX, sanitise_document, sanitise_text, sanitise_value

from .corpus import NAMED, Planted, corpus, leaks

SEPARATORS = " \n\t;,\"'()<>|"
TEMPLATES = len(corpus(random.Random(0)))

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=15,
)


def strings_of(value: Any) -> list[str]:
    """Every string (keys included) in a JSON value: where a leak would be."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [str(k), *strings_of(v)]]
    if isinstance(value, list):
        return [s for v in value for s in strings_of(v)]
    return []


@st.composite
def planted_secret(draw: st.DrawFn) -> Planted:
    rng = draw(st.randoms(use_true_random=False))
    return corpus(rng)[draw(st.integers(0, TEMPLATES - 1))]


@st.composite
def embedded(draw: st.DrawFn, text: str, key: str | None = None) -> Any:
    """`text` at a random depth and position inside random JSON, maybe inside longer text."""
    if key is None and draw(st.booleans()):
        text = (draw(st.text(max_size=10)) + draw(st.sampled_from(SEPARATORS)) + text
                + draw(st.sampled_from(SEPARATORS)) + draw(st.text(max_size=10)))
    value: Any = {key: text} if key is not None else text
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.booleans()):
            siblings = draw(st.dictionaries(st.text(max_size=12), json_values, max_size=3))
            siblings[draw(st.text(min_size=1, max_size=12))] = value
            value = siblings
        else:
            items = draw(st.lists(json_values, max_size=3))
            items.insert(draw(st.integers(0, len(items))), value)
            value = items
    return value if isinstance(value, dict) else {"properties": value}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_planted_secret_never_survives_a_document(data):
    secret = data.draw(planted_secret())
    doc = data.draw(embedded(secret.text))
    out = sanitise_document(doc)
    assert not leaks("\x00".join(strings_of(out)), [secret])


@settings(max_examples=100, deadline=None)
@given(st.data(), st.sampled_from(sorted(NAMED)))
def test_a_secret_under_a_secret_name_never_survives(data, name):
    value = NAMED[name](data.draw(st.randoms(use_true_random=False)))
    doc = data.draw(embedded(value, key=name))
    out = sanitise_document(doc)
    assert not leaks("\x00".join(strings_of(out)), [Planted(name, value, (value,))])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(planted_secret(), st.text(max_size=20), st.sampled_from(SEPARATORS))
def test_free_text_and_evidence_paths(secret, around, sep):
    text = around + sep + secret.text + sep + around
    assert not leaks(sanitise_text(text), [secret])
    observed = sanitise_value([text], "properties.notes[*]")
    assert not leaks("\x00".join(strings_of(observed)), [secret])


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_sanitising_is_idempotent_and_keeps_the_shape(value):
    doc = {"properties": value}
    once = sanitise_document(doc)
    assert sanitise_document(once) == once
    assert _shape(once) == _shape(doc)


@given(st.text())
def test_text_is_idempotent(text):
    once = sanitise_text(text)
    assert sanitise_text(once) == once
    if MARK_PREFIX not in once:
        assert once == text  # nothing replaced: the text is returned as it was


def _shape(value: Any) -> Any:
    """Containers and their sizes; which scalars are None or booleans (never replaced)."""
    if isinstance(value, dict):
        return ["dict", *[_shape(v) for v in value.values()]]
    if isinstance(value, list):
        return ["list", *[_shape(v) for v in value]]
    return value if value is None or isinstance(value, bool) else "scalar"
