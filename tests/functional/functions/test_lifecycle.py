"""No zygote or worker outlives close(), nor a server process that was SIGKILLed."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.processes import alive, descendants, wait_all_gone

from .conftest import CODE, ServiceFactory, function

_SERVER = """
import asyncio, json, sys
from pathlib import Path
from lamina.functions.model import FunctionConfig
from lamina.functions.service import FunctionService

async def main():
    config = FunctionConfig(name="sleep", handler="basic.sleep", code_path=sys.argv[1])
    service = FunctionService([config], region="us-east-1", account_id="1",
                              state_dir=Path(sys.argv[2]))
    await asyncio.gather(*(service.invoke("sleep", b'{"seconds": 0.1}') for _ in range(2)))
    print("ready", flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


async def test_close_leaves_no_zygote_or_worker_alive(make_service: ServiceFactory) -> None:
    service = make_service([function("sleep", "basic.sleep")])
    results = await asyncio.gather(
        *(service.invoke("sleep", b'{"seconds": 0.1}') for _ in range(3))
    )
    workers = {json.loads(r.payload)["pid"] for r in results}
    processes = descendants(os.getpid())
    assert workers <= processes
    assert len(processes) == 4  # the zygote and three workers
    await service.close()
    await service.close()  # idempotent
    assert not {pid for pid in processes if alive(pid)}


async def test_close_during_invocation_answers_and_leaves_nothing(
    make_service: ServiceFactory,
) -> None:
    service = make_service([function("sleep", "basic.sleep")])
    pending = asyncio.ensure_future(service.invoke("sleep", b'{"seconds": 5}'))
    # Wait (bounded) until the invocation runs in a worker: the zygote and one worker exist.
    # A fixed sleep raced the cold start on a loaded machine.
    deadline = time.monotonic() + 10
    while len(descendants(os.getpid())) < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    processes = descendants(os.getpid())
    await service.close()
    result = await asyncio.wait_for(pending, 3)
    assert json.loads(result.payload)["errorType"] == "Runtime.ExitError"
    assert not {pid for pid in processes if alive(pid)}


def test_sigkill_of_server_process_kills_zygote_and_workers(tmp_path: Path) -> None:
    server = subprocess.Popen(
        [sys.executable, "-c", _SERVER, CODE, str(tmp_path)],
        stdout=subprocess.PIPE,
        cwd=str(Path(__file__).parents[3]),
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().strip() == b"ready"
        processes = descendants(server.pid)
        assert len(processes) == 3  # the zygote and two workers
        server.send_signal(signal.SIGKILL)
        server.wait(5)
        assert wait_all_gone(processes) == set()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
