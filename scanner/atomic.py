"""
The rules for replacing a file atomically (temp file beside it, fsync, rename), shared by
every writer: outputs, snapshots, bundles.

Renaming only ever replaces a plain regular file: over `/dev/null` or `/dev/stdout` a rename
would replace the device node (as root it succeeds), over a symlink it would replace the link.
The file renamed into place gets the mode the user expects, not the temp file's 0600.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from scanner.errors import UsageError


def replaceable(dest: str | Path) -> bool:
    """
    True when `dest` is absent or a plain regular file (not a symlink): safe to rename over.

    A path whose parent is in the way also counts as absent: creating the temp file reports it.
    """
    try:
        return stat.S_ISREG(os.lstat(dest).st_mode)
    except OSError:
        return True


def umask() -> int:
    """The process umask (reading it means setting it: call from one thread at a time)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def final_mode(dest: str | Path, mask: int | None = None) -> int:
    """
    The mode for a file about to replace `dest`: `dest`'s own mode if it exists, else 0666
    less the umask, as `open()` would have created it.
    """
    try:
        return stat.S_IMODE(os.stat(dest).st_mode)
    except OSError:
        return 0o666 & ~(umask() if mask is None else mask)


@contextmanager
def replacing(dest: Path, what: str = "") -> Iterator[BinaryIO]:
    """
    Write `dest` through a temp file beside it: on success fsync it, give it `final_mode` and
    rename it into place; on any error (or Ctrl-C) remove it, leaving `dest` as it was.

    Raises UsageError (naming `what dest`) when `dest` is not replaceable or no temp file can be
    created next to it, before the caller writes anything.
    """
    label = f"{what} {dest}" if what else str(dest)
    if not replaceable(dest):  # renamed into place: never over a device, a link or a directory
        raise UsageError(f"cannot write {label}: not a regular file")
    try:
        fd, part = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    except OSError as e:
        raise UsageError(f"cannot write {label}: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(part, final_mode(dest))
        os.replace(part, dest)
    except BaseException:
        if os.path.exists(part):
            os.unlink(part)
        raise
