"""kill -9 in the middle of a Lambda API change: a process changes a function through the
provider (UpdateFunctionCode with Publish: the code, the function's $LATEST and version
counter, and a new version, written in one transaction) and is killed with SIGKILL while
that transaction is open, or just after it committed. Reopened, the store holds the
function as it was before the change or as it is after it, never a mix. On SQLite and
PostgreSQL."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from .conftest import zipped
from .test_persistence import REVISION, Backend, StoredLambda, backend, invoke

__all__ = ["backend"]  # the fixture, shared with test_persistence

ROOT = Path(__file__).resolve().parents[4]

CHANGER = '''
import asyncio, base64, contextlib, hashlib, io, sys, time, zipfile
from pathlib import Path
from lamina.aws.service import AwsRequestContext
from lamina.core.store_open import open_store
from lamina.functions.service import FunctionService
from lamina.services.lambda_ import LambdaProvider

url, state_dir, source = sys.argv[1] or None, Path(sys.argv[2]), sys.argv[4]
pause_after = int(sys.argv[3])


class PausingTransaction:
    """The real transaction; after `left` puts it says so and waits to be killed."""

    def __init__(self, tx, left):
        self.tx, self.left = tx, left

    def __getattr__(self, name):
        return getattr(self.tx, name)

    def put(self, kind, key, value):
        self.tx.put(kind, key, value)
        self.left -= 1
        if self.left == 0:
            print("in transaction", flush=True)
            time.sleep(60)


class PausingStore:
    def __init__(self, store):
        self.store, self.pause_after = store, 0

    def __getattr__(self, name):
        return getattr(self.store, name)

    @contextlib.contextmanager
    def transaction(self):
        with self.store.transaction() as tx:
            yield PausingTransaction(tx, self.pause_after) if self.pause_after else tx


def zipped(revision):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source.format(revision=revision))
    return buffer.getvalue()


def call(operation, **params):
    ctx = AwsRequestContext(service="lambda", operation=operation, region="us-east-1",
                            account_id="123456789012", request_id="r", access_key=None)
    return asyncio.run(handlers[operation](ctx, params))


store = PausingStore(open_store(url, state_dir))
functions = FunctionService([], region="us-east-1", account_id="123456789012", state_dir=state_dir)
provider = LambdaProvider(functions, region="us-east-1", account_id="123456789012",
                          state_dir=state_dir, store=store)
handlers = provider.handlers()
old = call("CreateFunction", FunctionName="fn", Runtime="python3.12", Handler="app.handler",
           Role="arn:aws:iam::123456789012:role/r", Code={"ZipFile": zipped("one")}, Publish=True)
call("CreateAlias", FunctionName="fn", Name="live", FunctionVersion="1")
print("old", old["CodeSha256"], flush=True)
new = zipped("two")
print("new", base64.b64encode(hashlib.sha256(new).digest()).decode(), flush=True)
store.pause_after = pause_after
call("UpdateFunctionCode", FunctionName="fn", ZipFile=new, Publish=True)
print("committed", flush=True)
time.sleep(60)
'''


class Lines:
    """The lines a process prints, read on a thread so each wait has a deadline."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._lines: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        stdout = process.stdout
        threading.Thread(
            target=lambda: [self._lines.put(line) for line in stdout], daemon=True
        ).start()

    def next(self, seconds: float = 30.0) -> str:
        return self._lines.get(timeout=seconds).strip()


def change_and_kill(backend: Backend, pause_after: int) -> tuple[str, str]:
    """Run the change, SIGKILL the process where it reports; (old, new) CodeSha256."""
    command = [
        sys.executable,
        "-c",
        CHANGER,
        backend.url or "",
        str(backend.state_dir),
        str(pause_after),
        REVISION,
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        lines = Lines(process)
        old = lines.next().removeprefix("old ")
        new = lines.next().removeprefix("new ")
        assert lines.next() == ("in transaction" if pause_after else "committed")
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    return old, new


def state_of(client: Any) -> tuple[str, list[str], list[str]]:
    """($LATEST's CodeSha256, the versions, what the alias points to)."""
    latest = client.get_function_configuration(FunctionName="fn")["CodeSha256"]
    versions = client.list_versions_by_function(FunctionName="fn")["Versions"]
    alias = client.get_alias(FunctionName="fn", Name="live")
    return latest, [v["Version"] for v in versions], [alias["FunctionVersion"]]


@pytest.mark.parametrize("pause_after", [1, 2, 3])
def test_kill_mid_transaction_leaves_the_function_as_it_was(
    backend: Backend, pause_after: int
) -> None:
    old, new = change_and_kill(backend, pause_after)
    server = StoredLambda(backend, backend.state_dir)
    try:
        client = server.client()
        assert state_of(client) == (old, ["$LATEST", "1"], ["1"])
        assert invoke(client, "fn") == ("$LATEST", {"revision": "one", "version": "$LATEST"})
        assert len(server.store.scan("lambda/code")) == 1  # the new zip was not kept either
        # The counter is the old one too: the next version is 2 again.
        client.update_function_code(
            FunctionName="fn", ZipFile=zipped(REVISION.format(revision="3"))
        )
        assert client.publish_version(FunctionName="fn")["Version"] == "2"
    finally:
        server.close()
    assert new != old


def test_kill_after_commit_leaves_the_function_changed(backend: Backend) -> None:
    _, new = change_and_kill(backend, 0)
    server = StoredLambda(backend, backend.state_dir)
    try:
        client = server.client()
        assert state_of(client) == (new, ["$LATEST", "1", "2"], ["1"])
        assert invoke(client, "fn") == ("$LATEST", {"revision": "two", "version": "$LATEST"})
        assert invoke(client, "fn:2") == ("2", {"revision": "two", "version": "2"})
        assert invoke(client, "fn:live") == ("1", {"revision": "one", "version": "1"})
    finally:
        server.close()
