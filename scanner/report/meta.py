"""
Small lookups the standard-format reporters (OCSF, SARIF, JUnit) share.

Policy metadata comes from `ScanResult.policies` (known at `start`), so a reporter can
describe a policy without re-reading it; paths are shown relative to the working
directory, the way CI systems resolve them against the checkout.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from scanner.findings import Finding, ScanResult

FRAMEWORK_NAMES = {"soc2": "SOC 2"}
"""Display names of framework ids, as SIEMs and auditors spell them."""

_orjson: Any
try:  # the `fast` extra: 5-10x faster serialisation of one event per finding
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised without the extra
    _orjson = None


def dumps(value: Any) -> str:
    """
    Return compact JSON for one event or result (orjson when installed, else json).
    """
    if _orjson is not None:
        try:
            return _orjson.dumps(value, default=str, option=_orjson.OPT_NON_STR_KEYS).decode()
        except TypeError:  # e.g. an integer beyond 64 bits: json copes
            pass
    return json.dumps(value, separators=(",", ":"), default=str, ensure_ascii=False)


def dumps_bytes(value: Any) -> bytes:
    """`dumps` as UTF-8 bytes (orjson's own output: no decode and re-encode)."""
    if _orjson is not None:
        try:
            return _orjson.dumps(value, default=str, option=_orjson.OPT_NON_STR_KEYS)  # type: ignore[no-any-return]
        except TypeError:
            pass
    return json.dumps(value, separators=(",", ":"), default=str, ensure_ascii=False).encode()


def framework_name(framework: str) -> str:
    """
    Return the display name of a framework id (`soc2` -> `SOC 2`).
    """
    return FRAMEWORK_NAMES.get(framework.lower(), framework.upper())


def policy_index(result: ScanResult) -> dict[str, dict[str, Any]]:
    """
    Return the scan's policies by id.
    """
    return {p["id"]: p for p in result.policies if "id" in p}


@lru_cache(maxsize=4096)  # few distinct sources, one call per finding
def relative_path(source: str) -> str | None:
    """
    Return `source` as a POSIX path relative to the working directory, or None when
    it is not a local file path (a live source such as `azure:AzureCloud`).
    """
    if not source or (":" in source and not Path(source).exists()):
        return None
    path = Path(source)
    try:
        rel = Path(os.path.relpath(path.resolve(), Path.cwd()))
    except ValueError:  # another drive on Windows
        return PurePosixPath(path.as_posix()).as_posix()
    if rel.parts and rel.parts[0] == "..":
        return path.as_posix()
    return rel.as_posix()


def evidence_text(finding: Finding) -> str:
    """
    Return the observed values, one `path = value` line each, for plain-text reports.
    """
    lines = []
    for ev in finding.evidence:
        value = "<missing>" if not ev.present else json.dumps(ev.observed, default=str)
        lines.append(f"{ev.path} = {value}")
    return "\n".join(lines)


def waiver_text(finding: Finding) -> str:
    """
    Return a one-line description of the waiver that applies to `finding`, or "".
    """
    w = finding.waiver
    if not w:
        return ""
    return (
        f"waived ({w.get('original_status', 'fail')}) by {w.get('owner', '?')} "
        f"until {w.get('expires', '?')}: {w.get('reason', '')}"
    )
