"""Runtime API processes run in the execution environment of a forked Python worker:
isolated by the launcher (bootstrap/launch.py), held to MemorySize by the supervisor's
watchdog (runtime_api/memory.py). Real node, sh and awslambdaric processes, probed from
inside; each function's code is written to its own folder, the only one it may see.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from lamina.functions.model import FunctionConfig
from lamina.functions.pool.handle import WorkerFactory
from lamina.functions.pool.runtime import RuntimeWorker
from lamina.functions.runtime_api.command import uses_runtime_api
from lamina.functions.sandbox.policy import IsolationMode, sandbox_fields
from lamina.functions.sandbox.probe import probe
from lamina.functions.service import FunctionService
from tests.processes import wait_all_gone

from .conftest import Sandboxed, ServiceFactory, alive, sandboxes

PROVIDED = Path(__file__).parents[2] / "fixtures" / "functions" / "provided"
OTHER_CODE = Path(__file__).parents[2] / "fixtures" / "functions" / "basic.py"
_MIB = 1 << 20

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
SUPPORT = probe(sys.executable)
needs_namespace = pytest.mark.skipif(
    SUPPORT.mode is not IsolationMode.NAMESPACE, reason=f"no mount namespaces: {SUPPORT.reason}"
)

# A Node.js function that reports what its process may see and do.
PROBE_JS = """\
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

function field(text, name) {
  const line = text.split("\\n").find((each) => each.startsWith(`${name}:`));
  return line ? line.split(/\\s+/)[1] : null;
}

exports.status = async () => {
  const status = fs.readFileSync("/proc/self/status", "utf8");
  const limits = fs.readFileSync("/proc/self/limits", "utf8").split("\\n");
  const limit = (name) => limits.find((line) => line.startsWith(name)).split(/\\s{2,}/).slice(1, 3);
  return {
    capEff: field(status, "CapEff"),
    capBnd: field(status, "CapBnd"),
    noNewPrivs: field(status, "NoNewPrivs"),
    openFiles: limit("Max open files"),
    processes: limit("Max processes"),
    fileSize: limit("Max file size"),
    cwd: process.cwd(),
  };
};

exports.remember = async (event) => {
  const file = path.join(os.tmpdir(), event.name);
  const previous = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;
  fs.writeFileSync(file, event.text);
  return { previous, tmp: os.tmpdir(), pid: process.pid };
};

exports.read = async (event) => {
  try {
    return { text: fs.readFileSync(event.path, "utf8") };
  } catch (error) {
    return { error: error.code };
  }
};

exports.allocate = async (event) => {
  const blocks = [];
  for (let i = 0; i < event.mb; i += 1) blocks.push(Buffer.alloc(1 << 20, 1));
  return blocks.length;
};
"""


class SandboxedRuntimeService(FunctionService):
    """A FunctionService that hands Runtime API workers the sandbox fields of ``mode``
    (the one-line change service.py needs to pass its own IsolationPolicy's mode)."""

    def __init__(self, *args: Any, mode: IsolationMode, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._mode = mode
        self._state: Path = kwargs["state_dir"]

    def _worker_factory(self, config: FunctionConfig) -> WorkerFactory:
        if not uses_runtime_api(config):
            return super()._worker_factory(config)
        sandbox = sandbox_fields(config, self._mode, hide=(self._state,))
        environment = self._runtime_environment
        return lambda hooks: RuntimeWorker(config, hooks, environment=environment, sandbox=sandbox)


@pytest.fixture
async def sandboxed(tmp_path: Path) -> AsyncIterator[Sandboxed]:
    async with sandboxes(tmp_path, SandboxedRuntimeService) as make:
        yield make


def node_function(root: Path, name: str, handler: str, **fields: Any) -> FunctionConfig:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "probe.js").write_text(PROBE_JS)
    fields.setdefault("runtime", "nodejs20.x")
    return FunctionConfig(name=name, handler=f"probe.{handler}", code_path=str(folder), **fields)


async def call(service: FunctionService, name: str, event: dict[str, Any]) -> Any:
    result = await service.invoke(name, json.dumps(event).encode())
    assert result.function_error is None, result.payload
    return json.loads(result.payload)


@needs_node
async def test_runtime_api_node_gets_lambda_rlimits_and_no_capabilities(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    config = node_function(tmp_path, "limits", "status", ephemeral_storage_mb=1024)
    answer = await call(make_service([config]), "limits", {})
    # https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
    assert answer["openFiles"] == ["1024", "1024"]
    assert answer["processes"] == ["1024", "1024"]
    assert answer["fileSize"] == [str(1024 * _MIB), str(1024 * _MIB)]
    assert (answer["capEff"], answer["capBnd"], answer["noNewPrivs"]) == (
        "0000000000000000",
        "0000000000000000",
        "1",
    )
    assert answer["cwd"] == config.code_path


@needs_node
@needs_namespace
async def test_runtime_api_node_sees_only_its_own_code(
    sandboxed: Sandboxed, tmp_path: Path
) -> None:
    config = node_function(tmp_path, "peek", "read")
    service = sandboxed([config], IsolationMode.NAMESPACE)
    assert await call(service, "peek", {"path": str(OTHER_CODE)}) == {"error": "ENOENT"}
    own = await call(service, "peek", {"path": "/var/task/probe.js"})
    assert own == {"text": PROBE_JS}


@needs_node
@pytest.mark.parametrize(
    "mode",
    [pytest.param(IsolationMode.NAMESPACE, marks=needs_namespace), IsolationMode.FALLBACK],
)
async def test_runtime_api_node_tmp_is_private_and_goes_with_environment(
    sandboxed: Sandboxed, tmp_path: Path, mode: IsolationMode
) -> None:
    config = node_function(tmp_path, "keep", "remember")
    service = sandboxed([config], mode)
    name = f"lamina-test-{uuid.uuid4().hex}"
    first = await call(service, "keep", {"name": name, "text": "one"})
    second = await call(service, "keep", {"name": name, "text": "two"})
    assert first["previous"] is None
    assert second == {"previous": "one", "tmp": first["tmp"], "pid": first["pid"]}
    await service.close()
    if mode is IsolationMode.NAMESPACE:
        assert first["tmp"] == "/tmp"
        assert not (Path("/tmp") / name).exists()  # the environment's own tmpfs, not ours
    else:
        assert first["tmp"] != "/tmp"
        assert not Path(first["tmp"]).exists()  # removed once the process was reaped


@needs_node
async def test_runtime_api_node_over_memory_size_is_out_of_memory(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    config = node_function(tmp_path, "hog", "allocate", memory_mb=128)
    service = make_service([config])
    result = await service.invoke("hog", b'{"mb": 400}')
    assert json.loads(result.payload) == {
        "errorMessage": (
            f"RequestId: {result.request_id} Error: Runtime exited with error: signal: killed"
        ),
        "errorType": "Runtime.OutOfMemory",
    }
    assert "\tStatus: error\tError Type: Runtime.OutOfMemory" in result.log
    used = int(re.search(r"Max Memory Used: (\d+) MB", result.log).group(1))  # type: ignore[union-attr]
    assert 128 < used < 400
    # The environment is gone; the next invocation starts a fresh one and succeeds.
    assert await call(service, "hog", {"mb": 1}) == 1


@needs_node
async def test_runtime_api_node_under_memory_size_reports_observed_peak(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    config = node_function(tmp_path, "fits", "allocate", memory_mb=512)
    result = await make_service([config]).invoke("fits", b'{"mb": 150}')
    assert result.payload == b"150"
    used = int(re.search(r"Max Memory Used: (\d+) MB", result.log).group(1))  # type: ignore[union-attr]
    assert 150 < used < 512


async def test_runtime_api_memory_of_child_processes_counts(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    # The bootstrap fetches an invocation, then its child allocates 300 MB and waits.
    shutil.copy(PROVIDED / "echo" / "runtime_api.py", tmp_path)
    allocate = "x = bytearray(300 << 20); import time; time.sleep(30)"
    (tmp_path / "bootstrap").write_text(
        "#!/bin/sh\n"
        f'python3 {tmp_path / "runtime_api.py"} next "$(mktemp)"\n'
        f'python3 -c "{allocate}"\n'
    )
    (tmp_path / "bootstrap").chmod(0o755)
    config = FunctionConfig(
        name="family",
        handler="function.handler",
        code_path=str(tmp_path),
        runtime="provided.al2023",
        memory_mb=128,
        timeout_s=20.0,
    )
    result = await make_service([config]).invoke("family", b"{}")
    assert json.loads(result.payload)["errorType"] == "Runtime.OutOfMemory"
    # conftest's teardown asserts the child did not outlive the environment.


# A server that starts one environment, prints the runtime's pid, then waits to be killed.
SERVER = """\
import asyncio, sys
from pathlib import Path
from lamina.functions.model import FunctionConfig
from lamina.functions.service import FunctionService

async def main():
    config = FunctionConfig(name="f", handler="x.y", code_path=sys.argv[1], runtime="provided")
    service = FunctionService(
        [config], region="eu-west-1", account_id="123456789012", state_dir=Path(sys.argv[2])
    )
    print((await service.invoke("f", b"{}")).payload.decode(), flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


def test_runtime_api_process_dies_with_a_killed_server(tmp_path: Path) -> None:
    shutil.copy(PROVIDED / "echo" / "runtime_api.py", tmp_path)
    (tmp_path / "bootstrap").write_text(
        "#!/bin/sh\n"
        "while true; do\n"
        f'  id=$(python3 {tmp_path / "runtime_api.py"} next "$(mktemp)")\n'
        f'  printf %s "$$" | python3 {tmp_path / "runtime_api.py"} post "invocation/$id/response"\n'
        "done\n"
    )
    (tmp_path / "bootstrap").chmod(0o755)
    argv = [sys.executable, "-c", SERVER, str(tmp_path), str(tmp_path / "state")]
    # Nothing removes a killed server's fallback-mode /tmp folders: keep them in tmp_path.
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env) as server:
        assert server.stdout is not None
        runtime_pid = int(server.stdout.readline())
        assert alive(runtime_pid)
        server.kill()  # SIGKILL: no cleanup runs; only the parent-death signal is left
    # The runtime has its own session, so nothing but PR_SET_PDEATHSIG can end it.
    assert wait_all_gone({runtime_pid}) == set()
