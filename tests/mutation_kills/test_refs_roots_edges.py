"""
Child and parent references by id (trailing slashes, too-short ids, a document without an id),
base64 as authors and clouds write it (wrapped, url-safe, at the length cap), and the catalogs
that `ccscan lint` widens changed files to.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from scanner.inventory.resource import Resource
from scanner.policy import decode as decode_mod
from scanner.policy.compile import ConditionCompiler
from scanner.policy.decode import UndecodableValue, decoder
from scanner.policy.lint import catalog_roots
from scanner.policy.paths import MISSING
from scanner.policy.related import child_refs, parent_ref
from scanner.relindex import ACTIVE, RelatedMissing, RelationIndex
from tests.policy.helpers import compile_condition

SITE = "/subscriptions/0000-a/resourceGroups/rg/providers/Microsoft.Web/sites/app1"
WEB = {"id": f"{SITE}/config/web", "type": "Microsoft.Web/sites/config", "properties": {"minTlsVersion": "1.2"}}
CHILD = {"related": {"type": "Microsoft.Web/sites/config", "child": "web",
                     "where": {"field": "properties.minTlsVersion", "equals": "1.2"}}}
PARENT = {"related": {"type": "Microsoft.Web/sites", "parent": True}}


def run(cond: dict[str, Any], doc: Any, related: list[dict[str, Any]]) -> bool:
    check, _, messages = compile_condition(cond)
    assert not messages, [m.message for m in messages]
    compiler = ConditionCompiler("t.yaml", "T-1", [])
    compiler.compile(cond)
    index = RelationIndex(compiler.relations)
    for r in related:
        index.add(Resource(r))
    token = ACTIVE.set(index)
    try:
        return check(doc, [], None)
    finally:
        ACTIVE.reset(token)


def test_child_and_parent_ids():
    assert child_refs("config/web")({"id": SITE}) == f"{SITE}/config/web"
    assert child_refs("config/web")({"id": SITE + "/"}) == f"{SITE}/config/web"
    for doc in ({"id": ""}, {"id": None}, {"name": "x"}, ["not", "a", "dict"], "text", None):
        assert child_refs("config/web")(doc) is MISSING
    assert parent_ref({"id": f"{SITE}/config/web"}) == SITE
    assert parent_ref({"id": f"{SITE}/config/web/"}) == SITE
    assert parent_ref({"id": "/a/b/c"}) == "/a"  # three separators: the shortest child id
    # Names may end in any letter: only slashes are trimmed.
    assert child_refs("config/web")({"id": "/s/X/sites/appX"}) == "/s/X/sites/appX/config/web"
    assert parent_ref({"id": "/s/X/sites/appX/config/webX"}) == "/s/X/sites/appX"
    for doc in ({"id": "/a/b"}, {"id": "/a/b/"}, {"id": 7}, {}, [1], "text"):
        assert parent_ref(doc) is MISSING


def test_a_child_is_found_from_an_id_with_a_trailing_slash():
    assert run(CHILD, {"id": SITE + "/", "type": "Microsoft.Web/sites"}, [WEB]) is True
    assert run(PARENT, {**WEB, "id": WEB["id"] + "/"}, [{"id": SITE, "type": "Microsoft.Web/sites"}]) is True


def test_a_resource_without_an_id_has_no_child_or_parent_it_could_pass_on():
    # No id is a missing field: false, like any missing field, not unknown and never a pass.
    assert run(CHILD, {"id": "", "type": "Microsoft.Web/sites"}, [WEB]) is False
    assert run(PARENT, {"type": "Microsoft.Web/sites/config"}, []) is False
    with pytest.raises(RelatedMissing):
        run(PARENT, WEB, [])


def _b64json(doc: Any) -> str:
    return base64.b64encode(json.dumps(doc).encode()).decode()


def test_relations_inside_a_decoded_list_are_false_not_a_crash():
    # A decoded document need not be a mapping: it has no id, so nothing is related to it.
    data = _b64json([1, 2])
    for inner in (CHILD, PARENT, {"count": {"related": {"type": "Microsoft.Web/sites/config", "children": True}},
                                  "equals": 1}):
        cond = {"decode": {"field": "p", "as": "base64json", "where": inner}}
        assert run(cond, {"id": SITE, "p": data}, [WEB]) is False
    zero = {"decode": {"field": "p", "as": "base64json", "where": {
        "count": {"related": {"type": "Microsoft.Web/sites/config", "children": True}}, "equals": 0}}}
    assert run(zero, {"id": SITE, "p": data}, [WEB]) is True


def test_children_of_an_empty_id_are_none():
    cond = {"count": {"related": {"type": "Microsoft.Web/sites/config", "children": True}}, "equals": 0}
    assert run(cond, {"id": "", "type": "Microsoft.Web/sites"}, [WEB]) is True


def test_base64_as_written_wrapped_and_url_safe():
    doc = {"k": "??>>~~", "n": [1, 2]}  # text whose base64 holds both '+' and '/'
    raw = json.dumps(doc).encode()
    std = base64.b64encode(raw).decode()
    url = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert "+" in std and "/" in std and "-" in url and "_" in url
    wrapped = "\n".join(std[i:i + 8] for i in range(0, len(std), 8))
    decode = decoder("base64json", "p")
    for text in (std, url, wrapped, f"  {url}\t"):
        assert decode(text) == doc
    assert decoder("base64", "p")(base64.b64encode(b"a-b_c").decode()) == {"text": "a-b_c"}


def test_the_encoded_length_cap_is_inclusive(monkeypatch):
    monkeypatch.setattr(decode_mod, "MAX_ENCODED", 8)
    assert decoder("base64", "p")("YWJjZGVm") == {"text": "abcdef"}  # exactly 8 characters
    with pytest.raises(UndecodableValue) as e:
        decoder("base64", "p")("YWJjZGVmZw")
    assert str(e.value) == "p is 10 characters long, over the 8 limit"


def test_catalog_roots_of_files_and_directories(tmp_path):
    pol = tmp_path / "repo" / "policies"
    (pol / "azure").mkdir(parents=True)
    (tmp_path / "loose").mkdir()
    a = pol / "azure" / "a.yaml"
    b = tmp_path / "loose" / "b.yaml"
    for f in (a, b):
        f.write_text("x: 1\n")
    assert catalog_roots([a]) == [pol.absolute()]
    assert catalog_roots([b]) == [b.absolute().parent]
    assert catalog_roots([tmp_path / "loose"]) == [tmp_path / "loose"]
    # A root inside another is dropped (its files would load twice); separate roots stay.
    assert catalog_roots([pol / "azure", a]) == [pol.absolute()]
    assert catalog_roots([a, pol / "azure", b]) == [pol.absolute(), b.absolute().parent]
    assert catalog_roots([a, a]) == [pol.absolute()]


@pytest.mark.parametrize(("kind", "value", "message"), [
    ("base64", 12345, "p holds int, not encoded text"),
    ("base64", "YW!!Jj", "p is not base64 (Only base64 data is allowed)"),
    ("base64", base64.b64encode(b"\xff\xfe").decode(), "p does not decode to UTF-8 text"),
    ("base64json", base64.b64encode(b"[1,").decode(), "p does not decode to JSON (JSONDecodeError)"),
], ids=["not-text", "not-base64", "not-utf8", "not-json"])
def test_undecodable_values_say_why(kind, value, message):
    with pytest.raises(UndecodableValue) as e:
        decoder(kind, "p")(value)
    assert str(e.value) == message


def test_decode_and_related_record_what_they_read_and_run_without_an_evidence_list():
    data = base64.b64encode(b"allow_all := true").decode()
    cond = {"decode": {"field": "p", "as": "base64", "where": {"field": "text", "like": "allow_all*"}}}
    check, _, _ = compile_condition(cond)
    reads: list = []
    assert check({"p": data}, reads, None) is True
    assert reads == [("p", data), ("p[decoded].text", "allow_all := true")]
    assert check({"p": data}, None, None) is True
    via = {"related": {"type": "Microsoft.Web/sites/config", "via": "props.cfg[*].id",
                       "where": {"field": "properties.minTlsVersion", "equals": "1.2"}}}
    check, _, _ = compile_condition(via)
    compiler = ConditionCompiler("t.yaml", "T-1", [])
    compiler.compile(via)
    index = RelationIndex(compiler.relations)
    index.add(Resource(WEB))
    token = ACTIVE.set(index)
    try:
        reads = []
        assert check({"props": {"cfg": [{"id": WEB["id"]}]}}, reads, None) is True
        assert reads[0] == ("props.cfg[*].id", [WEB["id"]])
        assert check({"props": {"cfg": [{"id": WEB["id"]}]}}, None, None) is True
        # one element without a reference: false, never a pass over the others
        assert check({"props": {"cfg": [{"id": WEB["id"]}, {}]}}, None, None) is False
    finally:
        ACTIVE.reset(token)
