"""
Copy one open file into another in the kernel (no pass through Python objects).

The JSON reporter's findings, spooled while the header is still unknown, and outputs
written in place (devices, stdout's buffer file) are copied this way: at 1M resources the
text-mode copy through Python cost ~8 s of CPU (issue 15).
"""

from __future__ import annotations

import errno
import os

_CHUNK = 1 << 30
_UNSUPPORTED = frozenset(getattr(errno, n) for n in (
    "EXDEV", "EINVAL", "ENOSYS", "EOPNOTSUPP", "ENOTSUP", "EBADF", "ESPIPE") if hasattr(errno, n))
"""The pair of files does not support the call (another file system, a device, old kernel)."""


def copy_fd(src: int, dst: int, size: int) -> None:
    """
    Write the first `size` bytes of regular file `src` at `dst`'s current offset (advancing
    it): copy_file_range, else sendfile, else pread/write. Raises OSError as writes do.
    """
    offset = 0
    try:
        while offset < size and hasattr(os, "copy_file_range"):
            n = os.copy_file_range(src, dst, min(_CHUNK, size - offset), offset)
            if n == 0:
                return
            offset += n
    except OSError as e:  # each failed call copied nothing: the next way goes on from here
        if e.errno not in _UNSUPPORTED:
            raise
    try:
        while offset < size and hasattr(os, "sendfile"):
            n = os.sendfile(dst, src, offset, min(_CHUNK, size - offset))
            if n == 0:
                return
            offset += n
    except OSError as e:
        if e.errno not in _UNSUPPORTED:
            raise
    while offset < size:
        block = os.pread(src, min(1 << 20, size - offset), offset)
        if not block:
            return
        view = memoryview(block)
        while view:
            view = view[os.write(dst, view):]
        offset += len(block)
