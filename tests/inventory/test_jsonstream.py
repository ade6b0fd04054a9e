"""
Streamed whole-file JSON (scanner.inventory.jsonstream): the same resources, lines, hashes
and errors as the in-memory path, for every shape; never fewer resources.

CCSCAN_STREAM_JSON_BYTES=0 streams every file, so small files exercise the streamed path.
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.errors import InputError
from scanner.inventory import jsonparse, jsonstream
from scanner.inventory.files import InventoryFile
from tests.test_bad_inputs_cli import INVENTORIES, assert_clean_exit_2

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = sorted((ROOT / "fixtures").rglob("*.json"))
SITE = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/a"
OK = {"id": SITE, "type": "Microsoft.Web/sites", "name": "a", "properties": {"httpsOnly": True}}

pytestmark = pytest.mark.skipif(not jsonstream.available(), reason="ijson's C backend is not installed")


def read(path: Path, monkeypatch, streamed: bool):
    monkeypatch.setenv("CCSCAN_STREAM_JSON_BYTES", "0" if streamed else str(1 << 40))
    f = InventoryFile(path)
    docs = [(r.doc, r.line) for r in f]
    return docs, f.sha256, f.format, f.header, f.incomplete


@pytest.mark.parametrize("path", FIXTURES, ids=[str(p.relative_to(ROOT)) for p in FIXTURES])
def test_every_fixture_reads_the_same_streamed(path, monkeypatch):
    whole = read(path, monkeypatch, streamed=False)
    streamed = read(path, monkeypatch, streamed=True)
    assert whole[0], "a fixture with resources"
    assert streamed == whole


SHAPES = {
    "arm-list": {"value": [OK, {**OK, "id": SITE + "2"}], "nextLink": None},
    "resource-graph": {"totalRecords": 2, "data": [OK, {**OK, "id": SITE + "2"}]},
    "resource-graph-table": {"data": {"columns": [{"name": "id"}, {"name": "type"}],
                                      "rows": [[SITE, "Microsoft.Web/sites"]]}},
    "arm-array": [OK, {**OK, "id": SITE + "2"}],
    "arm-single": OK,
    "snapshot-header-after": {"resources": [OK], "ccscan_snapshot": 1,
                              "incomplete": [{"scope": "sub x", "reason": "403"}]},
    "volumes": {"Volumes": [{"VolumeId": "vol-1", "AvailabilityZone": "eu-west-1a",
                             "Encrypted": True}]},
    "instances": {"Reservations": [{"OwnerId": "1111", "Instances": [
        {"InstanceId": "i-1", "Placement": {"AvailabilityZone": "eu-west-1a"}}]}]},
    "config": {"configurationItems": [], "Results": [
        json.dumps({"resourceType": "AWS::EC2::Instance", "resourceId": "i-1",
                    "configuration": {"instanceId": "i-1"}})]},
    "bom": b"\xef\xbb\xbf" + json.dumps([OK]).encode(),
    "pretty": json.dumps({"value": [OK] * 1 + [{**OK, "id": SITE + "/\u00e9"}]}, indent=2,
                         ensure_ascii=True).encode(),
}


@pytest.mark.parametrize("name", SHAPES)
def test_every_shape_reads_the_same_streamed(name, tmp_path, monkeypatch):
    content = SHAPES[name]
    p = tmp_path / f"{name}.json"
    p.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
    whole = read(p, monkeypatch, streamed=False)
    assert read(p, monkeypatch, streamed=True) == whole
    assert whole[0]


def test_a_header_after_the_resources_still_makes_the_scan_incomplete(ccscan, tmp_path):
    p = tmp_path / "late-header.json"
    p.write_text(json.dumps(SHAPES["snapshot-header-after"]))
    res = ccscan("scan", p, "--format", "json", env={"CCSCAN_STREAM_JSON_BYTES": "0"})
    assert res.exit_code == 3, res.stderr


BAD_JSON = [c for c in INVENTORIES if c[0].endswith(".json")]


@pytest.mark.parametrize(("name", "content", "line"), BAD_JSON, ids=[c[0] for c in BAD_JSON])
def test_bad_inventories_streamed(ccscan, tmp_path, name, content, line):
    path = tmp_path / name
    path.write_bytes(content)
    res = ccscan("scan", path, "--format", "json", env={"CCSCAN_STREAM_JSON_BYTES": "0"})
    assert_clean_exit_2(res, path, line)


@pytest.mark.parametrize(("content", "line", "fragment"), [
    (b"   \n\n", None, "empty file"),
    (b'{"value": [\n{"id": 1,\n', 3, "truncated"),
    (b'{"value": []}\xff', 1, "not UTF-8"),
    (b'{"value": [\n1,\n NaN]}', 3, "NaN is not a JSON number"),
    (b'{"value": [OK]}\n\n[1]', 1, "invalid JSON"),
    (b'{"value": [1]} [2]', 1, "trailing garbage"),
    (b'{"value": [\n"\\ud800x"]}', 2, "lone UTF-16 surrogate"),
    (b'{"value": [\n"\\\\ud800"]}', None, "does not have the arm-list shape"),  # an escaped backslash: no surrogate
    (b'{"value": [\n{"k": "\\udc00"}]}', 2, "lone UTF-16 surrogate"),
    (b'{"value": [\n' + b"[" * 70 + b"]" * 70 + b"]}", 2, "nested deeper than 64"),
    (b'{"value": [\n9223372036854775808]}', 2, "64-bit range"),
    (b'{"value": [\n1e400]}', 2, "too large for a double"),
    (b'{"value": [], "value": [' + json.dumps(OK).encode() + b"]}", None, "appears twice"),
    (b'"just a string"', None, "is no inventory"),
    (b"[]", None, "empty JSON array"),
])
def test_streamed_errors_name_the_line(tmp_path, monkeypatch, content, line, fragment):
    p = tmp_path / "bad.json"
    p.write_bytes(content)
    monkeypatch.setenv("CCSCAN_STREAM_JSON_BYTES", "0")
    with pytest.raises(InputError) as err:
        list(InventoryFile(p))
    assert fragment in err.value.message
    assert err.value.line == line


def test_a_file_changed_between_the_passes_is_an_error(tmp_path, monkeypatch):
    p = tmp_path / "changing.json"
    p.write_text(json.dumps({"value": [OK, {**OK, "id": SITE + "2"}]}))
    monkeypatch.setenv("CCSCAN_STREAM_JSON_BYTES", "0")
    it = iter(InventoryFile(p))
    first = next(it)
    assert first.doc["id"] == SITE
    p.write_text(json.dumps({"value": [OK, {**OK, "id": SITE + "2"}, {**OK, "id": SITE + "3"}]}))
    with pytest.raises(InputError) as err:
        list(it)
    assert "changed while being read" in err.value.message


# Values as JSON text: what jsonparse accepts must read the same streamed; what it refuses
# must be refused streamed too. The one documented difference: integers outside int64.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)
RAW = st.sampled_from(["NaN", "-Infinity", "1e400", '"\\ud800"', '"\\udfff\\ud800"', '"\\ud83d\\ude00"',
                       '"\\\\ud800"', "[" * 66 + "]" * 66, "18446744073709551615", '{"a": 1, "a": 2}'])


def _outside_int64(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return not -(2**63) < value < 2**63  # yajl also refuses -2**63 itself
    if isinstance(value, list):
        return any(_outside_int64(v) for v in value)
    if isinstance(value, dict):
        return any(_outside_int64(v) for v in value.values())
    return False


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=json_values | RAW, pretty=st.booleans())
def test_streamed_agrees_with_jsonparse_on_any_value(tmp_path_factory, value, pretty):
    text = value if isinstance(value, str) and value in RAW_VALUES else json.dumps(
        value, indent=1 if pretty else None)
    data = f'{{"value": [{{"id": "{SITE}", "type": "t", "properties": {{"v": {text}}}}}]}}'.encode()
    p = tmp_path_factory.mktemp("v") / "v.json"
    p.write_bytes(data)
    try:
        expected = jsonparse.loads(data)["value"][0]["properties"]["v"]
    except jsonparse.JsonError:
        expected = _REFUSED
    old = os.environ.get("CCSCAN_STREAM_JSON_BYTES")
    os.environ["CCSCAN_STREAM_JSON_BYTES"] = "0"
    try:
        got = next(r.doc["properties"]["v"] for r in InventoryFile(p))
    except InputError:
        got = _REFUSED
    finally:
        os.environ.pop("CCSCAN_STREAM_JSON_BYTES") if old is None else os.environ.update(
            CCSCAN_STREAM_JSON_BYTES=old)
    if got is _REFUSED and expected is not _REFUSED and _outside_int64(json.loads(text)):
        return  # the documented difference: refused, never misread
    assert _same(got, expected), (text, got, expected)


_REFUSED = object()
RAW_VALUES = {"NaN", "-Infinity", "1e400", '"\\ud800"', '"\\udfff\\ud800"', '"\\ud83d\\ude00"',
              '"\\\\ud800"', "[" * 66 + "]" * 66, "18446744073709551615", '{"a": 1, "a": 2}'}


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return a == b


_OOM_SCRIPT = """
import resource, sys
from scanner.cli import main
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
sys.argv = ["ccscan", "scan", sys.argv[2], "--format", "json"]
main()
"""


def test_running_out_of_memory_is_reported_as_such_not_as_bad_json(tmp_path):
    # A real out-of-memory: the child's address space is capped a little above what it
    # needs to start, and the in-memory path is forced on a file that needs far more.
    p = tmp_path / "big.json"
    with p.open("w") as f:
        f.write('{"value": [')
        f.write(",".join(json.dumps({**OK, "id": f"{SITE}{i}", "properties": {"k": [i] * 20}})
                         for i in range(120_000)))
        f.write("]}")
    env = {**os.environ, "CCSCAN_STREAM_JSON_BYTES": str(1 << 40)}
    vm = _vm_bytes_after_imports(env)
    res = subprocess.run([sys.executable, "-c", _OOM_SCRIPT, str(vm + 120 * 1024**2), str(p)],
                         capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert res.returncode == 2, res.stderr
    assert "out of memory" in res.stderr and "invalid JSON" not in res.stderr, res.stderr
    assert str(p) in res.stderr


_STATM_SCRIPT = ("import scanner.cli, scanner.scan, scanner.inventory.files, orjson;"
                 "print(open('/proc/self/statm').read().split()[0])")


def _vm_bytes_after_imports(env) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _STATM_SCRIPT],
        capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return int(out.stdout) * resource.getpagesize()


@pytest.mark.parametrize("value", ["-1", "1e6", "lots", str((1 << 40) + 1)])
def test_a_bad_stream_threshold_is_exit_2_naming_it(ccscan, value):
    res = ccscan("scan", ROOT / "fixtures", env={"CCSCAN_STREAM_JSON_BYTES": value})
    assert res.exit_code == 2 and "CCSCAN_STREAM_JSON_BYTES" in res.stderr
