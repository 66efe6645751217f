"""SqliteInvocationQueue: durable put, due-ordered claims, ack, retry, restart recovery."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from lamina.functions.asynchronous.model import QueuedEvent, Response
from lamina.functions.asynchronous.queue import QueueError
from lamina.functions.asynchronous.sqlite import SqliteInvocationQueue


def event(event_id: str, function: str = "fn", **fields: object) -> QueuedEvent:
    return QueuedEvent(
        id=event_id,
        function=function,
        qualifier=None,
        payload=b'{"n": "' + event_id.encode() + b'"}',
        enqueued_at=100.0,
        **fields,  # type: ignore[arg-type]
    )


@pytest.fixture
async def queue(tmp_path: Path) -> AsyncIterator[SqliteInvocationQueue]:
    opened = SqliteInvocationQueue.in_state_dir(tmp_path)
    yield opened
    await opened.close()


async def test_queue_claim_due_events_in_due_then_arrival_order(
    queue: SqliteInvocationQueue,
) -> None:
    await queue.put(event("late"), due_at=30.0)
    await queue.put(event("first"), due_at=10.0)
    await queue.put(event("second"), due_at=10.0)
    claimed = [await queue.claim(50.0) for _ in range(4)]
    assert [e.id if e else None for e in claimed] == ["first", "second", "late", None]


async def test_queue_claim_before_due_time_returns_none(queue: SqliteInvocationQueue) -> None:
    await queue.put(event("a"), due_at=10.0)
    assert await queue.claim(9.0) is None
    assert await queue.next_due() == 10.0
    claimed = await queue.claim(10.0)
    assert claimed is not None and claimed.id == "a"


async def test_queue_claimed_event_is_not_claimed_twice(queue: SqliteInvocationQueue) -> None:
    await queue.put(event("a"), due_at=1.0)
    assert await queue.claim(2.0) is not None
    assert await queue.claim(2.0) is None
    assert await queue.next_due() is None
    assert await queue.pending() == 1


async def test_queue_claim_skips_excluded_functions(queue: SqliteInvocationQueue) -> None:
    await queue.put(event("busy", "hot"), due_at=1.0)
    await queue.put(event("free", "cold"), due_at=2.0)
    assert await queue.next_due(exclude=["hot"]) == 2.0
    claimed = await queue.claim(5.0, exclude=["hot"])
    assert claimed is not None and claimed.id == "free"
    assert await queue.claim(5.0, exclude=["hot"]) is None


async def test_queue_ack_forgets_the_event(queue: SqliteInvocationQueue) -> None:
    await queue.put(event("a"), due_at=1.0)
    await queue.claim(2.0)
    await queue.ack("a")
    assert await queue.pending() == 0
    assert await queue.recover() == 0


async def test_queue_retry_stores_new_state_and_due_time(queue: SqliteInvocationQueue) -> None:
    await queue.put(event("a"), due_at=1.0)
    await queue.put(event("b"), due_at=5.0)
    claimed = await queue.claim(2.0)
    assert claimed is not None
    answer = Response(payload=b'{"errorMessage": "x"}', function_error="Unhandled")
    updated = event("a", invoke_count=1, function_errors=1, last_response=answer)
    await queue.retry(updated, due_at=60.0)
    assert (await queue.claim(10.0)) == event("b")
    assert await queue.claim(59.0) is None
    assert await queue.claim(60.0) == updated


async def test_queue_events_survive_reopening_and_claims_are_recovered(tmp_path: Path) -> None:
    first = SqliteInvocationQueue.in_state_dir(tmp_path)
    await first.put(event("claimed"), due_at=1.0)
    await first.put(event("waiting"), due_at=2.0)
    assert await first.claim(1.5) is not None
    await first.close()
    second = SqliteInvocationQueue.in_state_dir(tmp_path)
    try:
        assert await second.pending() == 2
        assert await second.recover() == 1
        claimed = [await second.claim(3.0), await second.claim(3.0)]
        assert [e.id for e in claimed if e] == ["claimed", "waiting"]
    finally:
        await second.close()


async def test_queue_file_is_in_async_dir_in_wal_mode(
    queue: SqliteInvocationQueue, tmp_path: Path
) -> None:
    await queue.put(event("a"), due_at=1.0)
    path = tmp_path / "async" / "queue.sqlite3"
    assert queue.path == path
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_queue_duplicate_event_id_raises_queue_error(queue: SqliteInvocationQueue) -> None:
    await queue.put(event("a"), due_at=1.0)
    with pytest.raises(QueueError, match="UNIQUE"):
        await queue.put(event("a"), due_at=2.0)


async def test_queue_closed_raises_queue_error(tmp_path: Path) -> None:
    closed = SqliteInvocationQueue.in_state_dir(tmp_path)
    await closed.close()
    with pytest.raises(QueueError, match="closed"):
        await closed.put(event("a"), due_at=1.0)
