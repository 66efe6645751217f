"""`lamina logs`: the last lines over a function's daily files, and following new ones
across a change of day."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lamina.cli.logs import follow, last_lines, log_files, logged_functions


def _write(state: Path, function: str, day: str, text: str) -> Path:
    path = state / "logs" / function / f"{day}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as file:
        file.write(text)
    return path


def test_last_lines_span_days_oldest_first(tmp_path: Path) -> None:
    _write(tmp_path, "fn", "2026/11/24", "a\nb\n")
    _write(tmp_path, "fn", "2026/11/25", "c\n")
    _write(tmp_path, "access", "2026/11/25", "not a function\n")
    files = log_files(tmp_path, "fn")
    assert last_lines(files, 2) == ["b\n", "c\n"]
    assert last_lines(files, 10) == ["a\n", "b\n", "c\n"]
    assert logged_functions(tmp_path) == ["fn"]


def test_follow_yields_new_lines_and_the_next_days_file(tmp_path: Path) -> None:
    today = _write(tmp_path, "fn", "2026/11/25", "old\n")
    steps = iter(
        [
            lambda: today.open("a").write("new\npart"),
            lambda: today.open("a").write("ial\n"),
            lambda: _write(tmp_path, "fn", "2026/11/26", "tomorrow\n"),
        ]
    )
    seen: list[str] = []

    def sleep(_: float) -> None:
        step = next(steps, None)
        if step is not None:
            step()

    for line in follow(tmp_path, "fn", stop=lambda: len(seen) >= 3, sleep=sleep):
        seen.append(line)
    assert seen == ["new\n", "partial\n", "tomorrow\n"]


def test_unknown_function_is_a_clear_error(tmp_path: Path) -> None:
    _write(tmp_path, "known", "2026/11/25", "x\n")
    result = subprocess.run(
        [sys.executable, "-m", "lamina.cli", "logs", "Nope", "--state-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "no logs for 'Nope'" in result.stderr and "known" in result.stderr


def test_logs_prints_the_last_lines(tmp_path: Path) -> None:
    _write(tmp_path, "fn", "2026/11/25", "".join(f"line {n}\n" for n in range(10)))
    result = subprocess.run(
        [sys.executable, "-m", "lamina.cli", "logs", "fn", "-n", "3", "--state-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "line 7\nline 8\nline 9\n"
