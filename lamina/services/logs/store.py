"""Log groups, streams and events on SQLite (WAL): `<state>/logs.sqlite3`.

Events are ordered by (timestamp, id): `id` is the insertion order that breaks ties, and
the pair is the position that paging tokens name. Term filters run in Python over the
candidate rows; the events table is indexed by stream and by time so a page costs one
range scan.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import msgspec
import orjson

from lamina.core.sqlite import open_database


class GroupRecord(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    created_ms: int
    retention_days: int | None = None
    tags: dict[str, str] = msgspec.field(default_factory=dict)
    stored_bytes: int = 0


class StreamRecord(msgspec.Struct, frozen=True, kw_only=True):
    group: str
    name: str
    created_ms: int
    first_event_ms: int | None = None
    last_event_ms: int | None = None
    last_ingestion_ms: int | None = None
    stored_bytes: int = 0


class EventRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    stream: str
    timestamp: int
    ingestion: int
    message: str


class NewEvent(msgspec.Struct, frozen=True):
    timestamp: int
    message: str


_SCHEMA = """
CREATE TABLE IF NOT EXISTS groups (
  name TEXT PRIMARY KEY, created INTEGER NOT NULL, retention INTEGER, tags TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS streams (
  grp TEXT NOT NULL, name TEXT NOT NULL, created INTEGER NOT NULL,
  first_event INTEGER, last_event INTEGER, last_ingestion INTEGER,
  stored_bytes INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (grp, name)
);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT, grp TEXT NOT NULL, stream TEXT NOT NULL,
  ts INTEGER NOT NULL, ingestion INTEGER NOT NULL, message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_stream ON events (grp, stream, ts, id);
CREATE INDEX IF NOT EXISTS events_by_group ON events (grp, ts, id);
"""

Position = tuple[int, int]
"""(timestamp, id) of an event: where a page starts or ends."""


class LogStore:
    """One connection shared by the event loop and the ingest thread, behind a lock
    (each call is one short statement or transaction)."""

    def __init__(self, path: Path) -> None:
        self._db = open_database(path, schema=_SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _read(self, sql: str, args: Sequence[object] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _write(self, sql: str, args: Sequence[object] = ()) -> int:
        with self._lock:
            return self._db.execute(sql, args).rowcount

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction under the lock (the connection autocommits otherwise)."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # Groups

    def create_group(self, group: GroupRecord) -> bool:
        """False when a group of that name exists."""
        try:
            self._write(
                "INSERT INTO groups (name, created, retention, tags) VALUES (?, ?, ?, ?)",
                (group.name, group.created_ms, group.retention_days, _json(group.tags)),
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def group(self, name: str) -> GroupRecord | None:
        rows = self._read(_GROUP_SELECT + " WHERE g.name = ? GROUP BY g.name", (name,))
        return _group(rows[0]) if rows else None

    def groups(self) -> list[GroupRecord]:
        return [
            _group(row) for row in self._read(_GROUP_SELECT + " GROUP BY g.name ORDER BY g.name")
        ]

    def delete_group(self, name: str) -> bool:
        with self._transaction() as db:
            deleted = db.execute("DELETE FROM groups WHERE name = ?", (name,)).rowcount
            db.execute("DELETE FROM streams WHERE grp = ?", (name,))
            db.execute("DELETE FROM events WHERE grp = ?", (name,))
        return deleted > 0

    def set_retention(self, name: str, days: int | None) -> bool:
        return self._write("UPDATE groups SET retention = ? WHERE name = ?", (days, name)) > 0

    def set_tags(self, name: str, tags: dict[str, str]) -> None:
        self._write("UPDATE groups SET tags = ? WHERE name = ?", (_json(tags), name))

    # Streams

    def create_stream(self, stream: StreamRecord) -> bool:
        """False when the stream exists."""
        try:
            self._write(
                "INSERT INTO streams (grp, name, created) VALUES (?, ?, ?)",
                (stream.group, stream.name, stream.created_ms),
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def stream(self, group: str, name: str) -> StreamRecord | None:
        rows = self._read(_STREAM_SELECT + " WHERE grp = ? AND name = ?", (group, name))
        return _stream(rows[0]) if rows else None

    def streams(self, group: str) -> list[StreamRecord]:
        return [_stream(row) for row in self._read(_STREAM_SELECT + " WHERE grp = ?", (group,))]

    def delete_stream(self, group: str, name: str) -> bool:
        with self._transaction() as db:
            deleted = db.execute(
                "DELETE FROM streams WHERE grp = ? AND name = ?", (group, name)
            ).rowcount
            db.execute("DELETE FROM events WHERE grp = ? AND stream = ?", (group, name))
        return deleted > 0

    # Events

    def append(
        self, batches: Iterable[tuple[str, str, Sequence[NewEvent]]], ingestion_ms: int
    ) -> None:
        """Each (group, stream, events) in one transaction; groups and streams that do not
        exist yet are created (as Lambda's log delivery creates them)."""
        with self._transaction() as db:
            for group, stream, events in batches:
                if not events:
                    continue
                db.execute(
                    "INSERT OR IGNORE INTO groups (name, created, tags) VALUES (?, ?, '{}')",
                    (group, ingestion_ms),
                )
                db.execute(
                    "INSERT OR IGNORE INTO streams (grp, name, created) VALUES (?, ?, ?)",
                    (group, stream, ingestion_ms),
                )
                db.executemany(
                    "INSERT INTO events (grp, stream, ts, ingestion, message) VALUES (?,?,?,?,?)",
                    [(group, stream, e.timestamp, ingestion_ms, e.message) for e in events],
                )
                size = sum(len(e.message.encode()) for e in events)
                db.execute(
                    "UPDATE streams SET first_event = MIN(COALESCE(first_event, ?), ?), "
                    "last_event = MAX(COALESCE(last_event, ?), ?), last_ingestion = ?, "
                    "stored_bytes = stored_bytes + ? WHERE grp = ? AND name = ?",
                    (
                        events[0].timestamp,
                        min(e.timestamp for e in events),
                        events[-1].timestamp,
                        max(e.timestamp for e in events),
                        ingestion_ms,
                        size,
                        group,
                        stream,
                    ),
                )

    def events(
        self,
        group: str,
        streams: Sequence[str] | None,
        *,
        after: Position | None = None,
        before: Position | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int,
        newest_first: bool = False,
    ) -> list[EventRecord]:
        """Events of `group` (in `streams`, when given) strictly between the positions and
        in [start_ms, end_ms), oldest first unless `newest_first`."""
        clauses: list[str] = ["grp = ?"]
        args: list[object] = [group]
        if streams is not None:
            clauses.append(f"stream IN ({','.join('?' * len(streams))})")
            args.extend(streams)
        for sql, value in (
            ("(ts, id) > (?, ?)", after),
            ("(ts, id) < (?, ?)", before),
        ):
            if value is not None:
                clauses.append(sql)
                args.extend(value)
        if start_ms is not None:
            clauses.append("ts >= ?")
            args.append(start_ms)
        if end_ms is not None:
            clauses.append("ts < ?")
            args.append(end_ms)
        order = "DESC" if newest_first else "ASC"
        rows = self._read(
            "SELECT id, stream, ts, ingestion, message FROM events WHERE "
            + " AND ".join(clauses)
            + f" ORDER BY ts {order}, id {order} LIMIT ?",
            (*args, limit),
        )
        return [
            EventRecord(
                id=int(str(r[0])),
                stream=str(r[1]),
                timestamp=int(str(r[2])),
                ingestion=int(str(r[3])),
                message=str(r[4]),
            )
            for r in rows
        ]

    def last_id(self) -> int:
        """The id of the newest event ingested (0: none): ids grow with ingestion."""
        rows = self._read("SELECT COALESCE(MAX(id), 0) FROM events")
        return int(str(rows[0][0]))

    def ingested_after(
        self, groups: Sequence[str], after_id: int, limit: int
    ) -> list[tuple[str, EventRecord]]:
        """Events of `groups` ingested after the event `after_id`, in ingestion order, with
        their group (what a Live Tail session shows next)."""
        rows = self._read(
            "SELECT grp, id, stream, ts, ingestion, message FROM events WHERE id > ? AND grp IN ("
            + ",".join("?" * len(groups))
            + ") ORDER BY id LIMIT ?",
            (after_id, *groups, limit),
        )
        return [
            (
                str(r[0]),
                EventRecord(
                    id=int(str(r[1])),
                    stream=str(r[2]),
                    timestamp=int(str(r[3])),
                    ingestion=int(str(r[4])),
                    message=str(r[5]),
                ),
            )
            for r in rows
        ]

    def expire(self, now_ms: int) -> int:
        """Delete events older than their group's retention; how many went."""
        return self._write(
            "DELETE FROM events WHERE id IN (SELECT e.id FROM events e JOIN groups g "
            "ON g.name = e.grp WHERE g.retention IS NOT NULL "
            "AND e.ts < ? - g.retention * 86400000)",
            (now_ms,),
        )


def _json(tags: dict[str, str]) -> str:
    return orjson.dumps(tags).decode()


_GROUP_SELECT = (
    "SELECT g.name, g.created, g.retention, g.tags, COALESCE(SUM(s.stored_bytes), 0) "
    "FROM groups g LEFT JOIN streams s ON s.grp = g.name"
)
_STREAM_SELECT = (
    "SELECT grp, name, created, first_event, last_event, last_ingestion, stored_bytes FROM streams"
)


def _group(row: tuple[object, ...]) -> GroupRecord:
    name, created, retention, tags, stored = row
    return GroupRecord(
        name=str(name),
        created_ms=int(str(created)),
        retention_days=None if retention is None else int(str(retention)),
        tags=orjson.loads(str(tags)),
        stored_bytes=int(str(stored)),
    )


def _stream(row: tuple[object, ...]) -> StreamRecord:
    group, name, created, first, last, ingestion, stored = row
    return StreamRecord(
        group=str(group),
        name=str(name),
        created_ms=int(str(created)),
        first_event_ms=None if first is None else int(str(first)),
        last_event_ms=None if last is None else int(str(last)),
        last_ingestion_ms=None if ingestion is None else int(str(ingestion)),
        stored_bytes=int(str(stored)),
    )
