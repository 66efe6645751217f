"""Where invocation logs go: the caller's sink and files under the state directory.

Files: ``<state_dir>/logs/<function name>/<YYYY>/<MM>/<DD>.log`` (UTC days), appended to.
Writes are buffered and flushed shortly after, so a burst of invocations costs one write.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

LogSink = Callable[[str, str], None]

FLUSH_DELAY_S = 0.2


class LogWriter:
    def __init__(self, root: Path, sink: LogSink | None) -> None:
        self._root = root
        self._sink = sink
        self._pending: dict[str, list[str]] = {}
        self._flush_handle: asyncio.TimerHandle | None = None

    def write(self, function_name: str, text: str) -> None:
        if self._sink is not None:
            self._sink(function_name, text)
        pending = self._pending.get(function_name)
        if pending is None:
            self._pending[function_name] = [text]
        else:
            pending.append(text)
        if self._flush_handle is None:
            loop = asyncio.get_running_loop()
            self._flush_handle = loop.call_later(FLUSH_DELAY_S, self.flush)

    def path_for(self, function_name: str, now: float | None = None) -> Path:
        day = time.strftime("%Y/%m/%d", time.gmtime(now if now is not None else time.time()))
        return self._root / function_name / f"{day}.log"

    def flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        pending, self._pending = self._pending, {}
        now = time.time()
        for function_name, texts in pending.items():
            path = self.path_for(function_name, now)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as file:
                file.write("".join(texts))
