"""Which process runs a Runtime API function, and what GET /next hands it for a call."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import sys
from pathlib import Path

import pytest

from lamina.functions.interpreter import NodeChooser
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


class FakeNode:
    """Stands in for PATH and `node --version`; counts the version questions."""

    def __init__(self, path: str | None, major: int | None) -> None:
        self.path = path
        self.major = major
        self.asked = 0

    def which(self, name: str) -> str | None:
        assert name == "node"
        return self.path

    def version(self, node: str) -> int | None:
        self.asked += 1
        return self.major


def chooser(fake: FakeNode) -> NodeChooser:
    return NodeChooser(which=fake.which, version=fake.version)


def test_node_chooser_matching_major_does_not_warn(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="lamina.functions"):
        assert chooser(FakeNode("/usr/bin/node", 20)).choose("nodejs20.x") == "/usr/bin/node"
    assert caplog.records == []


def test_node_chooser_other_major_warns_once_and_asks_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeNode("/usr/bin/node", 18)
    nodes = chooser(fake)
    with caplog.at_level(logging.WARNING, logger="lamina.functions"):
        assert nodes.choose("nodejs22.x") == "/usr/bin/node"
        nodes.choose("nodejs22.x")
    assert [record.getMessage() for record in caplog.records] == [
        "functions with runtime nodejs22.x run on Node.js 18 (/usr/bin/node), the `node` on PATH"
    ]
    assert fake.asked == 1


def test_node_chooser_unknown_version_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="lamina.functions"):
        chooser(FakeNode("/opt/node", None)).choose("nodejs20.x")
    assert "cannot tell the version of /opt/node" in caplog.records[0].getMessage()


def test_runtime_command_without_node_warns_and_is_invalid_entrypoint(
    caplog: pytest.LogCaptureFixture,
) -> None:
    nodes = chooser(FakeNode(None, None))
    config = FunctionConfig(name="f", runtime="nodejs20.x")
    with caplog.at_level(logging.WARNING, logger="lamina.functions"):
        with pytest.raises(command.InvalidEntrypointError) as raised:
            command.runtime_command(config, node=nodes)
        with pytest.raises(command.InvalidEntrypointError):
            command.runtime_command(config, node=nodes)
    assert str(raised.value) == "nodejs20.x needs Node.js: no `node` on PATH"
    assert [record.getMessage() for record in caplog.records] == [
        "functions with runtime nodejs20.x cannot start: no `node` on PATH"
    ]


def test_runtime_folders_provided_shows_nothing_more(tmp_path: Path) -> None:
    config = FunctionConfig(name="f", runtime="provided.al2023", code_path=str(tmp_path))
    assert command.runtime_folders(config, [str(tmp_path / "bootstrap")]) == ()


def test_runtime_folders_nodejs_shows_node_installation_and_lamina_client() -> None:
    config = FunctionConfig(name="f", runtime="nodejs20.x")
    folders = command.runtime_folders(config, ["/opt/node-v20/bin/node", command.NODE_BOOTSTRAP])
    assert folders == tuple(sorted({"/opt/node-v20", os.path.dirname(command.NODE_BOOTSTRAP)}))


def test_runtime_folders_python_shows_virtualenv_and_its_interpreter() -> None:
    config = FunctionConfig(name="f", runtime="python3.12")
    folders = command.runtime_folders(config, [sys.executable, "-m", "awslambdaric", "a.b"])
    assert sys.prefix in folders
    assert os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))) in folders


def test_runtime_folders_never_show_the_root() -> None:
    config = FunctionConfig(name="f", runtime="nodejs20.x")
    assert "/" not in command.runtime_folders(config, ["/bin/node", command.NODE_BOOTSTRAP])


def test_invocation_for_keeps_the_callers_trace() -> None:
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    invocation = invocation_for(
        request_id="r-1",
        deadline_ms=1,
        arn="arn",
        payload=b"{}",
        client_context=None,
        trace_id=trace,
    )
    assert invocation.trace_id == trace
    assert (b"Lambda-Runtime-Trace-Id", trace.encode()) in invocation.headers()
