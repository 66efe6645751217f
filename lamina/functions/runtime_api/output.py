"""The file a Runtime API process writes its stdout and stderr to.

A memfd the supervisor holds too, so what a killed or crashed process printed is still
read and logged. The process and the supervisor share one file offset (the same open
file), so emptying the file after each invocation also rewinds the writer.
"""

from __future__ import annotations

import os

from lamina.functions.bootstrap import capture


class OutputFile:
    __slots__ = ("fd",)

    def __init__(self, name: str) -> None:
        self.fd = os.memfd_create(f"lamina-{name}", os.MFD_CLOEXEC)
        """-1 once closed."""

    def drain(self) -> str:
        """What the process printed since the last drain; the file is emptied."""
        if self.fd < 0:
            return ""
        data = capture.read_output(self.fd)
        if data:
            os.ftruncate(self.fd, 0)
            os.lseek(self.fd, 0, os.SEEK_SET)
        return data.decode(errors="replace")

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
