"""
YAML 1.1 scalars that would not read back as their text, tagged scalars that cannot be read,
and the event prescan of large files: the refusal, its words and its place.

The typed-scalar constructors are registered when yamlload is imported, so these tests load
through a freshly executed copy of the module (`fresh`): a changed constructor factory must
show in what a user gets.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from scanner.errors import PolicyError
from scanner.policy import yamlload


def fresh() -> ModuleType:
    spec = importlib.util.spec_from_file_location(yamlload.__name__, sys.modules[yamlload.__name__].__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def yl() -> ModuleType:
    return fresh()


def load(yl: ModuleType, tmp_path, text: str):
    p = tmp_path / "p.yaml"
    p.write_text(text)
    return yl.load_documents(p)


def refusal(yl: ModuleType, tmp_path, text: str) -> tuple[str, int | None, int | None]:
    with pytest.raises(PolicyError) as e:
        load(yl, tmp_path, text)
    assert str(e.value.path).endswith("p.yaml")
    return e.value.message, e.value.line, e.value.col


def test_faithful_scalars_load_as_their_values(yl, tmp_path):
    text = "a: ~\nb: Null\nc: True\nd: 'yes'\ne: !!int 7\nf: 1.5\ng: NULL\nh: 12\ni: false\nj:\n"
    assert load(yl, tmp_path, text) == [
        {"a": None, "b": None, "c": True, "d": "yes", "e": 7, "f": 1.5, "g": None, "h": 12, "i": False,
         "j": None}]


def test_a_quoted_tagged_scalar_keeps_its_value(yl, tmp_path):
    # The author quoted it and tagged it: what YAML reads is what they asked for.
    assert load(yl, tmp_path, 'a: !!int "012"\nb: !!bool "yes"\n') == [{"a": 10, "b": True}]


@pytest.mark.parametrize(("text", "message", "line", "col"), [
    ("a:\n  b: yes\n", "YAML 1.1 reads unquoted yes as the boolean true, not the text: quote it: 'yes'", 2, 6),
    ("a: On\n", "YAML 1.1 reads unquoted On as the boolean true, not the text: quote it: 'On'", 1, 4),
    ("a: 1.10\n", "YAML 1.1 reads unquoted 1.10 as the number 1.1, not the text: quote it: '1.10'", 1, 4),
    ("a: 012\n", "YAML 1.1 reads unquoted 012 as the number 10, not the text: quote it: '012'", 1, 4),
    ("a: !!null x\n", "YAML 1.1 reads unquoted x as null None, not the text: quote it: 'x'", 1, 4),
    ("a: " + "0" * 39 + "1\n",
     f"YAML 1.1 reads unquoted {'0' * 39}1 as the number 1, not the text: quote it: '{'0' * 39}1'", 1, 4),
    ("a: " + "0" * 40 + "1\n",
     f"YAML 1.1 reads unquoted {'0' * 37}... as the number 1, not the text: quote it: '{'0' * 37}...'", 1, 4),
    ("a: !!int abc\n", "cannot read abc as the number (invalid literal for int() with base 10)", 1, 4),
    ("a: !!float x1\n", "cannot read x1 as the number (could not convert string to float)", 1, 4),
    ("a: !!bool maybe\n", "cannot read maybe as the boolean (not a valid value)", 1, 4),
    ("a: !!int " + "x" * 41 + "\n",
     f"cannot read {'x' * 37}... as the number (invalid literal for int() with base 10)", 1, 4),
    ('? !!null "it\'s"\n: 1\n', "a mapping key must be a string; quote it: 'it''s'", 1, 3),
    # Only booleans print back case aside: a number whose text differs by case alone is refused.
    ("a: 1.5E+20\n", "YAML 1.1 reads unquoted 1.5E+20 as the number 1.5e+20, not the text: quote it: '1.5E+20'",
     1, 4),
    ("a: .INF\n", "YAML 1.1 reads unquoted .INF as the number inf, not the text: quote it: '.INF'", 1, 4),
], ids=["yes", "On", "1.10", "octal", "tagged-null", "40-chars", "41-chars", "bad-int", "bad-float",
        "bad-bool", "long-bad-int", "quote-in-key", "upper-exponent", "upper-inf"])
def test_scalars_that_would_not_read_as_written_are_refused_at_their_place(yl, tmp_path, text, message,
                                                                          line, col):
    assert refusal(yl, tmp_path, text) == ("invalid YAML: " + message, line, col)


def test_the_imported_loader_refuses_the_same(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text("a: yes\n")
    with pytest.raises(PolicyError, match="quote it: 'yes'"):
        yamlload.load_documents(p)


@pytest.fixture
def prescan_only(monkeypatch):
    """Every file is prescanned, and only the prescan bounds it (the tree walk is off)."""
    monkeypatch.setattr(yamlload, "PRESCAN_CHARS", 0)
    monkeypatch.setattr(yamlload, "_check_depth", lambda node: None)
    monkeypatch.setattr(yamlload, "MAX_DEPTH", 3)
    return monkeypatch


def _load(tmp_path, text: str):
    p = tmp_path / "p.yaml"
    p.write_text(text)
    return yamlload.load_documents(p)


def test_prescan_depth_boundary(tmp_path, prescan_only):
    assert _load(tmp_path, "a: [[x]]\n") == [{"a": [["x"]]}]  # mapping, list, list: 3 levels
    with pytest.raises(PolicyError) as e:
        _load(tmp_path, "a: [[[x]]]\n")
    assert (e.value.message, e.value.line, e.value.col) == ("invalid YAML: nested deeper than 3 levels", 1, 6)


def test_prescan_depth_goes_back_up_after_each_collection(tmp_path, prescan_only):
    # Siblings never add up ...
    assert _load(tmp_path, "a: [x]\nb: [y]\nc: [z]\nd: [[w]]\n") == [
        {"a": ["x"], "b": ["y"], "c": ["z"], "d": [["w"]]}]
    # ... and closing an inner list returns to its parent's level, not further.
    with pytest.raises(PolicyError, match="nested deeper than 3 levels"):
        _load(tmp_path, "a: [x]\nb: [[[y]]]\n")
    prescan_only.setattr(yamlload, "MAX_DEPTH", 4)
    with pytest.raises(PolicyError, match="nested deeper than 4 levels"):
        _load(tmp_path, "a: [[[x], [[y]]]]\n")


def test_prescan_counts_values_per_document(tmp_path, prescan_only):
    prescan_only.setattr(yamlload, "MAX_DEPTH", 100)
    # mapping, key, list, two items: five node events
    prescan_only.setattr(yamlload, "MAX_EXPANDED_NODES", 5)
    assert _load(tmp_path, "a: [1, 2]\n---\nb: [3, 4]\n") == [{"a": [1, 2]}, {"b": [3, 4]}]
    prescan_only.setattr(yamlload, "MAX_EXPANDED_NODES", 4)
    with pytest.raises(PolicyError) as e:
        _load(tmp_path, "a: [1, 2]\n")
    assert (e.value.message, e.value.line, e.value.col) == (
        "invalid YAML: more than 4 values in one document", 1, 8)


def test_depth_with_aliases_counts_scalars_and_empty_lists_as_no_level(tmp_path, monkeypatch):
    # An anchor and an alias: the shape check of alias graphs, not the plain tree walk.
    monkeypatch.setattr(yamlload, "MAX_DEPTH", 3)
    assert _load(tmp_path, "a: &x [[1]]\nb: *x\n") == [{"a": [[1]], "b": [[1]]}]
    assert _load(tmp_path, "a: &x [[]]\nb: *x\n") == [{"a": [[]], "b": [[]]}]
    with pytest.raises(PolicyError, match="nested deeper than 3 levels"):
        _load(tmp_path, "a: &x [[[1]]]\nb: *x\n")
