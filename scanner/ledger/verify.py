"""
`ledger verify`: every bundle fully verified (`scanner.evidence.verify`), then the chain.

A bundle removed, inserted, renamed, re-ordered, modified or re-signed with another key is
named: each problem says which file or sequence and what is wrong. A bundle without a chain
link (made without `--ledger`, or by a ccscan before ledgers) is listed as unchained and the
ledger does not verify: it is never taken for a chained one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from scanner.errors import CcscanError, InputError
from scanner.evidence.keys import key_id
from scanner.evidence.safetar import Limits
from scanner.evidence.statement import Link, parse_link
from scanner.evidence.verify import Verified, verify_bundle
from scanner.ledger.layout import BUNDLES, INDEX, file_sha256, sequence_of

_INDEX_CAP = 64 << 20


@dataclass(frozen=True, slots=True)
class Entry:
    """
    One bundle that verified and carries a chain link.
    """

    sequence: int
    file: str
    """Path relative to the ledger directory (`bundles/000001.tar.gz`)."""
    sha256: str
    link: Link
    predicate: dict[str, Any]
    appended_at: str | None
    """From `ledger.jsonl` (unsigned, the appender's clock); None when not recorded."""
    facts: Any = None
    """What the caller's `extract` took from the verified bundle (the period report's data)."""


@dataclass(frozen=True, slots=True)
class Problem:
    where: str
    """The file or sequence concerned."""
    message: str


@dataclass(slots=True)
class LedgerCheck:
    """
    The outcome of `verify_ledger`: the chained entries in order, and every problem found.
    """

    directory: str
    key_id: str
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    unchained: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.entries)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verified": self.ok,
            "ledger": self.directory,
            "key_id": self.key_id,
            "bundles": [
                {"sequence": e.sequence, "file": e.file, "sha256": e.sha256,
                 "scan_id": e.predicate.get("scan_id"), "started_at": e.predicate.get("started_at"),
                 "appended_at": e.appended_at, "cadence": e.link.cadence}
                for e in self.entries
            ],
            "unchained": self.unchained,
            "problems": [{"where": p.where, "message": p.message} for p in self.problems],
            "warnings": [{"where": p.where, "message": p.message} for p in self.warnings],
        }

    def render(self) -> str:
        """The human report: OK with the range, or FAILED with every problem."""
        lines = []
        if self.ok:
            first, last = self.entries[0], self.entries[-1]
            lines.append(
                f"OK: ledger {self.directory}: {len(self.entries)} bundles, sequences "
                f"{first.sequence}-{last.sequence}, chain intact, all signed by key {self.key_id}"
            )
            lines.append(f"  scans from {first.predicate.get('started_at')} "
                         f"to {last.predicate.get('started_at')} (signer's clock)")
        else:
            lines.append(f"FAILED: ledger {self.directory}: {len(self.problems)} problem(s)")
            lines += [f"  {p.where}: {p.message}" for p in self.problems]
        lines += [f"  warning: {p.where}: {p.message}" for p in self.warnings]
        return "\n".join(lines)


def verify_ledger(
    directory: str | Path,
    public_key: Ed25519PublicKey,
    limits: Limits | None = None,
    contents: tuple[str, ...] = (),
    extract: Callable[[Verified], Any] | None = None,
) -> LedgerCheck:
    """
    Verify every bundle of the ledger at `directory` and the chain between them.

    `extract(verified)` runs on each verified bundle (with the members named in `contents`)
    and its result is kept as `Entry.facts`. Raises InputError when `directory` is not a
    ledger at all; everything else is a Problem in the result.
    """
    root = Path(directory)
    bundles = root / BUNDLES
    if not bundles.is_dir():
        raise InputError(f"not a ledger (no {BUNDLES}/ directory)", root)
    check = LedgerCheck(str(root), key_id(public_key))
    index = _read_index(root / INDEX, check)
    by_seq: dict[int, list[Entry]] = {}
    failed: set[int] = set()
    for path in sorted(bundles.iterdir()):
        name = f"{BUNDLES}/{path.name}"
        claimed = sequence_of(path.name)
        if claimed is None:
            shown = path.name if path.name.isprintable() else ascii(path.name)  # never raw escapes
            check.problems.append(Problem(f"{BUNDLES}/{shown}", "unexpected file in the ledger"))
            continue
        if path.is_symlink():  # evidence lives in the ledger, not wherever a link points
            check.problems.append(Problem(name, "is a symbolic link"))
            failed.add(claimed)
            continue
        entry = _entry(path, name, claimed, public_key, limits, contents, extract, index, check)
        if entry is None:
            failed.add(claimed)
        else:
            by_seq.setdefault(entry.sequence, []).append(entry)
    _check_chain(by_seq, failed, index, check)
    if not check.entries and not check.problems:
        check.problems.append(Problem(BUNDLES, "the ledger holds no bundle"))
    return check


def _entry(path: Path, name: str, claimed: int, key: Ed25519PublicKey, limits: Limits | None,
           contents: tuple[str, ...], extract: Callable[[Verified], Any] | None,
           index: dict[int, dict[str, Any]], check: LedgerCheck) -> Entry | None:
    try:
        verified = verify_bundle(path, key, limits, contents)
        link = parse_link(verified.predicate)
        facts = extract(verified) if extract is not None else None
    except CcscanError as e:
        check.problems.append(Problem(name, f"does not verify: {e.message}"))
        return None
    if link is None:
        check.unchained.append(name)
        check.problems.append(Problem(name, "unchained: its signed statement has no ledger link "
                                            "(made without --ledger or by an earlier ccscan)"))
        return None
    if link.sequence != claimed:
        check.problems.append(Problem(
            name, f"holds signed sequence {link.sequence}, not {claimed} (renamed or re-ordered)"))
    sha = file_sha256(path)
    line = index.get(link.sequence)
    if line is None:
        check.warnings.append(Problem(name, f"no {INDEX} line: its append time is not recorded"))
    elif line.get("sha256") != sha:
        check.problems.append(Problem(
            name, f"is not the bundle appended as sequence {link.sequence} "
                  f"({INDEX} recorded sha256 {str(line.get('sha256'))[:16]}…, file has {sha[:16]}…)"))
    appended = line.get("appended_at") if line else None
    return Entry(link.sequence, name, sha, link, verified.predicate,
                 appended if isinstance(appended, str) else None, facts)


def _check_chain(by_seq: dict[int, list[Entry]], failed: set[int],
                 index: dict[int, dict[str, Any]], check: LedgerCheck) -> None:
    for seq, entries in sorted(by_seq.items()):
        if len(entries) > 1:
            files = ", ".join(e.file for e in entries)
            check.problems.append(Problem(f"sequence {seq}",
                                          f"{len(entries)} bundles claim it (inserted): {files}"))
    chain = {seq: entries[0] for seq, entries in by_seq.items()}
    top = max([*chain, *failed, *index, 0])
    for seq in range(1, top + 1):
        if seq not in chain and seq not in failed:
            where = f" (listed in {INDEX})" if seq in index else ""
            check.problems.append(Problem(f"sequence {seq}", f"bundle is missing (removed){where}"))
    for seq, entry in sorted(chain.items()):
        prev = chain.get(seq - 1)
        if prev is None:
            continue
        if entry.link.previous_sha256 != prev.sha256:
            check.problems.append(Problem(
                prev.file, f"is not the bundle that sequence {seq} was chained to (modified, "
                           f"replaced or inserted): {entry.file} links to sha256 "
                           f"{str(entry.link.previous_sha256)[:16]}…, this file has {prev.sha256[:16]}…"))
        t_prev, t = str(prev.predicate.get("started_at")), str(entry.predicate.get("started_at"))
        if t < t_prev:
            check.problems.append(Problem(
                entry.file, f"re-ordered: its scan started {t}, before sequence {seq - 1}'s ({t_prev})"))
    check.entries = [chain[s] for s in sorted(chain)]


def _read_index(path: Path, check: LedgerCheck) -> dict[int, dict[str, Any]]:
    lines: dict[int, dict[str, Any]] = {}
    if not path.exists():
        check.warnings.append(Problem(INDEX, "missing: append times are not recorded"))
        return lines
    try:
        if path.stat().st_size > _INDEX_CAP:
            raise InputError(f"larger than {_INDEX_CAP} bytes", path)
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read {INDEX}: {e}", path) from e
    for no, raw in enumerate(text.splitlines(), 1):
        try:
            line = json.loads(raw)
            seq = line["sequence"]
            if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
                raise TypeError
        except (ValueError, KeyError, TypeError, RecursionError):
            check.problems.append(Problem(f"{INDEX}:{no}", "malformed line"))
            continue
        if seq in lines:
            check.problems.append(Problem(f"{INDEX}:{no}", f"sequence {seq} appended twice"))
        lines[seq] = line
    return lines
