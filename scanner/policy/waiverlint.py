"""
`ccscan lint --waivers FILE`: what `scan --waivers` would refuse, checked against the catalog.

A waiver that names a policy id that does not exist waives nothing today and silently waives
whatever later takes that id; a key typo (`expire:`) would make the file unreadable at scan
time; a glob that matches every policy and every resource turns the scan off.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from fnmatch import fnmatchcase
from pathlib import Path

from scanner.errors import InputError
from scanner.policy.catalog import Catalog
from scanner.policy.display import show
from scanner.policy.model import LintMessage
from scanner.policy.yamlload import LocDict, load_documents
from scanner.waivers import Waiver, check_waivers

WAIVER_KEYS = ("policy", "resource", "reason", "owner", "expires", "ticket")
_GLOB = re.compile(r"[*?\[]")


def lint_waiver_files(paths: Iterable[str | Path], catalog: Catalog, allow_broad: bool = False,
                      today: date | None = None) -> list[LintMessage]:
    """
    Return lint messages for waivers files: errors for unknown keys (with a did-you-mean),
    unknown policy ids, over-broad globs and what `--waivers` refuses; warnings for expiry.
    """
    today = today or datetime.now(UTC).date()
    ids = sorted(p.id for p in catalog.policies)
    out: list[LintMessage] = []
    for raw in paths:
        path = str(raw)
        try:
            waivers, errors = check_waivers(raw, allow_broad)
        except InputError as e:
            waivers, errors = [], [e]
        typos = _key_typos(Path(raw))
        if typos:
            errors = [e for e in errors if not e.message.split(": ", 1)[-1].startswith("unknown key")]
            out.extend(LintMessage(path, line, col, "error", "waivers", msg) for line, col, msg in typos)
        out.extend(LintMessage(str(e.path or path), e.line, e.col, "error", "waivers", e.message)
                   for e in errors)
        for w in waivers:
            out.extend(_policy_messages(path, w, ids, allow_broad))
            if w.expired(today):
                out.append(LintMessage(path, w.line, None, "warning", "waiver-expired",
                                       f"waiver for {w.policy} {w.resource} (owner {w.owner}) "
                                       f"expired on {w.expires.isoformat()}"))
    return out


def _key_typos(path: Path) -> list[tuple[int | None, int | None, str]]:
    try:
        docs = load_documents(path, error=InputError)
    except InputError:
        return []  # check_waivers reports it
    if len(docs) != 1 or not isinstance(docs[0], dict) or not isinstance(docs[0].get("waivers"), list):
        return []
    out: list[tuple[int | None, int | None, str]] = []
    for i, w in enumerate(docs[0]["waivers"]):
        if not isinstance(w, LocDict):
            continue
        for key in w:
            if key not in WAIVER_KEYS:
                hint = difflib.get_close_matches(str(key), WAIVER_KEYS, n=1)
                tip = f" (did you mean {show(hint[0])}?)" if hint else ""
                line, col = w.key_pos.get(key, w.pos)
                out.append((line, col, f"waivers/{i}: unknown key {show(key)}{tip}"))
    return out


def _policy_messages(path: str, w: Waiver, ids: list[str], allow_broad: bool) -> list[LintMessage]:
    if not ids:
        return []
    matched = [i for i in ids if fnmatchcase(i, w.policy)]
    if not matched:
        hint = difflib.get_close_matches(w.policy.upper(), [i.upper() for i in ids], n=1)
        tip = ""
        if hint:
            tip = f" (did you mean {show(next(i for i in ids if i.upper() == hint[0]))}?)"
        what = "matches no policy" if _GLOB.search(w.policy) else "names a policy that does not exist"
        return [LintMessage(path, w.line, None, "error", "waiver-unknown-policy",
                            f"waiver {what}: {show(w.policy)}{tip}")]
    every_resource = bool(w.resource) and set(w.resource) == {"*"}
    if (len(ids) > 1 and len(matched) == len(ids) and _GLOB.search(w.policy) and every_resource
            and not allow_broad):
        return [LintMessage(path, w.line, None, "error", "waiver-broad",
                            f"waiver {show(w.policy)} on {show(w.resource)} matches every policy "
                            "and every resource; narrow it or pass --allow-broad-waivers")]
    return []


__all__ = ["lint_waiver_files"]
