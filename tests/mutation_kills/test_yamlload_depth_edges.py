"""
The YAML nesting limit at its boundary (100 collections with scalars inside load, 101 do
not), and where a control character after non-ASCII text is reported.
"""

from __future__ import annotations

import pytest

from scanner.errors import PolicyError
from scanner.policy.yamlload import load_documents


def test_one_hundred_nested_collections_with_scalars_inside_load(tmp_path):
    seqs = tmp_path / "s.yaml"
    seqs.write_text("[" * 100 + "1, x" + "]" * 100 + "\n")
    (doc,) = load_documents(seqs)
    for _ in range(99):
        (doc,) = doc
    assert doc == [1, "x"]
    maps = tmp_path / "m.yaml"
    maps.write_text("{a: " * 100 + "b" + "}" * 100 + "\n")
    (doc,) = load_documents(maps)
    for _ in range(99):
        doc = doc["a"]
    assert doc == {"a": "b"}


def test_one_hundred_and_one_nested_collections_are_refused_at_the_innermost(tmp_path):
    p = tmp_path / "d.yaml"
    p.write_text("[" * 101 + "1" + "]" * 101 + "\n")
    with pytest.raises(PolicyError) as e:
        load_documents(p)
    assert (e.value.message, e.value.line, e.value.col) == ("invalid YAML: nested deeper than 100 levels", 1, 101)


def test_a_control_character_on_a_later_line_after_non_ascii_text_is_placed_by_character(tmp_path):
    # libyaml gives a byte offset; "é" is two bytes but one column.
    p = tmp_path / "c.yaml"
    p.write_text("a: \u00e9\nb: ok\nc: x\x07y\n", encoding="utf-8")
    with pytest.raises(PolicyError) as e:
        load_documents(p)
    assert (e.value.message, e.value.line, e.value.col) == (
        "invalid YAML: character #x0007 is not allowed (control characters are not allowed)", 3, 5)
