"""Function logs on the terminal: each line prefixed with the function's name.

Invocation logs arrive on the hot path; writing them line by line through click costs a
tty check and a syscall per line. They are buffered and written once per short interval.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

FLUSH_INTERVAL_S = 0.05


class ConsoleLog:
    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stdout
        self._pending: list[str] = []
        self._scheduled = False

    def __call__(self, function_name: str, text: str) -> None:
        prefix = f"[{function_name}] "
        self._pending.extend(prefix + line + "\n" for line in text.rstrip("\n").split("\n"))
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_later(FLUSH_INTERVAL_S, self.flush)

    def flush(self) -> None:
        self._scheduled = False
        if self._pending:
            pending, self._pending = self._pending, []
            self._stream.write("".join(pending))
            self._stream.flush()
