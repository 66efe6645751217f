"""`lamina logs FUNCTION [--tail]`: what a function printed, from the files Lamina keeps
under `<state>/logs/<function name>/YYYY/MM/DD.log` (functions/logfile.py), oldest first.

With `--tail` it keeps following: new lines as they are flushed, and the next day's file
when the date changes, until interrupted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

POLL_S = 0.2


def log_files(state_dir: Path, function_name: str) -> list[Path]:
    """The function's daily files, oldest first."""
    folder = state_dir / "logs" / function_name
    if not folder.is_dir():
        return []
    return sorted(folder.glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]/[0-9][0-9].log"))


def logged_functions(state_dir: Path) -> list[str]:
    folder = state_dir / "logs"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name != "access")


def last_lines(files: list[Path], count: int) -> list[str]:
    """The last `count` lines over `files` (read newest first, only as far as needed)."""
    lines: list[str] = []
    for path in reversed(files):
        lines[:0] = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
        if len(lines) >= count:
            break
    return lines[-count:] if count else []


def follow(
    state_dir: Path,
    function_name: str,
    *,
    stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[str]:
    """Lines appended after now, across day files, until `stop()` says so."""
    files = log_files(state_dir, function_name)
    current = files[-1] if files else None
    offset = current.stat().st_size if current is not None else 0
    while not stop():
        files = log_files(state_dir, function_name)
        newest = files[-1] if files else None
        if newest is not None and newest != current:
            if current is not None:  # the rest of yesterday's file first
                yield from _read_from(current, offset)
            current, offset = newest, 0
        if current is not None:
            for line in _read_from(current, offset):
                offset += len(line.encode("utf-8"))
                yield line
        sleep(POLL_S)


def _read_from(path: Path, offset: int) -> list[str]:
    with path.open("rb") as file:
        file.seek(offset)
        data = file.read()
    cut = data.rfind(b"\n") + 1  # a line still being written waits for its newline
    return data[:cut].decode("utf-8", errors="replace").splitlines(keepends=True)
