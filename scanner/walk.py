"""
Find the files a command was pointed at: files as given, directories recursively.

Nothing under a given path is skipped silently: a directory that cannot be listed, a
dangling symlink, a symlink loop or a FIFO/socket/device named like an input is an error,
because a smaller scan (or a lint of fewer policies) must never look like a clean one.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from scanner.errors import CcscanError


def find_files(
    paths: Sequence[Path], suffixes: tuple[str, ...], kind: str, error: type[CcscanError]
) -> list[Path]:
    """
    Return the files under `paths` whose suffix (in any case) is in `suffixes`, each once, in
    a stable order.

    Raises `error` for a path that does not exist, cannot be read or walked, or a directory
    holding none of them: an empty scan or lint must never look like a clean one. Symlinks
    that resolve are followed; a file reached twice (through a link) is returned once.
    """
    found: dict[tuple[int, int], Path] = {}
    for path in paths:
        st = _stat(path, error)
        if stat.S_ISDIR(st.st_mode):
            files = _walk(path, suffixes, error)
            if not files:
                patterns = ", ".join(f"*{s}" for s in suffixes)
                raise error(f"no {kind} files ({patterns}) in this directory", path)
            for key, file in files:
                found.setdefault(key, file)
        elif stat.S_ISREG(st.st_mode):
            found.setdefault((st.st_dev, st.st_ino), path)
        else:
            raise error(f"not a regular file or directory ({_kind_of(st.st_mode)})", path)
    return list(found.values())


def regular_file(path: Path, error: type[CcscanError]) -> os.stat_result:
    """
    Return the stat of `path` (symlinks followed); raise `error` unless it is a regular file:
    a FIFO or a device such as /dev/zero would never end, and a directory is no file.
    """
    st = _stat(path, error)
    if not stat.S_ISREG(st.st_mode):
        raise error(f"not a regular file ({_kind_of(st.st_mode)})", path)
    return st


def _stat(path: Path, error: type[CcscanError]) -> os.stat_result:
    try:
        return path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise error("dangling symlink (its target does not exist)", path) from None
        raise error("no such file or directory", path) from None
    except OSError as e:
        # ELOOP (symlink loop), ENOTDIR (a path component is a file), EACCES, ...
        raise error(f"cannot read: {e.strerror or e}", path) from None


def _walk(
    root: Path, suffixes: tuple[str, ...], error: type[CcscanError]
) -> list[tuple[tuple[int, int], Path]]:
    # Iterative, so a deep tree cannot hit the recursion limit; each directory remembers its
    # ancestors' (device, inode) so a link back up is reported instead of walked forever.
    root_st = root.stat()
    stack: list[tuple[Path, frozenset[tuple[int, int]]]] = [
        (root, frozenset({(root_st.st_dev, root_st.st_ino)}))
    ]
    out: list[tuple[tuple[int, int], Path]] = []
    while stack:
        directory, ancestors = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            raise error(f"cannot list directory: {e.strerror or e}", directory) from None
        subdirs = []
        for entry in entries:
            path = Path(entry.path)
            wanted = path.suffix.lower() in suffixes  # `estate.JSON` is an inventory too
            try:
                st = entry.stat()  # follows symlinks
            except OSError as e:
                if entry.is_symlink() and isinstance(e, FileNotFoundError):
                    raise error("dangling symlink (its target does not exist)", path) from None
                raise error(f"cannot read: {e.strerror or e}", path) from None
            key = (st.st_dev, st.st_ino)
            if stat.S_ISDIR(st.st_mode):
                if key in ancestors:
                    raise error("symlink loop (links back to a directory above it)", path)
                subdirs.append((path, ancestors | {key}))
            elif wanted and stat.S_ISREG(st.st_mode):
                out.append((key, path))
            elif wanted:
                raise error(f"not a regular file ({_kind_of(st.st_mode)})", path)
        stack.extend(reversed(subdirs))
    out.sort(key=lambda kp: kp[1].relative_to(root).parts)
    return out


def _kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "not a regular file"
