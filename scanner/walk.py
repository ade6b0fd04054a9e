"""
Find the files a command was pointed at: files as given, directories recursively.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scanner.errors import CcscanError


def find_files(
    paths: Sequence[Path], suffixes: tuple[str, ...], kind: str, error: type[CcscanError]
) -> list[Path]:
    """
    Return the files under `paths` whose suffix is in `suffixes`, each once, in a stable order.

    Raises `error` for a path that does not exist or a directory holding none of them: an
    empty scan or lint must never look like a clean one.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix in suffixes and p.is_file())
            if not files:
                patterns = ", ".join(f"*{s}" for s in suffixes)
                raise error(f"no {kind} files ({patterns}) in this directory", path)
            found.extend(files)
        elif path.is_file():
            found.append(path)
        else:
            raise error("no such file or directory", path)
    return list(dict.fromkeys(found))
