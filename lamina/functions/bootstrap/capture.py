"""Per-invocation capture of everything a worker writes to fds 1 and 2.

Both descriptors are pointed (dup2) at one memfd, so Python's print, the logging module,
os.write(1, ...) and writes from C extensions all land in it, in order. After each
invocation the supervisor receives the bytes and the file is emptied. The supervisor made
the memfd and keeps a descriptor of it, so when it kills a worker (timeout) or the worker
dies, what the invocation printed up to then is still read and logged, as on Lambda.
"""

from __future__ import annotations

import contextlib
import os
import sys

# What one invocation's output may carry to the supervisor. A handler that prints hundreds
# of megabytes would otherwise be copied whole into the server's memory and console; the
# head and tail are kept and the middle is replaced by a line saying how much was left out.
MAX_OUTPUT_BYTES = 1024 * 1024
HEAD_BYTES = 256 * 1024


class OutputCapture:
    __slots__ = ("_fd",)

    def __init__(self, fd: int) -> None:
        self._fd = fd
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
        data = read_output(self._fd)
        if data:
            os.ftruncate(self._fd, 0)
            os.lseek(self._fd, 0, os.SEEK_SET)
        return data


def read_output(fd: int) -> bytes:
    """What the file holds, at most MAX_OUTPUT_BYTES (head and tail around a marker)."""
    size = os.fstat(fd).st_size
    if size <= MAX_OUTPUT_BYTES:
        return os.pread(fd, size, 0) if size else b""
    tail = MAX_OUTPUT_BYTES - HEAD_BYTES
    omitted = size - MAX_OUTPUT_BYTES
    return (
        os.pread(fd, HEAD_BYTES, 0)
        + f"\n[lamina: {omitted} bytes of output omitted]\n".encode()
        + os.pread(fd, tail, size - tail)
    )
