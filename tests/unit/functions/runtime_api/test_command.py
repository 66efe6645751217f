"""Which process runs a Runtime API function, and what GET /next hands it for a call."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
from pathlib import Path

import pytest

from lamina.functions.model import FunctionConfig
from lamina.functions.pool.handle import Call
from lamina.functions.runtime_api import command
from lamina.functions.runtime_api.invocation import invocation_for


@pytest.mark.parametrize(
    ("runtime", "environment", "expected"),
    [
        ("nodejs20.x", {}, True),
        ("nodejs22.x", {}, True),
        ("provided.al2023", {}, True),
        ("provided", {}, True),
        ("python3.12", {}, False),
        ("python3.12", {"LAMINA_PYTHON_RUNTIME": "ric"}, True),
        ("python3.12", {"LAMINA_PYTHON_RUNTIME": "zygote"}, False),
    ],
)
def test_uses_runtime_api_by_runtime_and_opt_in(
    runtime: str, environment: dict[str, str], expected: bool
) -> None:
    config = FunctionConfig(name="f", runtime=runtime, environment=environment)
    assert command.uses_runtime_api(config) is expected


def test_runtime_command_nodejs_runs_lamina_client_on_node() -> None:
    argv = command.runtime_command(FunctionConfig(name="f", runtime="nodejs20.x"))
    assert os.path.basename(argv[0]) == "node"
    assert argv[1] == command.NODE_BOOTSTRAP
    assert os.path.isfile(argv[1])


def test_runtime_command_provided_runs_code_bootstrap(tmp_path: Path) -> None:
    (tmp_path / "bootstrap").write_text("#!/bin/sh\n")
    config = FunctionConfig(name="f", runtime="provided.al2", code_path=str(tmp_path))
    assert command.runtime_command(config) == [str(tmp_path / "bootstrap")]


def test_runtime_command_provided_without_bootstrap_raises_invalid_entrypoint(
    tmp_path: Path,
) -> None:
    config = FunctionConfig(name="f", runtime="provided.al2", code_path=str(tmp_path))
    with pytest.raises(command.InvalidEntrypointError) as raised:
        command.runtime_command(config)
    assert str(raised.value) == (
        f"Couldn't find valid bootstrap(s): [{tmp_path}/bootstrap /opt/bootstrap]"
    )


def test_runtime_command_python_ric_runs_awslambdaric_module() -> None:
    config = FunctionConfig(name="f", runtime="python3.12", handler="app.handler")
    assert command.runtime_command(config, python="/usr/bin/python3") == [
        "/usr/bin/python3",
        "-m",
        "awslambdaric",
        "app.handler",
    ]


def test_invalid_entrypoint_error_names_request_and_type() -> None:
    body = json.loads(command.invalid_entrypoint_error("r-1", "no bootstrap"))
    assert body == {
        "errorMessage": "RequestId: r-1 Error: no bootstrap",
        "errorType": "Runtime.InvalidEntrypoint",
    }


async def test_invocation_for_decodes_client_context_and_shapes_trace_id() -> None:
    context = json.dumps({"custom": {"k": "v"}})
    call = Call(
        "r-1",
        asyncio.get_running_loop().create_future(),
        deadline_ms=123,
        arn="arn:f:live",
        client_context=base64.b64encode(context.encode()).decode(),
    )
    invocation = invocation_for(
        request_id=call.request_id,
        deadline_ms=call.deadline_ms,
        arn=call.arn,
        payload=b"",
        client_context=call.client_context,
    )
    assert invocation.client_context == context
    assert invocation.payload == b"{}"
    assert (invocation.deadline_ms, invocation.arn) == (123, "arn:f:live")
    root, parent, sampled = invocation.trace_id.split(";")
    assert root.startswith("Root=1-") and len(root) == len("Root=1-") + 8 + 1 + 24
    assert parent.startswith("Parent=") and len(parent) == len("Parent=") + 16
    assert sampled == "Sampled=0"


def test_runtime_command_python_defaults_to_this_interpreter() -> None:
    config = FunctionConfig(name="f", runtime="python3.12")
    assert command.runtime_command(config)[0] == sys.executable
