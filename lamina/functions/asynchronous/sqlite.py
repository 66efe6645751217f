"""The embedded InvocationQueue: one sqlite file in WAL mode under ``<state_dir>/async/``.

Every call runs on one private thread that owns the connection, so the event loop never
waits on the disk and writes are serialized. ``synchronous=FULL`` makes a ``put`` durable
before it returns: Invoke answers 202 only for an event that survives a crash.
Claims use ``BEGIN IMMEDIATE`` so two processes sharing a state directory never claim the
same event.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import msgspec

from lamina.core.sqlite import open_database
from lamina.functions.asynchronous.model import QueuedEvent
from lamina.functions.asynchronous.queue import QueueError

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    function TEXT NOT NULL,
    due_at REAL NOT NULL,
    claimed INTEGER NOT NULL DEFAULT 0,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS events_ready ON events (claimed, due_at, seq);
"""
_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(QueuedEvent).decode


class SqliteInvocationQueue:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="lamina-async-queue")
        self._db: sqlite3.Connection | None = None
        self._closed = False

    @classmethod
    def in_state_dir(cls, state_dir: Path) -> SqliteInvocationQueue:
        return cls(state_dir / "async" / "queue.sqlite3")

    async def put(self, event: QueuedEvent, *, due_at: float) -> None:
        await self._write(
            "INSERT INTO events (id, function, due_at, body) VALUES (?, ?, ?, ?)",
            (event.id, event.function, due_at, _encode(event)),
        )

    async def claim(self, now: float, *, exclude: Collection[str] = ()) -> QueuedEvent | None:
        def take(db: sqlite3.Connection) -> QueuedEvent | None:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute(
                    "SELECT seq, body FROM events WHERE claimed = 0 AND due_at <= ?"
                    f"{_not_in(exclude)} ORDER BY due_at, seq LIMIT 1",
                    (now, *exclude),
                ).fetchone()
                if row is not None:
                    db.execute("UPDATE events SET claimed = 1 WHERE seq = ?", (row[0],))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            return None if row is None else _decode(row[1])

        return await self._run(take)

    async def next_due(self, *, exclude: Collection[str] = ()) -> float | None:
        def earliest(db: sqlite3.Connection) -> float | None:
            row = db.execute(
                f"SELECT min(due_at) FROM events WHERE claimed = 0{_not_in(exclude)}",
                tuple(exclude),
            ).fetchone()
            return None if row[0] is None else float(row[0])

        return await self._run(earliest)

    async def ack(self, event_id: str) -> None:
        await self._write("DELETE FROM events WHERE id = ?", (event_id,))

    async def retry(self, event: QueuedEvent, *, due_at: float) -> None:
        await self._write(
            "UPDATE events SET claimed = 0, due_at = ?, body = ? WHERE id = ?",
            (due_at, _encode(event), event.id),
        )

    async def recover(self) -> int:
        def release(db: sqlite3.Connection) -> int:
            return db.execute("UPDATE events SET claimed = 0 WHERE claimed = 1").rowcount

        return await self._run(release)

    async def pending(self) -> int:
        def count(db: sqlite3.Connection) -> int:
            return int(db.execute("SELECT count(*) FROM events").fetchone()[0])

        return await self._run(count)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await asyncio.get_running_loop().run_in_executor(self._thread, self._disconnect)
        self._thread.shutdown(wait=True)

    # -- internals -------------------------------------------------------------------

    async def _write(self, sql: str, args: tuple[object, ...]) -> None:
        def execute(db: sqlite3.Connection) -> None:
            db.execute(sql, args)

        await self._run(execute)

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._closed:
            raise QueueError(f"The invocation queue {self.path} is closed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self._call, work)

    def _call(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """On the queue's thread: open the file on first use, translate sqlite's errors."""
        try:
            if self._db is None:
                self._db = _connect(self.path)
            return work(self._db)
        except sqlite3.Error as error:
            raise QueueError(f"Invocation queue {self.path}: {error}") from error

    def _disconnect(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _connect(path: Path) -> sqlite3.Connection:
    # Autocommit: each statement commits by itself; claims BEGIN IMMEDIATE. FULL: an event
    # acknowledged with 202 is on disk.
    return open_database(path, synchronous="FULL", schema=_SCHEMA)


def _not_in(names: Collection[str]) -> str:
    return f" AND function NOT IN ({', '.join('?' * len(names))})" if names else ""
