"""kill -9 of a process in the middle of a Store transaction: after it, none of the
transaction's records are there and the next writer is not blocked; a process that
committed before dying leaves all of them. The same on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path

from .conftest import Backend

ROOT = Path(__file__).resolve().parents[3]
RECORDS = 500
"""4 MB: more than SQLite's page cache, so the uncommitted pages spill into the WAL file."""

WRITER = """
import sys, time
from pathlib import Path
from lamina.core.store_open import open_store

url, state_dir, mode, count = sys.argv[1] or None, Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
store = open_store(url, state_dir)
with store.transaction() as tx:
    for n in range(count):
        tx.put("lambda/functions", f"f{n:04}", b"x" * 8192)
    if mode == "hang":
        print("in transaction", flush=True)
        time.sleep(60)
print("committed", flush=True)
"""


def start_writer(backend: Backend, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            WRITER,
            backend.url or "",
            str(backend.state_dir),
            mode,
            str(RECORDS),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def read_line(process: subprocess.Popen[str], seconds: float = 10.0) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], seconds)
    assert ready, "the writer did not report in time"
    return process.stdout.readline().strip()


def test_store_kill_mid_transaction_leaves_nothing(backend: Backend) -> None:
    backend.open().close()  # created and migrated: the writer's only work is its transaction
    writer = start_writer(backend, "hang")
    try:
        assert read_line(writer) == "in transaction"
        if backend.kind == "sqlite":  # the uncommitted writes are on disk, not only in memory
            wal = backend.state_dir / "control.sqlite3-wal"
            assert wal.stat().st_size > RECORDS * 8192 // 2
        assert backend.open().scan("lambda/functions") == []  # this process sees none yet
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(5)
    store = backend.open()
    assert store.scan("lambda/functions") == []
    assert store.kinds() == []
    # The dead writer's lock is gone: a new transaction commits at once.
    committed = threading.Event()

    def write() -> None:
        with store.transaction() as tx:
            tx.put("lambda/functions", "after", b"1")
        committed.set()

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    assert committed.wait(5)
    assert [key for key, _ in store.scan("lambda/functions")] == ["after"]


def test_store_kill_after_commit_keeps_everything(backend: Backend) -> None:
    writer = start_writer(backend, "commit")
    try:
        assert read_line(writer) == "committed"
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(5)
    records = backend.open().scan("lambda/functions")
    assert [key for key, _ in records] == [f"f{n:04}" for n in range(RECORDS)]
    assert all(value == b"x" * 8192 for _, value in records)
