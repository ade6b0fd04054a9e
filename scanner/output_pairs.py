"""
Which `--output` belongs to which `--format`: by adjacency, as typed.

Each `-o FILE` belongs to the `--format` right before it; a `-o` with no `--format` of its
own takes its format from the file name (`.sarif`, `.json`, `.jsonl`, `.xml`, `.html`, `.csv`,
`.txt`). A file name that says another format than the one it is paired with is a usage
error with the fix: that is how an old positional pairing (`--format json --format sarif
-o a.json -o b.sarif`) is caught instead of silently writing SARIF into a.json.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scanner.errors import UsageError
from scanner.report import EXTENSIONS, FORMATS

BY_SUFFIX: tuple[tuple[str, str], ...] = (
    # longest first: `x.ocsf.jsonl` is OCSF before `.jsonl` is looked at
    (".ocsf.jsonl", "ocsf"), (".junit.xml", "junit"), (".sarif.json", "sarif"),
    (".jsonl", "ocsf"), (".json", "json"), (".sarif", "sarif"), (".xml", "junit"),
    (".html", "html"), (".htm", "html"), (".csv", "csv"), (".txt", "table"),
)


def format_of(path: Path) -> str | None:
    """The format a file name says (case-insensitive), or None when it says none."""
    name = path.name.lower()
    return next((fmt for suffix, fmt in BY_SUFFIX if name.endswith(suffix)), None)


def pair(typed: Sequence[tuple[str, Any]]) -> list[tuple[str, Path | None]]:
    """
    Turn `[("formats", "json"), ("outputs", Path("a.json")), ...]`, in the order typed, into
    (format, destination or None) pairs. Raises UsageError for an unknown format, a `-o` whose
    format cannot be told, or a pairing the file name contradicts.
    """
    entries: list[list[Any]] = []
    for kind, value in typed:
        if kind == "formats":
            if value not in FORMATS:
                raise UsageError(f"unknown format {value!r} (choose from {', '.join(FORMATS)})")
            entries.append([value, None])
            continue
        dest = Path(value)  # the parser's raw string
        if entries and entries[-1][0] is not None and entries[-1][1] is None:
            entries[-1][1] = dest
        else:
            entries.append([None, dest])
    any_format = any(fmt is not None for fmt, _ in entries)
    pairs: list[tuple[str, Path | None]] = []
    for fmt, dest in entries:
        said = format_of(dest) if dest is not None else None
        if fmt is None:
            if said is None and any_format:
                raise UsageError(f"-o {dest}: its name does not say which format to write; put "
                                 f"`--format FORMAT` right before it (each -o takes the --format before it)")
            fmt = said or "json"  # no --format at all: JSON, as before
        elif said is not None and said != fmt:
            raise UsageError(
                f"--format {fmt} -o {dest}: the file name says {said}; each -o takes the --format "
                f"right before it: write `--format {said} -o {dest}`, or name it *.{EXTENSIONS[fmt]}")
        pairs.append((fmt, dest))
    return pairs
