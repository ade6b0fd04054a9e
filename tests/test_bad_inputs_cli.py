"""
Every broken or hostile input, end to end through `ccscan`: exit 2, one line naming the file
(and the line where one exists), nothing on stdout, no traceback. With and without orjson.
"""

from __future__ import annotations

import json
import os

import pytest

from scanner.inventory import jsonparse

SITE = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/a"
OK = {"id": SITE, "type": "Microsoft.Web/sites", "name": "a", "properties": {"httpsOnly": True}}


def arm_list_with(value: str) -> bytes:
    """A one-resource ARM list whose property `v` is the raw JSON `value`, on line 3."""
    return (f'{{"value": [\n{{"id": "{SITE}", "type": "Microsoft.Web/sites",\n'
            f'  "properties": {{"v": {value}}}}}]}}').encode()


def config(item: dict) -> bytes:
    return json.dumps({"configurationItems": [item]}).encode()


CFG = {"resourceType": "AWS::EC2::Instance", "resourceId": "i-1"}

# name, file content, line expected in the message (None: the file has no line to name)
INVENTORIES = [
    ("nan.json", arm_list_with("NaN"), 3),
    ("infinity.json", arm_list_with("[Infinity]"), 3),
    ("huge-number.json", arm_list_with("1e999"), 3),
    ("huge-integer.json", arm_list_with("9" * 5000), 3),
    ("surrogate.json", arm_list_with('"\\udead"'), 3),
    ("surrogate-key.json", arm_list_with('{"\\ud800": 1}'), 3),
    ("deep-65.json", arm_list_with("[" * 62 + "]" * 62), 3),
    ("deep-1100.json", arm_list_with("[" * 1100 + "]" * 1100), 3),
    ("deep-100k.json", arm_list_with("{\"a\":" * 100_000 + "1" + "}" * 100_000), 3),
    ("control-char.json", arm_list_with('"a\x07b"'), 3),
    ("truncated.json", arm_list_with("1")[:-3], 3),
    ("not-utf8.json", arm_list_with('"cafe"').replace(b"cafe", b"caf\xe9"), 3),
    ("utf16.json", json.dumps({"value": [OK]}).encode("utf-16"), 1),
    ("config-not-json.json", config({**CFG, "configuration": "{broken"}), None),
    ("config-list.json", config({**CFG, "configuration": "[1]"}), None),
    ("config-deep.json", config({**CFG, "configuration": "[" * 70 + "]" * 70}), None),
    ("supp-not-json.json", config({**CFG, "supplementaryConfiguration": {"T": "{x"}}), None),
    ("rg-short-row.json", json.dumps({"data": {"columns": [{"name": "id"}, {"name": "type"}],
                                               "rows": [[SITE]]}}).encode(), None),
    ("rg-long-row.json", json.dumps({"data": {"columns": [{"name": "id"}],
                                              "rows": [[SITE, "t", "x"]]}}).encode(), None),
    ("incomplete-str.json", json.dumps({"ccscan_snapshot": 1, "incomplete": ["403"],
                                        "resources": [OK]}).encode(), None),
    ("lines-nan.jsonl", json.dumps(OK).encode() + b'\n{"id": "b", "type": "t", "v": NaN}\n', 2),
    ("lines-deep.jsonl", json.dumps(OK).encode() + b"\n" + b"[" * 2000 + b"]" * 2000 + b"\n", 2),
    ("lines-surrogate.jsonl", b'{"id": "\\ud800", "type": "t"}\n', 1),
    ("lines-config.jsonl", json.dumps({**CFG, "configuration": "nope"}).encode() + b"\n", 1),
    ("dup-in-file.jsonl", (json.dumps(OK) + "\n" + json.dumps(OK) + "\n").encode(), 2),
    ("dup-case.jsonl", (json.dumps(OK) + "\n" + json.dumps({**OK, "id": SITE.upper()}) + "\n"
                        ).encode(), 2),
]


@pytest.fixture(params=["orjson", "json"])
def parser(request, monkeypatch):
    if request.param == "json":
        monkeypatch.setattr(jsonparse, "_fast", None)
    return request.param


def assert_clean_exit_2(res, path, line):
    assert res.exit_code == 2, res.stderr
    assert res.stdout == ""
    assert "Traceback" not in res.stderr
    where = f"{path}:{line}:" if line else f"{path}:"
    assert where in res.stderr, res.stderr


@pytest.mark.parametrize(("name", "content", "line"), INVENTORIES, ids=[c[0] for c in INVENTORIES])
def test_bad_inventories(ccscan, tmp_path, parser, name, content, line):
    path = tmp_path / name
    path.write_bytes(content)
    assert_clean_exit_2(ccscan("scan", path, "--format", "json"), path, line)


def test_duplicate_across_files(ccscan, tmp_path, parser):
    (tmp_path / "a.json").write_text(json.dumps([OK]))
    (tmp_path / "b.jsonl").write_text(json.dumps(OK) + "\n")
    assert_clean_exit_2(ccscan("scan", tmp_path), tmp_path / "b.jsonl", 1)


def _dangling(tmp_path):
    (tmp_path / "gone.json").symlink_to(tmp_path / "nowhere")
    return tmp_path / "gone.json"


def _loop(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path)
    return tmp_path / "sub" / "up"


def _self_link(tmp_path):
    (tmp_path / "me.json").symlink_to(tmp_path / "me.json")
    return tmp_path / "me.json"


def _fifo(tmp_path):
    os.mkfifo(tmp_path / "pipe.jsonl")
    return tmp_path / "pipe.jsonl"


def _dir_symlink_gone(tmp_path):
    (tmp_path / "mounted").symlink_to("/nonexistent-ccscan-test")
    return tmp_path / "mounted"


@pytest.mark.parametrize("make", [_dangling, _loop, _self_link, _fifo, _dir_symlink_gone])
def test_unwalkable_paths(ccscan, tmp_path, make):
    (tmp_path / "ok.json").write_text(json.dumps([OK]))
    bad = make(tmp_path)
    assert_clean_exit_2(ccscan("scan", tmp_path), bad, None)


def test_a_path_through_a_file(ccscan, tmp_path):
    (tmp_path / "ok.json").write_text(json.dumps([OK]))
    bad = tmp_path / "ok.json" / "x.json"
    assert_clean_exit_2(ccscan("scan", bad), bad, None)


HEADER = {"schema_version": "1.0", "scan_id": "s"}
BASELINES = [
    ("list.json", json.dumps([HEADER]).encode()),
    ("findings-map.json", json.dumps({**HEADER, "findings": {}}).encode()),
    ("finding-str.json", json.dumps({**HEADER, "findings": ["x"]}).encode()),
    ("finding-no-id.json", json.dumps({**HEADER, "findings": [{"status": "fail"}]}).encode()),
    ("resource-str.json", json.dumps({**HEADER, "findings": [
        {"id": "a", "status": "fail", "resource": "vm"}]}).encode()),
    ("two-verdicts.json", json.dumps({**HEADER, "findings": [
        {"id": "a", "status": "fail"}, {"id": "a", "status": "pass"}]}).encode()),
    ("nan.json", b'{"schema_version": "1.0", "scan_id": NaN, "findings": []}'),
    ("deep.json", b'{"findings": ' + b"[" * 3000 + b"]" * 3000 + b"}"),
    ("binary.json", b"\x00\xff\xfe"),
]


@pytest.mark.parametrize(("name", "content"), BASELINES, ids=[c[0] for c in BASELINES])
def test_bad_baselines(ccscan, tmp_path, parser, name, content):
    inv = tmp_path / "inv.json"
    inv.write_text(json.dumps([OK]))
    base = tmp_path / name
    base.write_bytes(content)
    assert_clean_exit_2(ccscan("scan", inv, "--baseline", base), base, None)
    res = ccscan("diff", base, base)
    assert res.exit_code == 2 and str(base) in res.stderr and "Traceback" not in res.stderr


W = "    resource: x\n    reason: r\n    owner: o\n"
WAIVERS = [
    ("list.yaml", "- policy: A\n", 1),
    ("entry-str.yaml", "waivers:\n  - a string\n", 2),
    ("waivers-map.yaml", "waivers:\n  policy: A\n", 2),
    ("expires-int.yaml", "waivers:\n  - policy: A\n" + W + "    expires: 20270101\n", 6),
    ("expires-bad.yaml", "waivers:\n  - policy: A\n" + W + "    expires: 2027-02-30\n", 6),
    ("expires-list.yaml", "waivers:\n  - policy: A\n" + W + "    expires: [1]\n", 6),
    ("deep.yaml", "waivers: " + "[" * 5000 + "]" * 5000 + "\n", 1),
]


@pytest.mark.parametrize(("name", "text", "line"), WAIVERS, ids=[c[0] for c in WAIVERS])
def test_bad_waivers(ccscan, tmp_path, name, text, line):
    inv = tmp_path / "inv.json"
    inv.write_text(json.dumps([OK]))
    path = tmp_path / name
    path.write_text(text)
    assert_clean_exit_2(ccscan("scan", inv, "--waivers", path), path, line)
