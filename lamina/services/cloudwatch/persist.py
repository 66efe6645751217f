"""The metric store on disk: `<state>/metrics.sqlite3`, one row per metric, timestamp and
unit. Written off the event loop (a minute's changes in one transaction), read once at
start to fill the in-memory store with what is still within retention."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from lamina.core.sqlite import open_database
from lamina.services.cloudwatch.store import (
    RETENTION_S,
    Aggregate,
    MetricKey,
    MetricStore,
    PointKey,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS datapoints (
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    dimensions TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    unit TEXT NOT NULL,
    resolution INTEGER NOT NULL,
    count REAL NOT NULL,
    sum REAL NOT NULL,
    minimum REAL NOT NULL,
    maximum REAL NOT NULL,
    vals TEXT,
    PRIMARY KEY (namespace, name, dimensions, timestamp, unit)
);
CREATE INDEX IF NOT EXISTS datapoints_time ON datapoints (timestamp);
"""

Changed = list[tuple[MetricKey, PointKey, Aggregate]]
Removed = list[tuple[MetricKey, PointKey]]


class MetricFile:
    def __init__(self, path: Path) -> None:
        self._db = open_database(path, schema=_SCHEMA)
        self._lock = threading.Lock()
        """One writer at a time (the minute's flush and the last one at close)."""

    def load(self, store: MetricStore, now: float) -> None:
        rows = self._db.execute(
            "SELECT namespace, name, dimensions, timestamp, unit, resolution, count, sum,"
            " minimum, maximum, vals FROM datapoints WHERE timestamp >= ?",
            (int(now - RETENTION_S),),
        )
        for namespace, name, dims, stamp, unit, resolution, count, total, low, high, vals in rows:
            dimensions = tuple((pair[0], pair[1]) for pair in json.loads(dims))
            values = None if vals is None else {float(v): c for v, c in json.loads(vals)}
            aggregate = Aggregate(count, total, low, high, values, resolution)
            store.merge((namespace, name, dimensions), (stamp, unit), aggregate, dirty=False)

    def write(self, changed: Changed, removed: Removed) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(
                    "INSERT OR REPLACE INTO datapoints VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    [_row(key, at, aggregate) for key, at, aggregate in changed],
                )
                self._db.executemany(
                    "DELETE FROM datapoints WHERE namespace = ? AND name = ? AND dimensions = ?"
                    " AND timestamp = ? AND unit = ?",
                    [(k[0], k[1], json.dumps(k[2]), at[0], at[1]) for k, at in removed],
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _row(key: MetricKey, at: PointKey, aggregate: Aggregate) -> tuple[object, ...]:
    values = aggregate.values
    return (
        key[0],
        key[1],
        json.dumps(key[2]),
        at[0],
        at[1],
        aggregate.resolution,
        aggregate.count,
        aggregate.sum,
        aggregate.minimum,
        aggregate.maximum,
        None if values is None else json.dumps(list(values.items())),
    )
