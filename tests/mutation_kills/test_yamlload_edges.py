"""
Safe YAML loading: positions of mappings, keys, values and items; the size, encoding and
alias-expansion limits at their boundaries; the error each refusal gives.
"""

from __future__ import annotations

import pytest

from scanner.errors import InputError, PolicyError
from scanner.policy import yamlload
from scanner.policy.yamlload import LocDict, LocList, load_documents, position, read_text


def write(tmp_path, data: str | bytes, name="p.yaml"):
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode())
    return p


def test_positions_of_everything(tmp_path):
    (doc,) = load_documents(write(tmp_path, "# c\nkey: value\nlist:\n  - 1\n  - {a: b}\n"))
    assert isinstance(doc, LocDict) and doc.pos == (2, 1)
    assert doc.key_pos == {"key": (2, 1), "list": (3, 1)}
    assert doc.value_pos == {"key": (2, 6), "list": (4, 3)}
    lst = doc["list"]
    assert isinstance(lst, LocList) and lst.pos == (4, 3)
    assert lst.item_pos == [(4, 5), (5, 5)]
    assert lst[1].pos == (5, 5) and lst[1].key_pos == {"a": (5, 6)} and lst[1].value_pos == {"a": (5, 9)}
    assert doc == {"key": "value", "list": [1, {"a": "b"}]}


def test_position_walks_as_deep_as_it_can(tmp_path):
    (doc,) = load_documents(write(tmp_path, "a:\n  b: [x, {c: 1}]\n"))
    assert position(doc, []) == (1, 1)
    assert position(doc, ["a"]) == (2, 3)
    assert position(doc, ["a", "b"]) == (2, 6)
    assert position(doc, ["a", "b", 0]) == (2, 7)
    assert position(doc, ["a", "b", 1, "c"]) == (2, 14)
    assert position(doc, ["a", "b", 2]) == (2, 6)  # past the end: the list itself
    assert position(doc, ["a", "b", -1]) == (2, 6)
    assert position(doc, ["a", "b", "0"]) == (2, 6)
    assert position(doc, ["a", "nope", "x"]) == (2, 3)
    assert position({"plain": 1}, ["plain"]) is None
    assert position(doc["a"]["b"], [1]) == (2, 10)


def test_unhashable_key(tmp_path):
    with pytest.raises(PolicyError) as e:
        load_documents(write(tmp_path, "ok: 1\n? [a, b]\n: 1\n"))
    # A non-scalar key has no text to quote, hence the repeated wording.
    assert e.value.message == (
        "invalid YAML: a mapping key must be a string; quote it: a key must be a plain string")
    assert (e.value.line, e.value.col) == (2, 3)


def test_duplicate_key_names_both_lines(tmp_path):
    with pytest.raises(PolicyError) as e:
        load_documents(write(tmp_path, "a: 1\nb: 2\n\na: 3\n"))
    assert e.value.message == "invalid YAML: duplicate key 'a' (first at line 1)"
    assert (e.value.line, e.value.col) == (4, 1)


def test_syntax_error_has_line_and_column(tmp_path):
    with pytest.raises(PolicyError) as e:
        load_documents(write(tmp_path, "a: 1\nb: [1, 2\n"))
    assert e.value.message.startswith("invalid YAML: ")
    assert e.value.line == 3 and e.value.col == 1


def test_unsafe_tag_message(tmp_path):
    with pytest.raises(PolicyError) as e:
        load_documents(write(tmp_path, "a: 1\nb: !!python/object:os.system x\n"))
    assert e.value.message == "invalid YAML: unsafe or unknown YAML tag 'tag:yaml.org,2002:python/object:os.system'"
    assert e.value.line == 2 and e.value.col == 4


def test_timestamps_and_a_bom(tmp_path):
    (doc,) = load_documents(write(tmp_path, "\ufeffwhen: 2026-01-31T10:00:00Z\nd: 2026-01-31\n"))
    assert doc == {"when": "2026-01-31T10:00:00Z", "d": "2026-01-31"}


def test_read_text_size_boundary(tmp_path):
    p = write(tmp_path, "x" * 10)
    assert read_text(p, max_bytes=10) == "x" * 10
    with pytest.raises(PolicyError) as e:
        read_text(p, max_bytes=9)
    assert e.value.message == "file is 10 bytes, over the 9-byte limit"
    assert e.value.path == str(p)


def test_read_text_default_cap(tmp_path, monkeypatch):
    assert yamlload.MAX_FILE_BYTES == 5 * 1024 * 1024
    monkeypatch.setattr(yamlload, "MAX_FILE_BYTES", 4)
    with pytest.raises(PolicyError, match="^file is 5 bytes, over the 4-byte limit$"):
        read_text(write(tmp_path, "12345"))


def test_read_text_errors_and_their_type(tmp_path):
    with pytest.raises(InputError) as e:
        read_text(tmp_path / "missing.yaml", error=InputError)
    assert e.value.message == "cannot read file: No such file or directory"
    with pytest.raises(PolicyError) as e:
        read_text(tmp_path)  # a directory
    assert e.value.message.startswith("cannot read file: ")
    with pytest.raises(InputError) as e:
        read_text(write(tmp_path, b"a: 1\n\nb: \xff\n"), error=InputError)
    assert e.value.message == "not UTF-8 text (byte 0xff)" and e.value.line == 3
    with pytest.raises(PolicyError) as e:
        read_text(write(tmp_path, b"\xc3"))
    assert e.value.message == "not UTF-8 text (byte 0xc3)" and e.value.line == 1


def test_load_documents_error_type(tmp_path):
    with pytest.raises(InputError):
        load_documents(write(tmp_path, "a: [\n"), error=InputError)
    with pytest.raises(InputError):
        load_documents(tmp_path / "none.yaml", error=InputError)


EXPANDS_TO_16 = "a: &a [1, 2, 3]\nb: *a\nc: *a\n"  # root + 3 keys + 3 times a 4-node list


def test_alias_expansion_limit_boundary(tmp_path, monkeypatch):
    assert yamlload.MAX_EXPANDED_NODES == 200_000
    p = write(tmp_path, EXPANDS_TO_16)
    monkeypatch.setattr(yamlload, "MAX_EXPANDED_NODES", 16)
    assert load_documents(p) == [{"a": [1, 2, 3], "b": [1, 2, 3], "c": [1, 2, 3]}]
    monkeypatch.setattr(yamlload, "MAX_EXPANDED_NODES", 15)
    with pytest.raises(PolicyError) as e:
        load_documents(p)
    assert e.value.message == "invalid YAML: aliases expand to more than 15 nodes (alias bomb?)"
    assert e.value.line == 1


def test_nested_alias_expansion_counts_every_level(tmp_path, monkeypatch):
    # b holds a twice (2 x 3 = 6 nodes + itself), c holds b twice (2 x 7 + itself) ...
    p = write(tmp_path, "a: &a [1, 2]\nb: &b [*a, *a]\nc: [*b, *b]\n")
    # root 1 + keys 3 + a 3 + b 7 + c 15 = 29
    monkeypatch.setattr(yamlload, "MAX_EXPANDED_NODES", 29)
    load_documents(p)
    monkeypatch.setattr(yamlload, "MAX_EXPANDED_NODES", 28)
    with pytest.raises(PolicyError, match="more than 28 nodes"):
        load_documents(p)


def test_documents_without_aliases_are_counted_value_by_value(tmp_path, monkeypatch):
    # The cap holds without aliases too (keys and values: 2 x 2 + 3 + 2 x 1 = 9), and the
    # message is the plain one: no alias, no "alias bomb".
    p = write(tmp_path, "a: [1, 2, 3]\nb: {c: d}\n")
    monkeypatch.setattr(yamlload, "MAX_EXPANDED_NODES", 9)
    assert load_documents(p) == [{"a": [1, 2, 3], "b": {"c": "d"}}]
    monkeypatch.setattr(yamlload, "MAX_EXPANDED_NODES", 8)
    with pytest.raises(PolicyError) as e:
        load_documents(p)
    assert e.value.message == "invalid YAML: more than 8 values in one document"
    monkeypatch.setattr(yamlload, "MAX_EXPANDED_NODES", 2)
    assert load_documents(write(tmp_path, "a: '&x'\n")) == [{"a": "&x"}]  # '&' but no '*'


def test_a_second_document_is_checked_too(tmp_path, monkeypatch):
    monkeypatch.setattr(yamlload, "MAX_EXPANDED_NODES", 15)
    p = write(tmp_path, "x: 1\n---\n" + EXPANDS_TO_16)
    with pytest.raises(PolicyError) as e:
        load_documents(p)
    assert e.value.line == 3


def test_duplicate_key_names_the_line_not_the_column_of_the_first(tmp_path):
    with pytest.raises(PolicyError) as e:
        load_documents(write(tmp_path, "x:\n  a: 1\n  a: 2\n"))
    assert e.value.message == "invalid YAML: duplicate key 'a' (first at line 2)"


def test_control_characters_are_refused_with_the_file(tmp_path):
    p = write(tmp_path, "a: 1\nb: \x07\n")
    with pytest.raises(PolicyError) as e:
        load_documents(p)
    assert e.value.message == (
        "invalid YAML: character #x0007 is not allowed (control characters are not allowed)")
    assert (e.value.line, e.value.col) == (2, 4)
    assert e.value.path == str(p)


def test_nesting_too_deep_is_a_policy_error_with_the_file(tmp_path):
    p = write(tmp_path, "a: " + "[" * 500 + "]" * 500 + "\n")  # under libyaml's own limit
    with pytest.raises(PolicyError) as e:
        load_documents(p)
    assert e.value.message.startswith("invalid YAML: ") and "deep" in e.value.message
    assert e.value.path == str(p)


def test_read_errors_name_the_file_and_count_lines_from_the_first_byte(tmp_path):
    missing = tmp_path / "missing.yaml"
    with pytest.raises(PolicyError) as e:
        read_text(missing)
    assert e.value.path == str(missing)
    p = write(tmp_path, b"\nb: \xff\n")
    with pytest.raises(PolicyError) as e:
        read_text(p)
    assert (e.value.line, e.value.path) == (2, str(p))
