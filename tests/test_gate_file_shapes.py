"""
Baselines (`--baseline`, `ccscan diff`) and waivers files of the wrong shape are one
InputError naming the file (and the line, where YAML gives it): never a traceback.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.baseline import Baseline, diff, load_scan_result, render_diff
from scanner.errors import InputError
from scanner.waivers import load_waivers

HEADER = {"schema_version": "1.0", "scan_id": "s1"}
GOOD_FINDING = {"id": "f1", "status": "fail", "policy_id": "P-1", "severity": "high",
                "resource": {"id": "/subscriptions/s/x", "type": "t"}}


def scan_doc(findings):
    return {**HEADER, "findings": findings}


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        ([HEADER], "expected the output of `ccscan scan --format json`"),
        ({**HEADER, "findings": {"f1": GOOD_FINDING}}, "findings is not a list"),
        (scan_doc(["f1"]), "findings[0] is a JSON str, not an object"),
        (scan_doc([GOOD_FINDING, None]), "findings[1] is a JSON NoneType"),
        (scan_doc([{**GOOD_FINDING, "id": 7}]), "findings[0] has no id"),
        (scan_doc([{**GOOD_FINDING, "id": ""}]), "findings[0] has no id"),
        (scan_doc([{**GOOD_FINDING, "status": "FAIL"}]), "has status 'FAIL'"),
        (scan_doc([{**GOOD_FINDING, "resource": "vm-1"}]), "resource is not an object"),
        (scan_doc([{**GOOD_FINDING, "resource": [1]}]), "resource is not an object"),
        (scan_doc([{**GOOD_FINDING, "resource": {"id": 5}}]), "resource.id is not a string"),
        (scan_doc([{**GOOD_FINDING, "policy_id": ["P"]}]), "policy_id is not a string"),
        (scan_doc([{**GOOD_FINDING, "severity": {}}]), "severity is not a string"),
        (scan_doc([GOOD_FINDING, {**GOOD_FINDING, "status": "pass"}]),
         "findings[1] has the id 'f1' of an earlier finding"),
    ],
)
def test_baselines_of_the_wrong_shape(tmp_path, doc, words):
    path = tmp_path / "base.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as err:
        load_scan_result(path)
    assert err.value.path == str(path)
    assert words in err.value.message


@pytest.mark.parametrize(
    ("raw", "line", "words"),
    [
        (b'{"schema_version": "1.0",\n "scan_id": NaN, "findings": []}', 2, "NaN is not a JSON number"),
        (b'{"findings": [\n' + b"[" * 100 + b"]" * 100 + b"]}", 2, "nested deeper than 64"),
        (b'{"findings": [\n"\\udfff"]}', 2, "lone UTF-16 surrogate"),
        (b'{"findings": [}', 1, "invalid JSON"),
        (b"\xff\xfe{}", 1, "not UTF-8"),
    ],
)
def test_baselines_that_are_not_json_name_the_line(tmp_path, raw, line, words):
    path = tmp_path / "base.json"
    path.write_bytes(raw)
    with pytest.raises(InputError) as err:
        load_scan_result(path)
    assert err.value.line == line and words in err.value.message


def test_a_baseline_that_is_a_directory_fifo_or_device_is_an_input_error(tmp_path):
    os.mkfifo(tmp_path / "pipe.json")
    for path in (tmp_path, tmp_path / "pipe.json", Path("/dev/zero")):
        with pytest.raises(InputError, match="not a regular file"):
            load_scan_result(path)


def test_an_oversized_baseline_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("scanner.baseline.MAX_RESULT_BYTES", 10)
    path = tmp_path / "big.json"
    path.write_text(json.dumps(scan_doc([])))
    with pytest.raises(InputError, match="over the 10-byte limit"):
        load_scan_result(path)


def test_diff_of_a_malformed_baseline_is_exit_2(ccscan, tmp_path):
    good = tmp_path / "new.json"
    good.write_text(json.dumps(scan_doc([GOOD_FINDING])))
    bad = tmp_path / "old.json"
    bad.write_text(json.dumps(scan_doc([{**GOOD_FINDING, "resource": "x"}])))
    res = ccscan("diff", bad, good)
    assert res.exit_code == 2 and "old.json" in res.stderr and "Traceback" not in res.stderr
    res = ccscan("scan", "fixtures/", "--baseline", bad)
    assert res.exit_code == 2 and "resource is not an object" in res.stderr


# What a scan result's findings could hold after a careless edit: any JSON at every level.
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=4), kids, max_size=3),
    max_leaves=8,
)
_findings = st.lists(st.fixed_dictionaries(
    {"id": st.sampled_from(["a", "b", "c"]) | _json,
     "status": st.sampled_from(["pass", "fail", "unknown", "waived"]) | _json},
    optional={"policy_id": st.text(max_size=3) | _json, "title": _json, "severity": _json,
              "resource": st.fixed_dictionaries({}, optional={"id": _json, "type": _json}) | _json},
) | _json, max_size=4)


@given(old=_findings, new=_findings)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_findings_list_loads_and_diffs_or_is_one_input_error(tmp_path, old, new):
    loaded = []
    for name, findings in (("old.json", old), ("new.json", new)):
        path = tmp_path / name
        path.write_text(json.dumps(scan_doc(findings)))
        try:
            loaded.append(load_scan_result(path))
        except InputError as e:
            assert e.path == str(path)
            return
    render_diff(diff(*loaded))  # must not raise on whatever load accepted
    Baseline.load(tmp_path / "old.json").finish()


def test_waivers_that_are_a_fifo_device_or_directory_are_refused(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    for path, kind in ((tmp_path / "pipe.yaml", "FIFO"), (Path("/dev/zero"), "character device"),
                       (tmp_path, "directory")):
        with pytest.raises(InputError, match=f"not a regular file \\(a {kind}\\)") as err:
            load_waivers(path)
        assert err.value.path == str(path)


# Waivers: the schema already checks the shape; these pin the cases the issue names.
W = "    resource: x\n    reason: r\n    owner: o\n"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("- policy: A-1\n", 1, "top level: [{'policy': 'A-1'}] is not of type 'object'"),
        ("waivers:\n  - just a string\n", 2, "waivers/0: 'just a string' is not of type 'object'"),
        ("waivers:\n  policy: A-1\n", 2, "waivers: {'policy': 'A-1'} is not of type 'array'"),
        ("waivers:\n", 1, "waivers: None is not of type 'array'"),
        ("waivers:\n  - policy: A-1\n" + W + "    expires: 20270101\n", 6,
         "expires: 20270101 is not of type 'string'"),
        ("waivers:\n  - policy: A-1\n" + W + "    expires: [2027-01-01]\n", 6,
         "is not of type 'string'"),
        ("waivers:\n  - policy: A-1\n" + W + "    expires: 2027-13-01\n", 6,
         "not a valid ISO date"),
        ("waivers:\n  - policy: A-1\n" + W + "    expires: 12027-01-01\n", 6, "does not match"),
        ("waivers:\n  - policy: 5\n" + W + "    expires: 2027-01-01\n", 2,
         "policy: 5 is not of type 'string'"),
        ("waivers:\n  - {policy: A-1, 7: x}\n", 2, "a mapping key must be a string"),
        ("waivers: []\n---\nwaivers: []\n", 1, "expected one YAML document"),
    ],
)
def test_waivers_of_the_wrong_shape(tmp_path, text, line, words):
    path = tmp_path / "waivers.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_waivers(path)
    assert err.value.path == str(path)
    assert err.value.line == line, err.value.diagnostics()
    assert words in err.value.diagnostics()


_yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.dates().map(str) | st.dates()
    | st.sampled_from(["A-1", "*", "x", "2027-01-01", ""]),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(
        st.sampled_from(["waivers", "policy", "resource", "reason", "owner", "expires", "ticket", "x"]),
        kids, max_size=6),
    max_leaves=12,
)


@given(_yaml_values)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_yaml_is_waivers_or_one_input_error(tmp_path, value):
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(value))
    try:
        waivers = load_waivers(path)
    except InputError as e:
        assert e.path == str(path)
    else:
        assert all(isinstance(w.policy, str) and w.expires.year > 0 for w in waivers)
