"""One way to open the embedded SQLite stores: WAL (readers never wait for the writer),
autocommit unless a statement opens a transaction, usable from the thread that runs the
event loop and from executor threads."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_database(
    path: Path, *, synchronous: str = "NORMAL", schema: str = ""
) -> sqlite3.Connection:
    """`synchronous`: NORMAL (a power cut may lose the last commits, never corrupt) or FULL
    (every commit on disk before it returns, for queues that promise durability)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={synchronous}")
    db.execute("PRAGMA busy_timeout=5000")
    if schema:
        db.executescript(schema)
    return db
