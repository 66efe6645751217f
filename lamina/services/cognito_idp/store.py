"""Pools, clients, users, groups and refresh tokens on SQLite (WAL)."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import msgspec

from lamina.core.sqlite import open_database
from lamina.services.cognito_idp.model import (
    Client,
    Group,
    IdentityProvider,
    Pool,
    ProviderLink,
    RefreshToken,
    ResourceServer,
    User,
)

T = TypeVar(
    "T", Pool, Client, User, Group, RefreshToken, IdentityProvider, ProviderLink, ResourceServer
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
  kind TEXT NOT NULL, scope TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL,
  record BLOB NOT NULL, PRIMARY KEY (kind, scope, key)
);
"""
_KINDS: dict[type, str] = {
    Pool: "pool",
    Client: "client",
    User: "user",
    Group: "group",
    RefreshToken: "refresh",
    IdentityProvider: "idp",
    ProviderLink: "link",
    ResourceServer: "resource-server",
}


class IdentityStore:
    def __init__(self, path: Path) -> None:
        self._db = open_database(path, schema=_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def put(self, scope: str, key: str, record: T) -> None:
        with self._db:
            self._db.execute(
                "INSERT INTO records (kind, scope, key, seq, record) VALUES (?, ?, ?, "
                "(SELECT COALESCE(MAX(seq), 0) + 1 FROM records), ?) "
                "ON CONFLICT (kind, scope, key) DO UPDATE SET record = excluded.record",
                (_KINDS[type(record)], scope, key, msgspec.msgpack.encode(record)),
            )

    def get(self, kind: type[T], scope: str, key: str) -> T | None:
        row = self._db.execute(
            "SELECT record FROM records WHERE kind = ? AND scope = ? AND key = ?",
            (_KINDS[kind], scope, key),
        ).fetchone()
        return None if row is None else msgspec.msgpack.decode(row[0], type=kind)

    def all(self, kind: type[T], scope: str) -> list[T]:
        rows = self._db.execute(
            "SELECT record FROM records WHERE kind = ? AND scope = ? ORDER BY seq",
            (_KINDS[kind], scope),
        ).fetchall()
        return [msgspec.msgpack.decode(row[0], type=kind) for row in rows]

    def count(self, kind: type[T], scope: str) -> int:
        row = self._db.execute(
            "SELECT COUNT(*) FROM records WHERE kind = ? AND scope = ?", (_KINDS[kind], scope)
        ).fetchone()
        return int(row[0])

    def delete(self, kind: type[T], scope: str, key: str) -> None:
        with self._db:
            self._db.execute(
                "DELETE FROM records WHERE kind = ? AND scope = ? AND key = ?",
                (_KINDS[kind], scope, key),
            )

    def delete_scope(self, scope: str) -> None:
        """Everything of one pool (its clients, users, groups, tokens) and the pool."""
        with self._db:
            self._db.execute("DELETE FROM records WHERE scope = ?", (scope,))
