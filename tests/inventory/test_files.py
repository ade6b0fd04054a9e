"""
Broken inventory files: one clear error naming the file (and line), exit 2, nothing kept.
"""

from __future__ import annotations

import json

import pytest

from scanner.errors import InputError
from scanner.inventory.files import InventoryFile, discover

VM = {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/a",
      "type": "Microsoft.Web/sites", "name": "a", "properties": {"httpsOnly": False}}


def read(path):
    return list(InventoryFile(path))


@pytest.mark.parametrize(
    ("name", "content", "line", "fragment"),
    [
        ("a.json", b'{"value": [\n{"id": 1,\n', 3, "invalid JSON"),
        ("b.json", b"not json at all", 1, "invalid JSON"),
        ("c.json", b'{"value": []}\xff', 1, "not UTF-8"),
        ("d.json", b"   \n", None, "empty file"),
        ("e.jsonl", b'{"ccscan_snapshot": 1}\n{"id": "x", "type": "t"}\n{"id": "tr', 3,
         "truncated JSON at the end of the file"),
        ("f.jsonl", b'{"id": "x", "type": "t"}\n{oops}\n{"id": "y", "type": "t"}\n', 2, "invalid JSON"),
        ("g.jsonl", b'{"id": "x", "type": "t"}\n[1, 2]\n', 2, "not a resource"),
        ("h.jsonl", b'{"id": "x"}\n', 1, "has no 'type'"),
        ("i.jsonl", b"", None, "empty file"),
        ("j.jsonl", b'{"ccscan_snapshot": 1, "incomplete": ["sub x: 403"]}\n{"id": "x", "type": "t"}\n',
         1, "'incomplete' entry #1 must be an object"),
        ("k.json", b'{"ccscan_snapshot": 1, "incomplete": [{"scope": "s"}, 7], "resources": []}',
         None, "'incomplete' entry #2 must be an object"),
        ("l.json", b'{"value": [{"id": "x", "type": "t"}], "x": NaN}', 1, "NaN is not a JSON number"),
    ],
)
def test_bad_files(tmp_path, name, content, line, fragment):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(InputError) as err:
        read(p)
    assert fragment in err.value.message
    assert err.value.path == str(p)
    assert err.value.line == line


def test_jsonl_streams_lazily(tmp_path):
    p = tmp_path / "s.jsonl"
    p.write_text("".join(json.dumps({**VM, "id": f"{VM['id']}{i}"}) + "\n" for i in range(5)) + "{broken\n")
    it = iter(InventoryFile(p))
    first = next(it)  # read before the broken line is reached
    assert first.line == 1 and first.doc["provider"] == "azure"
    with pytest.raises(InputError):
        list(it)


def test_oversized_json_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("scanner.inventory.files.MAX_JSON_BYTES", 10)
    p = tmp_path / "big.json"
    p.write_text(json.dumps({"value": [VM]}))
    with pytest.raises(InputError, match="write JSONL"):
        read(p)


def test_discover_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        discover([tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no inventory files"):
        discover([tmp_path / "empty"])
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "sub" / "b.jsonl").write_text("")
    (tmp_path / "d" / "a.json").write_text("")
    (tmp_path / "d" / "notes.txt").write_text("")
    assert [p.name for p in discover([tmp_path / "d"])] == ["a.json", "b.jsonl"]


def test_forcing_snapshot_on_an_array_is_an_input_error(tmp_path):
    # found by the coverage engineer: an ARM array forced as a snapshot crashed (exit 4)
    from scanner.errors import InputError
    from scanner.inventory.files import InventoryFile

    p = tmp_path / "arr.json"
    p.write_text('[{"id": "/subscriptions/s/x", "type": "Microsoft.Web/sites", "properties": {}}]')
    with pytest.raises(InputError) as e:
        list(InventoryFile(p, "snapshot"))
    assert e.value.path == str(p) and "a snapshot is a JSON object" in e.value.message
