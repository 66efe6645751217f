"""What the supervisor learns from a launcher after it exited, and what it cleans up."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from lamina.functions.runtime_api.launcher import Launched


def launched(pid: int, status: bytes | None, spec: dict[str, Any]) -> Launched:
    """A Launched whose process has ended, having written ``status`` to its pipe."""
    read, write = os.pipe()
    if status:
        os.write(write, status)
    os.close(write)
    process = cast("subprocess.Popen[bytes]", SimpleNamespace(pid=pid))
    return Launched(process, read, spec)


def spec(tmp_path: Path) -> dict[str, Any]:
    return {
        "argv": ["/code/bootstrap"],
        "parent_pid": 100,
        "sandbox": {"mode": "fallback", "scratch_root": str(tmp_path)},
    }


def test_launched_exec_failure_is_worded_as_lambda_init(tmp_path: Path) -> None:
    report = json.dumps({"errno": 13, "strerror": "Permission denied"}).encode()
    process = launched(200, report, spec(tmp_path))
    assert process.exec_failure() == "fork/exec /code/bootstrap: permission denied"
    process.clean_up()


def test_launched_without_report_has_no_exec_failure(tmp_path: Path) -> None:
    process = launched(200, None, spec(tmp_path))
    assert process.exec_failure() is None
    process.clean_up()
    assert process.exec_failure() is None  # the pipe is closed: nothing more to read


def test_launched_clean_up_removes_fallback_tmp_folder(tmp_path: Path) -> None:
    folder = tmp_path / "100" / "200"
    folder.mkdir(parents=True)
    (folder / "left-by-handler").write_text("x")
    launched(200, None, spec(tmp_path)).clean_up()
    assert not (tmp_path / "100").exists()


def test_launched_clean_up_keeps_other_environments_folders(tmp_path: Path) -> None:
    (tmp_path / "100" / "200").mkdir(parents=True)
    (tmp_path / "100" / "300").mkdir()
    launched(200, None, spec(tmp_path)).clean_up()
    assert sorted(path.name for path in (tmp_path / "100").iterdir()) == ["300"]
