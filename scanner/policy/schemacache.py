"""
A record of policy documents that passed schema validation, so an unchanged file is not
validated again (pre-commit and editors lint the same files over and over).

Importing jsonschema costs more than linting every built-in pack; this cache lets `ccscan
lint` skip it when nothing changed. The key is the sha256 of the schema, ccscan's version,
the skipped sections and the document's canonical JSON, and only a document that produced
no message is recorded: a hit yields exactly what validation would have (nothing), and any
change to the document, the schema or ccscan is a miss that validates in full.

Location: `$CCSCAN_CACHE_DIR`, else `$XDG_CACHE_HOME/ccscan`, else `~/.cache/ccscan`.
`CCSCAN_CACHE_DIR=off` disables it. An unwritable cache is no cache, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.resources import schemas_dir

FILE_NAME = "schema-valid-v1.txt"
MAX_ENTRIES = 20000


def cache_file() -> Path | None:
    """The cache file, or None when caching is off or there is no home to put it in."""
    configured = os.environ.get("CCSCAN_CACHE_DIR")
    if configured is not None:
        return None if configured.strip().lower() in ("", "off", "0", "none") else Path(configured) / FILE_NAME
    base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache" if Path.home() else None)
    return Path(base) / "ccscan" / FILE_NAME if base else None


@cache
def _schema_digest(name: str) -> str:
    return hashlib.sha256((schemas_dir() / f"{name}.schema.json").read_bytes()).hexdigest()


def key(name: str, skip_under: tuple[str, ...], doc: Any) -> str:
    """The cache key of validating `doc` against schema `name`."""
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=lambda o: f"{type(o).__name__}:{o!r}")
    h = hashlib.sha256()
    for part in (_schema_digest(name), __version__, ",".join(skip_under), text):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


class SchemaCache:
    """Known-valid keys, read once; new ones are appended on `save`."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.known: set[str] = set()
        self.new: list[str] = []
        if path is not None:
            try:
                self.known = {line for line in path.read_text("ascii").split() if len(line) == 64}
            except (OSError, UnicodeDecodeError):
                self.known = set()

    def hit(self, k: str) -> bool:
        return k in self.known

    def add(self, k: str) -> None:
        if k not in self.known:
            self.known.add(k)
            self.new.append(k)

    def save(self) -> None:
        if self.path is None or not self.new:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if len(self.known) > MAX_ENTRIES:  # start over rather than grow without bound
                self.path.write_text("\n".join(self.new) + "\n", "ascii")
            else:
                with self.path.open("a", encoding="ascii") as f:
                    f.write("\n".join(self.new) + "\n")
        except OSError:
            pass  # a cache we cannot write is only slower
        self.new = []
