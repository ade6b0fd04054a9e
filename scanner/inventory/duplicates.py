"""
Catch a resource id read twice (in one file or across files and collectors).

Two documents with one id would give one finding id two verdicts, so a duplicate is an
input error by default; `--on-duplicate first` keeps the first and skips (and counts) the
rest. ARM ids compare case-insensitively, ARNs case-sensitively: the same rule as
finding ids (`scanner.findings.finding_key`).
"""

from __future__ import annotations

import hashlib
import os
import sys

from scanner.errors import InputError
from scanner.findings import finding_key, id_key
from scanner.inventory.resource import Resource

ON_DUPLICATE = ("error", "first")
"""Choices of `--on-duplicate`: `error` (the default) or keep the `first` and skip the others."""


class DuplicateIds:
    """
    Admit each resource id once; remember only an 8-byte keyed hash per id (~60 bytes a
    resource in a Python set: ~60 MB for a million).
    """

    def __init__(self, on_duplicate: str = "error") -> None:
        if on_duplicate not in ON_DUPLICATE:
            raise ValueError(f"on_duplicate must be one of {ON_DUPLICATE}, not {on_duplicate!r}")
        self.on_duplicate = on_duplicate
        self.skipped = 0
        """Duplicates skipped (with `first`) since the last `take_skipped`."""
        self._seen: set[int] = set()
        # Keyed with a per-run secret: an inventory cannot be crafted so that two different
        # ids collide and one of them is skipped. 64 bits: a chance collision among a million
        # ids is ~3e-8, and would be reported, not hidden, unless `first` was chosen.
        # Python's own str hash is such a keyed 64-bit hash (SipHash, a random key per
        # process) at a fifth of blake2b's cost per id, unless PYTHONHASHSEED fixed its key.
        self._key = os.urandom(16)
        seed = os.environ.get("PYTHONHASHSEED", "random")
        self._keyed_hash = sys.hash_info.algorithm.startswith("siphash") and seed in ("", "random")

    def admit(self, resource: Resource) -> bool:
        """
        Return True the first time an id is seen; for a later one raise InputError naming
        the resource's file and line, or (with `first`) return False.
        """
        rid = resource.id
        if self._keyed_hash:
            h = hash(id_key(rid))
        else:
            digest = hashlib.blake2b(finding_key(rid), digest_size=8, key=self._key).digest()
            h = int.from_bytes(digest, "little")
        if h not in self._seen:
            self._seen.add(h)
            return True
        if self.on_duplicate == "error":
            how = "case-insensitively, as ARM ids do" if rid.startswith("/") else "exactly"
            raise InputError(
                f"resource id {rid!r} was already read (ids compare {how}); one id "
                "cannot carry two verdicts: remove the copy, or pass --on-duplicate first",
                resource.source or None, resource.line)
        self.skipped += 1
        return False

    def take_skipped(self) -> int:
        """Return the duplicates skipped since the last call, and start counting again."""
        n, self.skipped = self.skipped, 0
        return n
