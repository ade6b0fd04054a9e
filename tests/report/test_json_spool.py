"""
The JSON reporter's findings spool is appended to the document by the kernel when the output
is a seekable file, and decoded through the text layer otherwise (a StringIO, a pipe): the
same text either way, non-ASCII included, and a write error still names the output.
"""

from __future__ import annotations

import io
import json

import pytest

from scanner import fdcopy
from scanner.errors import OutputError
from scanner.findings import Evidence, Finding, ScanResult
from scanner.outputs import _Checked
from scanner.report.json_report import JsonReporter


def _finding(i: int) -> Finding:
    rid = f"/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/app-é-{i}"
    return Finding(f"id{i:04d}", "CCS-AZ-APP-001", "Sites use HTTPS", "high", "fail",
                   "expected httpsOnly; observed properties.httpsOnly=False",
                   {"id": rid, "type": "Microsoft.Web/sites", "name": f"app-é-{i}"},
                   (Evidence("properties.httpsOnly", False),), source="estate.jsonl", line=i + 2)


def _write(out, n: int) -> None:
    result = ScanResult(scan_id="s", tool={"name": "ccscan", "version": "0"}, started_at="t")
    reporter = JsonReporter()
    reporter.start(out, result)
    for i in range(n):
        reporter.add(_finding(i))
    reporter.finish(result)


@pytest.mark.parametrize("n", [0, 1, 3000])
def test_a_file_and_a_string_buffer_get_the_same_text(tmp_path, n):
    buffer = io.StringIO()
    _write(buffer, n)
    with (tmp_path / "r.json").open("w", encoding="utf-8") as f:
        _write(f, n)
    text = (tmp_path / "r.json").read_text(encoding="utf-8")
    assert text == buffer.getvalue()
    doc = json.loads(text)
    assert [f["id"] for f in doc["findings"]] == [f"id{i:04d}" for i in range(n)]
    if n:
        assert doc["findings"][-1]["resource"]["name"] == f"app-é-{n - 1}"
        assert text.endswith("\n ]\n}\n")
    else:
        assert text.endswith('"findings": []\n}\n')


def test_a_failed_kernel_copy_names_the_output(tmp_path, monkeypatch):
    def full(src, dst, size):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("scanner.outputs.copy_fd", full)
    with (tmp_path / "r.json").open("w+", encoding="utf-8") as f, \
            pytest.raises(OutputError, match="cannot write output r.json: No space left"):
        _write(_Checked(f, "output r.json"), 2)


def test_copy_fd_falls_back_to_read_and_write(tmp_path, monkeypatch):
    # Neither copy_file_range nor sendfile (another OS): the plain loop copies every byte.
    monkeypatch.delattr(fdcopy.os, "copy_file_range", raising=False)
    monkeypatch.delattr(fdcopy.os, "sendfile", raising=False)
    data = bytes(range(256)) * 5000
    (tmp_path / "src").write_bytes(data)
    with (tmp_path / "src").open("rb") as src, (tmp_path / "dst").open("wb") as dst:
        dst.write(b"head")
        dst.flush()
        fdcopy.copy_fd(src.fileno(), dst.fileno(), len(data))
    assert (tmp_path / "dst").read_bytes() == b"head" + data
