"""
`-` and `/dev/stdin` as an inventory: read once, JSON or JSONL detected, sha256 of the bytes,
findings and errors naming `-`; broken input is exit 2 naming `-` and the line.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.errors import InputError
from scanner.inventory.stdin import StdinInventory
from tests.conftest import FIXTURES

CCSCAN = Path(sys.executable).with_name("ccscan")
FILES = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".json", ".jsonl"))


def scan_stdin(data: bytes, *args: str, name: str = "-") -> subprocess.CompletedProcess:
    return subprocess.run([str(CCSCAN), "scan", name, "--format", "json", *args], input=data,
                          capture_output=True, timeout=60, check=False)


@pytest.mark.parametrize("path", [FILES[0], next(p for p in FILES if p.suffix == ".jsonl")],
                         ids=lambda p: p.name)
@pytest.mark.parametrize("name", ["-", "/dev/stdin"])
def test_stdin_reads_like_the_file(path, name):
    data = path.read_bytes()
    piped = scan_stdin(data, name=name)
    direct = subprocess.run([str(CCSCAN), "scan", str(path), "--format", "json"], capture_output=True,
                            timeout=60, check=False)
    assert piped.returncode == direct.returncode, piped.stderr
    a, b = json.loads(piped.stdout), json.loads(direct.stdout)
    assert a["inputs"][0]["source"] == "-"
    assert a["inputs"][0]["sha256"] == hashlib.sha256(data).hexdigest() == b["inputs"][0]["sha256"]
    assert a["inputs"][0]["format"] == b["inputs"][0]["format"]
    assert [(f["id"], f["status"]) for f in a["findings"]] == [(f["id"], f["status"]) for f in b["findings"]]
    assert {f["source"] for f in a["findings"]} == {"-"}


def test_stdin_next_to_files():
    res = scan_stdin(FILES[0].read_bytes(), str(FILES[1]))
    sources = [i["source"] for i in json.loads(res.stdout)["inputs"]]
    assert sources[0] == "-" and len(sources) == 2


@pytest.mark.parametrize("data, says", [
    (b"", "-: empty file"), (b"  \n\n", "-: empty file"), (b'{"value": [', "-:1"),
    (b'{"id": "a", "type": "t"}\n{"id": "b", "ty', "-:2"), (b"[1, 2]", "-"), (b"\xff\xfe{}", "-"),
])
def test_broken_stdin_is_exit_2_naming_it(data, says):
    res = scan_stdin(data)
    assert res.returncode == 2, res.stderr
    err = res.stderr.decode()
    assert err.startswith(f"ccscan: error: {says}") and err.count("\n") == 1
    assert "ccscan-stdin-" not in err  # the temp file is never named


def test_stdin_twice_is_refused():
    res = scan_stdin(b"[]", "-")
    assert res.returncode == 2 and b"only once" in res.stderr


def test_the_spool_is_removed():
    inv = StdinInventory(stream=io.BytesIO(FILES[0].read_bytes()))
    spooled = inv.spooled
    assert spooled.exists()
    assert sum(1 for _ in inv) > 0
    assert not spooled.exists() and inv.path == Path("-")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["id", "type", "name", "x"]),
                                st.one_of(st.text(max_size=8), st.integers(), st.none()),
                                max_size=4), max_size=5),
       st.booleans())
def test_any_document_or_lines_read_or_refuse(docs, as_lines):
    data = ("\n".join(json.dumps(d) for d in docs) if as_lines else json.dumps(docs)).encode()
    inv = StdinInventory(stream=io.BytesIO(data))
    try:
        got = list(inv)
    except InputError as e:
        assert e.path == "-"
    else:
        assert all(r.source == "-" for r in got)
        assert len(got) == len(docs)  # nothing dropped silently


def test_stdin_serves_both_passes_of_a_relationship_scan(tmp_path):
    # Relationship policies (CCS-AZ-VM-006 follows a VM to its disk encryption set) read the
    # inputs twice; standard input can be read once, so its spool serves both passes.
    path = FIXTURES / "azure" / "prod-ai" / "virtual-machines.json"
    env = {**__import__("os").environ, "TMPDIR": str(tmp_path)}
    piped = subprocess.run([str(CCSCAN), "scan", "-", "--format", "json"], input=path.read_bytes(),
                           capture_output=True, timeout=60, check=False, env=env)
    direct = subprocess.run([str(CCSCAN), "scan", str(path), "--format", "json"], capture_output=True,
                            timeout=60, check=False)
    assert piped.returncode == direct.returncode == 1, piped.stderr
    a, b = json.loads(piped.stdout), json.loads(direct.stdout)
    chain = [(f["id"], f["status"]) for f in a["findings"] if f["policy_id"] == "CCS-AZ-VM-006"]
    assert len(chain) == 3  # the three Confidential VMs of the file
    assert [(f["id"], f["status"]) for f in a["findings"]] == [(f["id"], f["status"]) for f in b["findings"]]
    assert list(tmp_path.glob("ccscan-stdin-*")) == []  # removed at exit
