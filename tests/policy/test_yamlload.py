"""
Safe YAML loading: every hostile or broken file is one PolicyError with file and line.
"""

from __future__ import annotations

import string

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.errors import PolicyError
from scanner.policy.yamlload import LocDict, load_documents, position

BOMB = """a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def load(tmp_path, text: str | bytes):
    p = tmp_path / "p.yaml"
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return load_documents(p)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("id: A-1\ntitle: [unclosed\n", 3, "invalid YAML"),
        ("id: A-1\nid: A-2\n", 2, "duplicate key 'id' (first at line 1)"),
        ("a: !!python/object/apply:os.system ['echo hi']\n", 1, "unsafe or unknown YAML tag"),
        ("a: !!python/name:os.system\n", 1, "unsafe or unknown YAML tag"),
        (BOMB, None, "alias bomb"),
        ("a: &x [*x]\n", 1, "recursive"),
        ("a:\n  b: 1\n c: 2\n", 3, "invalid YAML"),
    ],
)
def test_bad_yaml_is_one_policy_error_with_a_line(tmp_path, text, line, fragment):
    with pytest.raises(PolicyError) as err:
        load(tmp_path, text)
    assert fragment in err.value.message
    assert err.value.path.endswith("p.yaml")
    if line is not None:
        assert err.value.line == line


def test_non_utf8_names_the_line(tmp_path):
    with pytest.raises(PolicyError) as err:
        load(tmp_path, b"id: A-1\ntitle: caf\xe9\n")
    assert "not UTF-8" in err.value.message and err.value.line == 2


def test_huge_file_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr("scanner.policy.yamlload.MAX_FILE_BYTES", 100)
    with pytest.raises(PolicyError, match="over the 100-byte limit"):
        load(tmp_path, "a: " + "x" * 200 + "\n")


def test_small_anchors_are_still_allowed(tmp_path):
    (doc,) = load(tmp_path, "base: &b {x: 1}\nuse: *b\n")
    assert doc["use"] == {"x": 1}


def test_timestamps_stay_strings_and_positions_are_kept(tmp_path):
    (doc,) = load(tmp_path, "a: 1\nwhen: 2026-01-31\nlist:\n  - {k: v}\n")
    assert doc["when"] == "2026-01-31"
    assert isinstance(doc, LocDict)
    assert position(doc, ["list", 0, "k"]) == (4, 9)
    assert position(doc, ["when"]) == (2, 7)


def test_several_documents_and_empty_ones(tmp_path):
    docs = load(tmp_path, "---\na: 1\n---\n---\nb: 2\n")
    assert docs == [{"a": 1}, {"b": 2}]


plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(string.ascii_letters + " -_", max_size=12),
    lambda kids: st.lists(kids, max_size=4)
    | st.dictionaries(st.text(string.ascii_letters, min_size=1, max_size=8), kids, max_size=4),
    max_leaves=20,
)


@given(plain)
@settings(max_examples=150, deadline=None)
def test_round_trip_equals_safe_load(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("rt")
    text = yaml.safe_dump({"root": data})
    (doc,) = load(tmp, text)
    assert doc == yaml.safe_load(text)


@given(st.binary(max_size=300))
@settings(max_examples=200, deadline=None)
def test_arbitrary_bytes_never_raise_anything_but_policy_error(tmp_path_factory, blob):
    tmp = tmp_path_factory.mktemp("fuzz")
    try:
        load(tmp, blob)
    except PolicyError:
        pass
