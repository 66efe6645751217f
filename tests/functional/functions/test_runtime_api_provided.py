"""Custom runtimes (provided.*): the function's own bootstrap polls the Runtime API."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from lamina.functions.model import FunctionConfig

from .conftest import ServiceFactory

PROVIDED = Path(__file__).parents[2] / "fixtures" / "functions" / "provided"


def provided(name: str, code: Path, **fields: object) -> FunctionConfig:
    fields.setdefault("runtime", "provided.al2023")
    return FunctionConfig(name=name, handler="function.handler", code_path=str(code), **fields)  # type: ignore[arg-type]


async def test_provided_shell_bootstrap_echoes_events_on_one_environment(
    make_service: ServiceFactory,
) -> None:
    service = make_service([provided("echo", PROVIDED / "echo")])
    first = await service.invoke("echo", b'{"a": 1}')
    second = await service.invoke("echo", b'{"a": 2}')
    assert json.loads(first.payload) == {"echo": {"a": 1}, "handler": "function.handler"}
    assert json.loads(second.payload) == {"echo": {"a": 2}, "handler": "function.handler"}
    assert first.log.splitlines()[:3] == [
        "bootstrap starting for function.handler",
        f"START RequestId: {first.request_id} Version: $LATEST",
        f"handling {first.request_id}",
    ]
    assert "\tInit Duration: " in first.log
    assert f"handling {second.request_id}\n" in second.log
    assert "Init Duration" not in second.log
    assert service.worker_count("echo") == 1


async def test_provided_init_error_answers_what_the_runtime_posted(
    make_service: ServiceFactory,
) -> None:
    service = make_service([provided("crash", PROVIDED / "crash", runtime="provided.al2")])
    result = await service.invoke("crash", b"{}")
    assert result.function_error == "Unhandled"
    assert json.loads(result.payload) == {
        "errorMessage": "cannot load function.handler",
        "errorType": "Custom.LoadError",
    }
    assert "cannot load function.handler\n" in result.log
    assert "\tStatus: error\tError Type: Custom.LoadError" in result.log


async def test_provided_without_bootstrap_is_invalid_entrypoint(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    service = make_service([provided("empty", tmp_path)])
    result = await service.invoke("empty", b"{}")
    assert json.loads(result.payload) == {
        "errorMessage": (
            f"RequestId: {result.request_id} Error: Couldn't find valid bootstrap(s): "
            f"[{tmp_path}/bootstrap /opt/bootstrap]"
        ),
        "errorType": "Runtime.InvalidEntrypoint",
    }
    assert "\tStatus: error\tError Type: Runtime.InvalidEntrypoint" in result.log


async def test_provided_bootstrap_not_executable_is_invalid_entrypoint(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    (tmp_path / "bootstrap").write_text("#!/bin/sh\necho never\n")
    (tmp_path / "bootstrap").chmod(0o644)
    service = make_service([provided("noexec", tmp_path)])
    result = await service.invoke("noexec", b"{}")
    error = json.loads(result.payload)
    assert error["errorType"] == "Runtime.InvalidEntrypoint"
    assert error["errorMessage"].endswith(f"fork/exec {tmp_path}/bootstrap: permission denied")


async def test_provided_bootstrap_exiting_before_ready_is_exit_error(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    (tmp_path / "bootstrap").write_text("#!/bin/sh\necho giving up\nexit 7\n")
    (tmp_path / "bootstrap").chmod(0o755)
    service = make_service([provided("quits", tmp_path)])
    result = await service.invoke("quits", b"{}")
    assert json.loads(result.payload) == {
        "errorMessage": (
            f"RequestId: {result.request_id} Error: Runtime exited with error: exit status 7"
        ),
        "errorType": "Runtime.ExitError",
    }
    assert "giving up\n" in result.log


async def test_provided_timeout_kills_the_bootstrap_and_its_children(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    # The bootstrap fetches an invocation, then waits on a child that never ends. Its
    # helper is in its own code folder: an isolated environment sees no other.
    shutil.copy(PROVIDED / "echo" / "runtime_api.py", tmp_path)
    (tmp_path / "bootstrap").write_text(
        "#!/bin/sh\n"
        f'python3 {tmp_path / "runtime_api.py"} next "$(mktemp)"\n'
        "echo working\n"
        "sleep 30\n"
    )
    (tmp_path / "bootstrap").chmod(0o755)
    service = make_service([provided("stuck", tmp_path, timeout_s=0.5)])
    result = await service.invoke("stuck", b"{}")
    assert json.loads(result.payload)["errorType"] == "Sandbox.Timedout"
    assert "working\n" in result.log
    assert "\tStatus: timeout" in result.log
    # conftest's teardown asserts no process (the sleep included) outlives the service.
