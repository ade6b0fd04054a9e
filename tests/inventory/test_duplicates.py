"""
A resource id read twice is an error by default (one finding id, one verdict), or with
`--on-duplicate first` the first copy is kept and the others are counted.
"""

from __future__ import annotations

import json
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.errors import InputError
from scanner.inventory.duplicates import DuplicateIds
from scanner.inventory.resource import Resource

SITE = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/"
ARN = "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc"


def site(name, https=True, rid=None):
    return {"id": rid or SITE + name, "type": "Microsoft.Web/sites", "name": name,
            "location": "westeurope", "properties": {"httpsOnly": https}}


def ec2(rid, amd="enabled"):
    return {"id": rid, "type": "AWS::EC2::Instance", "name": "i", "provider": "aws",
            "properties": {"CpuOptions": {"AmdSevSnp": amd}}}


def write(tmp_path, name, docs):
    p = tmp_path / name
    p.write_text("".join(json.dumps(d) + "\n" for d in docs))
    return p


def test_a_duplicate_inside_one_file_is_exit_2_naming_file_and_line(ccscan, tmp_path):
    p = write(tmp_path, "a.jsonl", [site("a"), site("b"), site("a", https=False)])
    res = ccscan("scan", p, "--format", "json")
    assert res.exit_code == 2 and res.stdout == ""
    assert f"{p}:3: resource id '{SITE}a' was already read" in res.stderr


def test_a_duplicate_across_files_is_exit_2(ccscan, tmp_path):
    write(tmp_path, "a.jsonl", [site("a")])
    b = write(tmp_path, "b.jsonl", [site("z"), site("a", https=False)])
    res = ccscan("scan", tmp_path)
    assert res.exit_code == 2
    assert f"{b}:2: resource id" in res.stderr


def test_arm_ids_differing_only_in_case_are_duplicates(ccscan, tmp_path):
    p = write(tmp_path, "a.jsonl", [site("a"), site("a", https=False, rid=(SITE + "a").upper())])
    res = ccscan("scan", p)
    assert res.exit_code == 2 and "case-insensitively" in res.stderr


def test_arns_differing_only_in_case_are_different_resources(ccscan, tmp_path):
    p = write(tmp_path, "a.jsonl", [ec2(ARN), ec2(ARN.replace("i-0abc", "i-0ABC"))])
    res = ccscan("scan", p, "--format", "json")
    assert res.exit_code in (0, 1), res.stderr
    assert res.json()["inputs"][0]["resources"] == 2
    assert "duplicates_skipped" not in res.json()["inputs"][0]


def test_identical_arns_are_duplicates(ccscan, tmp_path):
    p = write(tmp_path, "a.jsonl", [ec2(ARN), ec2(ARN, amd="disabled")])
    assert ccscan("scan", p).exit_code == 2


def test_on_duplicate_first_keeps_the_first_copy_and_counts_the_rest(ccscan, tmp_path):
    # The second copy of `a` would fail the https policy: with `first`, `a` passes once.
    p = write(tmp_path, "a.jsonl", [site("a"), site("a", https=False), site("A", rid=(SITE + "A"))])
    res = ccscan("scan", p, "--format", "json", "--on-duplicate", "first", "--check", "CCS-AZ-APP-001")
    assert res.exit_code in (0, 1), res.stderr
    doc = res.json()
    assert doc["inputs"][0]["duplicates_skipped"] == 2
    ids = [f["id"] for f in doc["findings"]]
    assert len(ids) == len(set(ids))
    https = [f for f in doc["findings"] if f["resource"]["id"].lower() == (SITE + "a").lower()
             and any(e["path"] == "properties.httpsOnly" for e in f["evidence"])]
    assert [f["status"] for f in https] == ["pass"]
    assert "skipped 2 resource(s) whose id was already read" in res.stderr


def test_on_duplicate_rejects_unknown_choices(ccscan, tmp_path):
    p = write(tmp_path, "a.jsonl", [site("a")])
    assert ccscan("scan", p, "--on-duplicate", "keep-both").exit_code == 2


def res(rid, line=1):
    return Resource({"id": rid, "type": "t"}, "f.jsonl", line)


@given(st.lists(st.text(min_size=1, max_size=12).map(lambda s: "/" + s) | st.text(min_size=1, max_size=12),
                max_size=30))
@settings(max_examples=200, deadline=None)
def test_error_mode_raises_exactly_at_the_first_repeat(ids):
    # Expected by hand: ARM ids (leading "/") fold case, anything else does not.
    keys = [i.lower() if i.startswith("/") else i for i in ids]
    first_repeat = next((n for n, k in enumerate(keys) if k in keys[:n]), None)
    seen = DuplicateIds()
    for n, rid in enumerate(ids):
        if n == first_repeat:
            with pytest.raises(InputError) as err:
                seen.admit(res(rid, n + 1))
            assert err.value.line == n + 1 and err.value.path == "f.jsonl"
            return
        assert seen.admit(res(rid, n + 1)) is True
    assert first_repeat is None


@given(st.lists(st.sampled_from(["/a", "/A", "/b", "arn:x", "arn:X", "arn:x "]), max_size=20))
def test_first_mode_admits_each_id_once(ids):
    seen = DuplicateIds("first")
    admitted = [rid for rid in ids if seen.admit(res(rid))]
    assert len(admitted) == len({i.lower() if i.startswith("/") else i for i in ids})
    assert seen.take_skipped() == len(ids) - len(admitted) and seen.take_skipped() == 0


def test_memory_per_id_stays_small():
    # 1M resources must stay well under 100 MB: measure 200k ids and bound the bytes per id.
    seen = DuplicateIds()
    r = Resource({"id": "", "type": "t"})
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for i in range(200_000):
            r.doc["id"] = f"{SITE}app-{i}"
            seen.admit(r)
        used = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert used / 200_000 < 80, f"{used / 200_000:.0f} bytes per id"


@pytest.mark.parametrize("seed", ["0", "4321"])
def test_a_fixed_hash_seed_falls_back_to_the_keyed_blake2b(monkeypatch, seed):
    # With PYTHONHASHSEED fixed, str hashes are known in advance and ids could be crafted to
    # collide; the per-run blake2b key is used instead, with the same comparison rules.
    monkeypatch.setenv("PYTHONHASHSEED", seed)
    seen = DuplicateIds("first")
    assert seen._keyed_hash is False
    ids = ["/a/B", "/A/b", "arn:x", "arn:X", "arn:x", "/c"]
    assert [rid for rid in ids if seen.admit(res(rid))] == ["/a/B", "arn:x", "arn:X", "/c"]
    assert seen.take_skipped() == 2


def test_a_random_hash_seed_uses_pythons_keyed_str_hash(monkeypatch):
    monkeypatch.setenv("PYTHONHASHSEED", "random")
    assert DuplicateIds()._keyed_hash is True
    monkeypatch.delenv("PYTHONHASHSEED")
    seen = DuplicateIds()
    assert seen._keyed_hash is True
    with pytest.raises(InputError):
        for rid in ["/x/Y", "/X/y"]:
            seen.admit(res(rid))
