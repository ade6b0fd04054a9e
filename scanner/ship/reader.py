"""
Read the findings of a finished scan from a file, one at a time.

Two inputs: a scan result (`scan --format json`) or OCSF JSONL (`scan --format ocsf`).
ccscan writes its scan result with the header first and one finding per line, so that
layout streams line by line (memory stays flat however many findings); any other valid
layout of the same document (re-indented by a tool, keys re-ordered) is read whole.
A finding without an id, status or policy id is an input error naming the file and line,
never skipped: shipping fewer findings than the scan produced would be a false green.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from scanner.errors import InputError
from scanner.findings import SEVERITIES, STATUSES, Evidence, Finding, ScanResult
from scanner.report.ocsf import OcsfReporter, epoch_ms
from scanner.ship.interface import ShipRecord

_FINDINGS_LINE = ' "findings": ['
_MAX_MS = 253_402_300_800_000  # year 10000: datetime cannot go further


class _Layout(Exception):
    """Not ccscan's own line layout: read the file whole instead."""


def read_records(path: Path) -> Iterator[ShipRecord]:
    """
    Yield a `ShipRecord` per finding (or OCSF event) in `path`; raise `InputError`.
    """
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}", path) from None
    with fh:
        try:
            first = fh.readline()
            fh.seek(0)
            if _is_ocsf_line(first):
                yield from _ocsf(fh, path)
                return
            try:
                yield from _streamed(fh, path)
                return
            except _Layout:
                fh.seek(0)
            yield from _whole(fh, path)
        except UnicodeDecodeError as e:
            raise InputError(f"not UTF-8 text: {e.reason}", path) from None


def is_ocsf(path: Path) -> bool:
    """True when `path` looks like OCSF JSONL (its first line is an OCSF event)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return _is_ocsf_line(fh.readline(1 << 24))
    except (OSError, UnicodeDecodeError):
        return False  # read_records reports it


def _is_ocsf_line(line: str) -> bool:
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return False
    return isinstance(value, dict) and "class_uid" in value


def _ocsf(fh: IO[str], path: Path) -> Iterator[ShipRecord]:
    for n, line in enumerate(fh, 1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except ValueError as e:
            raise InputError(f"not JSON: {e}", path, n) from None
        except RecursionError:
            raise InputError("nested too deeply to be an OCSF event", path, n) from None
        info = event.get("finding_info") if isinstance(event, dict) else None
        uid = info.get("uid") if isinstance(info, dict) else None
        if not isinstance(uid, str) or not uid or event.get("class_uid") != 2003:
            raise InputError("not an OCSF Compliance Finding with finding_info.uid", path, n)
        meta = event.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        time_ms = event.get("time", 0)
        if not isinstance(time_ms, int) or isinstance(time_ms, bool) or not 0 <= time_ms < _MAX_MS:
            raise InputError("OCSF `time` is not epoch milliseconds", path, n)
        yield ShipRecord(uid, None, str(meta.get("correlation_uid") or ""),
                         time_ms, ocsf=event)


def _streamed(fh: IO[str], path: Path) -> Iterator[ShipRecord]:
    head: list[str] = []
    for line in fh:
        stripped = line.rstrip("\r\n")
        if stripped == _FINDINGS_LINE or stripped == _FINDINGS_LINE + "]":
            break
        head.append(line)
        if len(head) > 100_000:
            raise _Layout
    else:
        raise _Layout
    header_text = "".join(head).rstrip().removesuffix(",") + "}"
    try:
        header = json.loads(header_text)
    except (ValueError, RecursionError):
        raise _Layout from None
    if stripped.endswith("]"):  # no findings: `"findings": []` then `}`
        if fh.read().strip() != "}":
            raise _Layout
        _check_header(header, path)
        return
    n = len(head) + 1
    converter = _Converter(header, path)
    ended = False
    for line in fh:
        n += 1
        text = line.strip()
        if ended:
            if text not in ("}", ""):
                raise InputError("unexpected text after the findings", path, n)
            continue
        if text == "]":
            ended = True
            continue
        try:
            finding = json.loads(text.removesuffix(","))
        except RecursionError:
            raise InputError("a finding is nested too deeply", path, n) from None
        except ValueError:
            # the first line decides the layout; after that, a broken line is broken input
            if n == len(head) + 2:
                raise _Layout from None
            raise InputError("a finding line is not JSON (truncated file?)", path, n) from None
        yield converter.record(finding, n)
    if not ended:
        raise InputError("truncated: the findings array is not closed", path, n)


def _whole(fh: IO[str], path: Path) -> Iterator[ShipRecord]:
    try:
        doc = json.load(fh)
    except ValueError as e:
        line = getattr(e, "lineno", None)
        raise InputError(f"not a scan result (JSON) nor OCSF JSONL: {e}", path, line) from None
    except RecursionError:
        raise InputError("nested too deeply to be a scan result", path) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
        raise InputError("not a ccscan scan result: no `findings` array", path)
    findings = doc.pop("findings")
    converter = _Converter(doc, path)
    for i, finding in enumerate(findings):
        yield converter.record(finding, None, i)


def _check_header(header: Any, path: Path) -> None:
    if not isinstance(header, dict) or not isinstance(header.get("scan_id"), str):
        raise InputError("not a ccscan scan result: no scan_id", path)


class _Converter:
    """Turn scan-result finding dicts into records with the same OCSF event `--format ocsf` writes."""

    def __init__(self, header: Any, path: Path) -> None:
        _check_header(header, path)
        self.path = path
        self.scan_id = header["scan_id"]
        started = str(header.get("started_at") or "")
        self.time_ms = epoch_ms(started)
        result = ScanResult(scan_id=self.scan_id, tool=header.get("tool") or {},
                            started_at=started, policies=list(header.get("policies") or []))
        self.ocsf = OcsfReporter()
        self.ocsf.start(io.StringIO(), result)  # only `event()` is used: nothing is written

    def record(self, d: Any, line: int | None, index: int | None = None) -> ShipRecord:
        where = f"finding {index}: " if index is not None else ""
        if not isinstance(d, dict):
            raise InputError(f"{where}a finding is not an object", self.path, line)
        missing = [k for k in ("id", "policy_id", "status", "severity") if not isinstance(d.get(k), str)]
        if missing or not isinstance(d.get("resource"), dict):
            raise InputError(f"{where}finding lacks {', '.join(missing) or 'resource'}", self.path, line)
        if d["status"] not in STATUSES:
            raise InputError(f"{where}unknown status {d['status']!r}", self.path, line)
        if d["severity"] not in SEVERITIES:
            raise InputError(f"{where}unknown severity {d['severity']!r}", self.path, line)
        try:
            finding = Finding(
                id=d["id"], policy_id=d["policy_id"], title=str(d.get("title") or ""),
                severity=d["severity"], status=d["status"], message=str(d.get("message") or ""),
                resource=d["resource"],
                evidence=tuple(Evidence(str(e.get("path")), e.get("observed"), not e.get("missing"))
                               for e in d.get("evidence") or [] if isinstance(e, dict)),
                remediation=str(d.get("remediation") or ""), frameworks=d.get("frameworks") or {},
                source=str(d.get("source") or ""), line=d.get("line"), waiver=d.get("waiver"),
                baseline=d.get("baseline"),
            )
            if not isinstance(finding.frameworks, dict) or not all(
                isinstance(v, list) for v in finding.frameworks.values()
            ):
                raise TypeError("frameworks is not a mapping of control lists")
        except (KeyError, TypeError, AttributeError, ValueError) as e:
            raise InputError(f"{where}finding of an unexpected shape: {e}", self.path, line) from None
        activity = "update" if finding.baseline == "unchanged" else "create"
        return ShipRecord(finding.id, d, self.scan_id, self.time_ms,
                          to_ocsf=lambda: self.ocsf.event(finding, activity))

