"""Per-invocation capture of everything a worker writes to fds 1 and 2.

Both descriptors are pointed (dup2) at one memfd, so Python's print, the logging module,
os.write(1, ...) and writes from C extensions all land in it, in order. After each
invocation the supervisor receives the bytes and the file is emptied.
"""

from __future__ import annotations

import contextlib
import os
import sys


class OutputCapture:
    __slots__ = ("_fd",)

    def __init__(self) -> None:
        self._fd = os.memfd_create("lamina-output", os.MFD_CLOEXEC)
        os.dup2(self._fd, 1)
        os.dup2(self._fd, 2)
        # Lambda's Python runtime writes through unbuffered streams, so a print() and an
        # os.write(1, ...) appear in the order they ran.
        for stream in (sys.stdout, sys.stderr):
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None:
                reconfigure(line_buffering=True, write_through=True)

    def drain(self) -> bytes:
        """Everything written since the last drain; the file is emptied."""
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # user code closed the stream
                stream.flush()
        size = os.lseek(self._fd, 0, os.SEEK_CUR)
        if size == 0:
            return b""
        data = os.pread(self._fd, size, 0)
        os.ftruncate(self._fd, 0)
        os.lseek(self._fd, 0, os.SEEK_SET)
        return data
