"""Secrets on SQLite (WAL): one row per secret holding its metadata and versions; every
secret value is stored only encrypted (see vault.py)."""

from __future__ import annotations

from pathlib import Path

import msgspec

from lamina.core.sqlite import open_database


class Version(msgspec.Struct, kw_only=True):
    version_id: str
    created: float
    stages: list[str] = msgspec.field(default_factory=list)
    binary: bool = False
    """Whether the value was given as SecretBinary (else SecretString)."""
    sealed: bytes = b""
    """The value, encrypted under the secret's KMS key (vault.Vault)."""
    last_accessed: float | None = None


class Secret(msgspec.Struct, kw_only=True):
    name: str
    arn: str
    created: float
    changed: float
    description: str | None = None
    kms_key_id: str | None = None
    """As the user gave it; None: the AWS managed key alias/aws/secretsmanager."""
    tags: dict[str, str] = msgspec.field(default_factory=dict)
    versions: list[Version] = msgspec.field(default_factory=list)
    deleted: float | None = None
    """When DeleteSecret was called (DeletedDate); the secret goes at `delete_at`."""
    delete_at: float | None = None
    rotation_lambda_arn: str | None = None
    rotation_rules: dict[str, object] | None = None
    rotation_enabled: bool = False
    last_rotated: float | None = None
    rotation_set: float | None = None
    """When RotationRules were last set (RotateSecret, a template's RotationSchedule): the
    schedule counts from here until the first rotation (schedule.py)."""
    rotation_attempted: float | None = None
    """When the scheduler last started a rotation: a failed one waits for the next window."""
    rotate_asap: bool = False
    """A template asked for a rotation now; the scheduler's next pass starts it."""
    last_accessed: float | None = None
    policy: str | None = None

    def version(self, version_id: str) -> Version | None:
        return next((v for v in self.versions if v.version_id == version_id), None)

    def staged(self, stage: str) -> Version | None:
        return next((v for v in self.versions if stage in v.stages), None)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS secrets (
  name TEXT PRIMARY KEY, arn TEXT UNIQUE NOT NULL, seq INTEGER NOT NULL, record BLOB NOT NULL
);
"""


class SecretStore:
    def __init__(self, path: Path) -> None:
        self._db = open_database(path, schema=_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def put(self, secret: Secret) -> None:
        blob = msgspec.msgpack.encode(secret)
        with self._db:
            self._db.execute(
                "INSERT INTO secrets (name, arn, seq, record) VALUES (?, ?, "
                "(SELECT COALESCE(MAX(seq), 0) + 1 FROM secrets), ?) "
                "ON CONFLICT (name) DO UPDATE SET record = excluded.record",
                (secret.name, secret.arn, blob),
            )

    def by_name(self, name: str) -> Secret | None:
        row = self._db.execute("SELECT record FROM secrets WHERE name = ?", (name,)).fetchone()
        return None if row is None else _decode(row[0])

    def by_arn(self, arn: str) -> Secret | None:
        row = self._db.execute("SELECT record FROM secrets WHERE arn = ?", (arn,)).fetchone()
        return None if row is None else _decode(row[0])

    def delete(self, name: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM secrets WHERE name = ?", (name,))

    def all_secrets(self) -> list[Secret]:
        rows = self._db.execute("SELECT record FROM secrets ORDER BY seq").fetchall()
        return [_decode(row[0]) for row in rows]


def _decode(blob: bytes) -> Secret:
    return msgspec.msgpack.decode(blob, type=Secret)
