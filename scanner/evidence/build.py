"""
`BundleWriter`: a Reporter plus a resource observer that writes the evidence bundle.

During the scan it appends each evaluated resource to a temp JSONL file and streams
findings through the JSON reporter into a temp `scan.json`. At `finish` it adds the policy
and framework files, the waivers file, `summary.md`, `manifest.json` and, with a key,
`manifest.dsse.json`, and writes the deterministic tar.gz. It never sees a raw secret:
`scanner.scan.run_scan` hands it resources, findings and the result already sanitised
(scanner.sanitise), so it does no redaction of its own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from scanner.errors import UsageError
from scanner.evidence.canonical import canonical_json
from scanner.evidence.dsse import sign_envelope
from scanner.evidence.errors import VerificationError
from scanner.evidence.safetar import check_name, name_key
from scanner.evidence.statement import LEDGER_KEY, Subject, build_statement
from scanner.evidence.summary import SummaryBuilder
from scanner.evidence.tarball import Member, source_date_epoch, write_tarball
from scanner.findings import Finding, ScanResult
from scanner.inventory.resource import Resource

MANIFEST = "manifest.json"
ENVELOPE = "manifest.dsse.json"
SCAN = "scan.json"
SUMMARY = "summary.md"
INVENTORY = "inventory/resources.jsonl"
BUNDLE_FORMAT = 1


class BundleWriter:
    """
    Write an evidence bundle to `out`; pass `observe` as a resource observer and the
    writer itself as a reporter. `framework_files` maps framework id -> YAML file; those
    the scan's controls use are bundled as `frameworks/<id>.yaml`.
    """

    def __init__(
        self,
        out: str | Path,
        sign_key: Ed25519PrivateKey | None = None,
        framework_files: Mapping[str, str | Path] | None = None,
        ledger: Any = None,
    ) -> None:
        self.out = Path(out)
        self.ledger = ledger
        """A `scanner.ledger.append.LedgerAppender`: chain the bundle and append it there."""
        self.sign_key = sign_key
        self._framework_files = dict(framework_files or {})
        self._dir = Path()
        self._resources: IO[bytes] | None = None
        self._count = 0
        self._scan_fh: IO[str] | None = None
        self._json: Any = None
        self._summary = SummaryBuilder()

    # resource observer
    def observe(self, resource: Resource) -> None:
        """Append one evaluated (sanitised) resource to the inventory."""
        assert self._resources is not None, "start() first"
        self._resources.write(_dumps(resource.doc) + b"\n")
        self._count += 1

    # Reporter protocol
    def start(self, out: IO[str], result: ScanResult) -> None:
        """Begin `scan.json`; `out` is not used: the bundle goes to its own path."""
        from scanner.report.json_report import JsonReporter  # lead's format, reused as-is

        # created here, not in __init__, so a scan that never starts leaves nothing behind
        self._dir = Path(tempfile.mkdtemp(prefix="ccscan-bundle-"))
        # both stay open across calls until finish()/close(): no `with` can span them
        self._resources = open(self._dir / "resources.body", "wb")  # noqa: SIM115
        self._scan_fh = open(self._dir / SCAN, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        self._json = JsonReporter()
        self._json.start(self._scan_fh, result)

    def add(self, finding: Finding) -> None:
        self._json.add(finding)
        self._summary.add(finding)

    def finish(self, result: ScanResult) -> None:
        """Complete every member and write the tar.gz (atomically)."""
        try:
            self._json.finish(result)
            assert self._scan_fh is not None
            self._scan_fh.close()
            assert self._resources is not None
            self._resources.close()
            if self.ledger is None:
                write_tarball(self.out, self._members(result), source_date_epoch() or 0)
            else:
                with self.ledger.appending() as link:  # locked: one bundle per sequence
                    members = self._members(result, link.to_dict())
                    write_tarball(self.out, members, source_date_epoch() or 0)
                    self.ledger.commit(self.out, link, result)
        finally:
            self.close()

    def close(self) -> None:
        """Remove the temp directory (also on a failed scan)."""
        for fh in (self._scan_fh, self._resources):
            if fh is not None and not fh.closed:
                fh.close()
        if self._resources is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    def check_names(self, policy_files: Iterable[str | Path | None]) -> None:
        """
        Before the scan: raise UsageError unless every member this bundle would hold has a
        name `bundle verify` accepts (what the writer stores, the verifier must take).
        """
        names = [m.name for m in policy_members(policy_files, read=False)]
        names += [_framework_member(fid) for fid in self._framework_files]
        check_member_names(names)

    def _members(self, result: ScanResult, link: dict[str, Any] | None = None) -> list[Member]:
        members = [Member(SCAN, file=self._dir / SCAN), self._inventory_member(result)]
        members += policy_members(p.get("file") for p in result.policies)
        used = {c.get("framework") for c in result.controls}
        members += [
            Member(_framework_member(name), data=Path(path).read_bytes())
            for name, path in sorted(self._framework_files.items())
            if name in used
        ]
        extra = [SUMMARY, MANIFEST] + ([ENVELOPE] if self.sign_key is not None else [])
        waivers = result.extra.get("waivers")
        if isinstance(waivers, dict) and waivers.get("file"):  # the accepted risks, as written
            wfile = Path(waivers["file"])
            members.append(Member(f"waivers/{_safe_name(wfile.name)}", data=wfile.read_bytes()))
        names = sorted([m.name for m in members] + extra)
        check_member_names(names)  # checked before the scan too; files may have changed since
        summary = self._summary.render(result, names)
        members.append(Member(SUMMARY, data=summary.encode("utf-8")))
        subjects = [Subject(m.name, *m.digest()) for m in members]
        manifest = canonical_json(
            {
                "ccscan_bundle": BUNDLE_FORMAT,
                "scan_id": result.scan_id,
                "tool": result.tool,
                "time": result.finished_at,
                "members": [
                    {"path": s.name, "size": s.size, "sha256": s.sha256}
                    for s in sorted(subjects, key=lambda s: s.name)
                ],
            }
        )
        members.append(Member(MANIFEST, data=manifest))
        if self.sign_key is not None:
            subjects.append(Subject(MANIFEST, *members[-1].digest()))
            statement = build_statement(subjects, _predicate(result, link))
            envelope = canonical_json(sign_envelope(statement, self.sign_key))
            members.append(Member(ENVELOPE, data=envelope))
        return members

    def _inventory_member(self, result: ScanResult) -> Member:
        """The evaluated resources as a ccscan snapshot: `ccscan scan` can re-read it."""
        header = {
            "ccscan_snapshot": 1,
            "collector": "bundle",
            "tool_version": result.tool.get("version", ""),
            "time": result.started_at,
            "source": f"bundle:{result.scan_id}",
            "resources": self._count,
            "incomplete": result.incomplete,
        }
        path = self._dir / "resources.jsonl"
        with open(path, "wb") as out, open(self._dir / "resources.body", "rb") as body:
            out.write(json.dumps(header, sort_keys=True, separators=(",", ":")).encode() + b"\n")
            shutil.copyfileobj(body, out)
        return Member(INVENTORY, file=path)


def _dumps(doc: dict[str, Any]) -> bytes:
    """One compact JSON line with sorted keys (orjson when installed: ~7x faster)."""
    try:
        import orjson
    except ImportError:
        return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                          default=str).encode("utf-8")
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)


def check_member_names(names: Iterable[str]) -> None:
    """
    Raise UsageError unless the verifier accepts every name and no two differ only by case.
    """
    seen: dict[str, str] = {}
    for name in names:
        try:
            check_name(name)
        except VerificationError as e:
            raise UsageError(
                f"--bundle: cannot store {name!r}: {e.message}; rename the file"
            ) from None
        other = seen.setdefault(name_key(name), name)
        if other != name:
            raise UsageError(
                f"--bundle: {other!r} and {name!r} differ only by case; a bundle keeps names "
                "case-insensitively unique (rename one)"
            )


def _framework_member(framework_id: str) -> str:
    return f"frameworks/{_safe_name(framework_id)}.yaml"


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".") or "framework"


def _predicate(result: ScanResult, link: dict[str, Any] | None) -> dict[str, Any]:
    predicate = {
        "scan_id": result.scan_id,
        "tool": result.tool,
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "summary": result.summary,
        "controls": [
            {"framework": c.get("framework"), "id": c.get("id"), "status": c.get("status")}
            for c in result.controls
        ],
        "incomplete": len(result.incomplete),
    }
    if link is not None:  # without --ledger the bundle stays byte-identical to earlier ones
        predicate[LEDGER_KEY] = link
    return predicate


def policy_members(files: Iterable[str | Path | None], read: bool = True) -> list[Member]:
    """
    Return a `policies/<path>` member per policy file, with paths relative to the files'
    common directory (`policies/azure/vm.yaml` for the built-in pack); `read=False` gives
    the names only.
    """
    paths = sorted({Path(f).resolve() for f in files if f})
    if not paths:
        return []
    base = Path(os.path.commonpath([p.parent for p in paths]))
    return [
        Member(f"policies/{p.relative_to(base).as_posix()}", data=p.read_bytes() if read else b"")
        for p in paths
    ]
