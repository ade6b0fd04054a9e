"""
Reading finished scans for shipping: ccscan's streamed layout, other layouts, OCSF JSONL,
and broken or hostile files (each an input error naming the file, never fewer findings).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ship_helpers import finding_ids

from scanner.errors import InputError
from scanner.ship import read_records


def ids(path):
    return [r.finding_id for r in read_records(path)]


def test_streamed_layout_gives_every_finding_with_its_ocsf_event(scan_json, scan_ocsf):
    records = list(read_records(scan_json))
    assert [r.finding_id for r in records] == finding_ids(scan_json)
    ocsf = [json.loads(line) for line in scan_ocsf.read_text().splitlines()]
    assert [r.event() for r in records] == ocsf[: len(records)]
    assert all(r.scan_id == "scan-fixture" for r in records)


def test_reindented_and_reordered_result_reads_the_same(scan_json, tmp_path):
    doc = json.loads(scan_json.read_text())
    other = tmp_path / "pretty.json"
    other.write_text(json.dumps({"findings": doc["findings"], **{k: v for k, v in doc.items()
                                                                 if k != "findings"}}, indent=4))
    assert ids(other) == finding_ids(scan_json)


def test_ocsf_jsonl_reads_finding_uids(scan_ocsf, scan_json):
    records = list(read_records(scan_ocsf))
    assert [r.finding_id for r in records] == finding_ids(scan_json)
    assert all(r.finding is None and r.scan_id == "scan-fixture" for r in records)


def test_empty_scan_has_no_records(tmp_path):
    from support.ship_estate import many_findings

    assert ids(many_findings(tmp_path / "empty.json", 0)) == []


def test_bom_is_accepted(scan_json, tmp_path):
    p = tmp_path / "bom.json"
    p.write_bytes(b"\xef\xbb\xbf" + scan_json.read_bytes())
    assert ids(p) == finding_ids(scan_json)


def broken_variants(text: str) -> dict[str, bytes]:
    lines = text.splitlines(keepends=True)
    head_end = next(i for i, line in enumerate(lines) if line.startswith(' "findings": ['))
    finding = json.loads(lines[head_end + 1].rstrip().rstrip(","))
    no_id = dict(finding)
    del no_id["id"]
    bad_status = dict(finding, status="PASSED")
    bad_severity = dict(finding, severity="urgent")
    not_dict_resource = dict(finding, resource="vm1")

    def with_first(f):
        return "".join(lines[: head_end + 1]) + json.dumps(f) + ",\n" + "".join(lines[head_end + 2:])

    return {
        "truncated mid-finding": text[: len("".join(lines[: head_end + 3])) - 20].encode(),
        "truncated before ]": "".join(lines[:-2]).encode(),
        "finding without id": with_first(no_id).encode(),
        "unknown status": with_first(bad_status).encode(),
        "unknown severity": with_first(bad_severity).encode(),
        "resource not an object": with_first(not_dict_resource).encode(),
        "finding is a list": with_first([1, 2]).encode(),
        "text after the document": (text + "{}\n").encode(),
        "not UTF-8": b"\xff\xfe" + text.encode("utf-16-le"),
        "empty file": b"",
        "a JSON list": b"[1, 2, 3]",
        "no findings key": b'{"scan_id": "x"}',
        "findings not a list": b'{"scan_id": "x", "findings": {}}',
        "no scan_id": b'{"findings": []}',
        "deeply nested": b'{"scan_id": "x", "findings": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}",
        "OCSF line of another class": b'{"class_uid": 4001, "finding_info": {"uid": "x"}}\n',
        "OCSF then garbage": b'{"class_uid": 2003, "finding_info": {"uid": "x"}}\nnot json\n',
        "OCSF without uid": b'{"class_uid": 2003, "finding_info": {}}\n',
        "OCSF then a list": b'{"class_uid": 2003, "finding_info": {"uid": "x"}}\n[1]\n',
        "OCSF finding_info a string": b'{"class_uid": 2003, "finding_info": "x"}\n',
        "OCSF time out of range": b'{"class_uid": 2003, "finding_info": {"uid": "x"}, "time": 1e30}\n',
        "OCSF time huge int": b'{"class_uid": 2003, "finding_info": {"uid": "x"}, "time": 99999999999999999999}\n',
        "frameworks not a mapping": with_first(dict(finding, frameworks=["soc2"])).encode(),
    }


def test_broken_files_are_input_errors_naming_the_file(scan_json, tmp_path):
    variants = broken_variants(scan_json.read_text())
    assert len(variants) == 23
    for name, data in variants.items():
        p = tmp_path / "broken.json"
        p.write_bytes(data)
        with pytest.raises(InputError) as e:
            list(read_records(p))
        assert e.value.path == str(p), name
        assert e.value.exit_code == 2


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        list(read_records(tmp_path / "nope.json"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=10_000), junk=st.binary(max_size=20))
def test_any_damage_is_an_error_or_the_full_set(scan_json, tmp_path, cut, junk):
    data = scan_json.read_bytes()
    cut = min(cut, len(data))
    damaged = data[:cut] + junk + data[cut + len(junk):]
    p = tmp_path / "damaged.json"
    p.write_bytes(damaged)
    try:
        got = ids(p)
    except InputError:
        return
    # whatever was read must be every finding: never a smaller set that looks complete
    assert len(got) == len(finding_ids(scan_json))


def test_cli_ship_of_a_missing_or_broken_file_is_exit_2(tmp_path):
    from ship_helpers import run

    broken = tmp_path / "broken.json"
    broken.write_text('{"scan_id": "x", "findings": [')
    for path in (tmp_path / "missing.json", broken):
        res = run("ship", str(path), "--to", "s3", "--s3-bucket", "b", "--s3-endpoint-url",
                  "http://127.0.0.1:9")
        assert res.exit_code == 2, res.output
        assert str(path) in res.output
