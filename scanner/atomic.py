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
from pathlib import Path


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
