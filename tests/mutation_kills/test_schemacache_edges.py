"""
The schema-validation cache, in process: where it lives, what it reads back, what it writes.
A hit skips validation, so a cache that remembered the wrong keys would be a false green.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.policy import schemacache
from scanner.policy.schemacache import FILE_NAME, SchemaCache, cache_file, key

K1, K2, K3 = "a" * 64, "b" * 64, "c" * 64


@pytest.mark.parametrize("value", ["", "off", " OFF ", "0", "none", "None"])
def test_cache_dir_off_spellings_disable_the_cache(monkeypatch, value):
    monkeypatch.setenv("CCSCAN_CACHE_DIR", value)
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    assert cache_file() is None


def test_cache_locations_in_order(monkeypatch):
    assert FILE_NAME == "schema-valid-v1.txt"
    monkeypatch.setenv("CCSCAN_CACHE_DIR", "/c/d")
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    monkeypatch.setenv("HOME", "/h")
    assert cache_file() == Path("/c/d/schema-valid-v1.txt")
    monkeypatch.delenv("CCSCAN_CACHE_DIR")
    assert cache_file() == Path("/xdg/ccscan/schema-valid-v1.txt")
    monkeypatch.setenv("XDG_CACHE_HOME", "")
    assert cache_file() == Path("/h/.cache/ccscan/schema-valid-v1.txt")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_file() == Path("/h/.cache/ccscan/schema-valid-v1.txt")


def test_no_path_is_an_empty_cache_that_never_writes(tmp_path):
    c = SchemaCache(None)
    assert c.path is None and c.known == set() and not c.hit(K1)
    c.add(K1)
    c.save()
    assert list(tmp_path.iterdir()) == []


def test_only_sha256_lines_are_read_back(tmp_path):
    f = tmp_path / FILE_NAME
    f.write_text(f"{K1}\nshort\n{K2}x\n {K3} \n", "ascii")
    c = SchemaCache(f)
    assert c.path == f
    assert c.known == {K1, K3}
    assert c.hit(K1) and c.hit(K3) and not c.hit(K2) and not c.hit(K2 + "x")


@pytest.mark.parametrize("content", [b"\xff\xfe" + K1.encode(), "é".encode() + b"\n" + K1.encode()],
                         ids=["binary", "non-ascii"])
def test_an_undecodable_cache_is_an_empty_one(tmp_path, content):
    f = tmp_path / FILE_NAME
    f.write_bytes(content)
    c = SchemaCache(f)
    assert c.known == set() and not c.hit(K1)


def test_a_missing_or_unreadable_cache_is_an_empty_one(tmp_path):
    c = SchemaCache(tmp_path / "nope" / FILE_NAME)
    assert c.known == set() and not c.hit(K1)
    d = SchemaCache(tmp_path)  # a directory: read fails with OSError
    assert d.known == set() and not d.hit(K1)


def test_new_keys_are_appended_once(tmp_path):
    f = tmp_path / "sub" / FILE_NAME
    c = SchemaCache(f)
    c.add(K1)
    c.add(K1)
    c.save()
    assert f.read_text("ascii") == f"{K1}\n"
    c.save()  # nothing new: nothing written
    c.add(K1)
    c.add(K2)
    c.save()
    assert f.read_text("ascii") == f"{K1}\n{K2}\n"
    assert SchemaCache(f).known == {K1, K2}


def test_a_full_cache_starts_over_with_the_new_keys(tmp_path, monkeypatch):
    monkeypatch.setattr(schemacache, "MAX_ENTRIES", 2)
    f = tmp_path / FILE_NAME
    f.write_text(f"{K1}\n{K2}\n", "ascii")
    c = SchemaCache(f)
    c.add(K3)
    c.save()
    assert f.read_text("ascii") == f"{K3}\n"


def test_a_cache_at_the_limit_still_appends(tmp_path, monkeypatch):
    monkeypatch.setattr(schemacache, "MAX_ENTRIES", 2)
    f = tmp_path / FILE_NAME
    f.write_text(f"{K1}\n", "ascii")
    c = SchemaCache(f)
    c.add(K2)
    c.save()
    assert f.read_text("ascii") == f"{K1}\n{K2}\n"


def test_an_unwritable_cache_is_only_slower(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    c = SchemaCache(blocker / FILE_NAME)
    c.add(K1)
    c.save()  # mkdir under a file fails: no error
    assert blocker.read_text() == "x" and c.new == []


def test_the_key_depends_on_schema_skips_and_document_not_key_order():
    doc = {"id": "A-1", "assert": {"field": "a", "equals": 1}}
    k = key("policy", ("assert",), doc)
    assert len(k) == 64 and int(k, 16) >= 0
    assert key("policy", ("assert",), {"assert": {"equals": 1, "field": "a"}, "id": "A-1"}) == k
    assert key("framework", ("assert",), doc) != k
    assert key("policy", (), doc) != k
    assert key("policy", ("assert", "where"), doc) != key("policy", ("assertwhere",), doc)
    assert key("policy", ("assert",), {**doc, "id": "A-2"}) != k


def test_a_cache_in_a_fresh_home_creates_its_missing_directories(tmp_path):
    # `~/.cache/ccscan` where not even `~/.cache` exists yet: both are made, the key is kept.
    f = tmp_path / "home" / ".cache" / "ccscan" / FILE_NAME
    c = SchemaCache(f)
    c.add(K1)
    c.save()
    assert f.read_text("ascii") == f"{K1}\n"
    assert SchemaCache(f).hit(K1)


def test_several_new_keys_are_one_a_line(tmp_path, monkeypatch):
    # Appended and starting over alike: each key on its own line, each read back.
    f = tmp_path / FILE_NAME
    c = SchemaCache(f)
    c.add(K1)
    c.add(K2)
    c.save()
    assert f.read_text("ascii") == f"{K1}\n{K2}\n"
    monkeypatch.setattr(schemacache, "MAX_ENTRIES", 2)
    c = SchemaCache(f)
    c.add(K3)
    c.add("d" * 64)
    c.save()
    assert f.read_text("ascii") == f"{K3}\n{'d' * 64}\n"
    assert SchemaCache(f).known == {K3, "d" * 64}
