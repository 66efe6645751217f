"""Keys and aliases on SQLite (WAL); key material only ever stored wrapped by the master key."""

from __future__ import annotations

from pathlib import Path

import msgspec

from lamina.core.sqlite import open_database


class KeyRecord(msgspec.Struct, kw_only=True):
    key_id: str
    arn: str
    spec: str
    usage: str
    created: float
    description: str = ""
    enabled: bool = True
    deletion_date: float | None = None
    """Set while the key is pending deletion; the key is gone once it has passed."""
    pending_window_days: int | None = None
    policy: str = ""
    tags: dict[str, str] = msgspec.field(default_factory=dict)
    wrapped_material: bytes = b""
    manager: str = "CUSTOMER"
    """AWS for the AWS managed keys services create for themselves (alias/aws/...)."""

    @property
    def state(self) -> str:
        if self.deletion_date is not None:
            return "PendingDeletion"
        return "Enabled" if self.enabled else "Disabled"


class AliasRecord(msgspec.Struct, kw_only=True):
    name: str
    key_id: str
    created: float
    updated: float


_SCHEMA = """
CREATE TABLE IF NOT EXISTS keys (
  key_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, record BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS aliases (
  name TEXT PRIMARY KEY, key_id TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL
);
"""


class KeyStore:
    def __init__(self, path: Path) -> None:
        self._db = open_database(path, schema=_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def put(self, record: KeyRecord) -> None:
        blob = msgspec.msgpack.encode(record)
        with self._db:
            self._db.execute(
                "INSERT INTO keys (key_id, seq, record) VALUES (?, "
                "(SELECT COALESCE(MAX(seq), 0) + 1 FROM keys), ?) "
                "ON CONFLICT (key_id) DO UPDATE SET record = excluded.record",
                (record.key_id, blob),
            )

    def get(self, key_id: str) -> KeyRecord | None:
        row = self._db.execute("SELECT record FROM keys WHERE key_id = ?", (key_id,)).fetchone()
        return None if row is None else msgspec.msgpack.decode(row[0], type=KeyRecord)

    def delete(self, key_id: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM keys WHERE key_id = ?", (key_id,))
            self._db.execute("DELETE FROM aliases WHERE key_id = ?", (key_id,))

    def all_keys(self) -> list[KeyRecord]:
        """Every key, in creation order."""
        rows = self._db.execute("SELECT record FROM keys ORDER BY seq").fetchall()
        return [msgspec.msgpack.decode(row[0], type=KeyRecord) for row in rows]

    def alias(self, name: str) -> AliasRecord | None:
        row = self._db.execute(
            "SELECT name, key_id, created, updated FROM aliases WHERE name = ?", (name,)
        ).fetchone()
        return None if row is None else AliasRecord(**dict(zip(_ALIAS_COLUMNS, row, strict=True)))

    def aliases(self) -> list[AliasRecord]:
        rows = self._db.execute(
            "SELECT name, key_id, created, updated FROM aliases ORDER BY name"
        ).fetchall()
        return [AliasRecord(**dict(zip(_ALIAS_COLUMNS, row, strict=True))) for row in rows]

    def put_alias(self, alias: AliasRecord) -> None:
        with self._db:
            self._db.execute(
                "INSERT INTO aliases (name, key_id, created, updated) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET key_id = excluded.key_id, "
                "updated = excluded.updated",
                (alias.name, alias.key_id, alias.created, alias.updated),
            )

    def delete_alias(self, name: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM aliases WHERE name = ?", (name,))


_ALIAS_COLUMNS = ("name", "key_id", "created", "updated")
