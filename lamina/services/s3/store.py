"""Buckets, object metadata, tags and multipart uploads on SQLite (WAL).

One row per bucket, object, upload and part; each object and part row names the blob
(blob.py) holding its bytes. Keys sort as S3 lists them: by their UTF-8 bytes, which is
SQLite's default (BINARY) order for TEXT.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import msgspec


class Bucket(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    created: float
    region: str


class StoredObject(msgspec.Struct, kw_only=True):
    key: str
    blob_id: str
    size: int
    etag: str
    """Quoted, as S3 sends it: `"<md5 hex>"` or `"<md5 of part md5s>-<parts>"`."""
    modified: float
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    """Content headers stored with the object (ContentType, CacheControl, ...)."""
    metadata: dict[str, str] = msgspec.field(default_factory=dict)
    tags: dict[str, str] = msgspec.field(default_factory=dict)
    parts: int = 0
    """How many parts a multipart upload made it of (0: a single PUT)."""
    part_sizes: list[int] = msgspec.field(default_factory=list)
    """A multipart object's part sizes, for GET/HEAD `?partNumber=`."""
    checksums: dict[str, str] = msgspec.field(default_factory=dict)
    """Verified additional checksums by member name (ChecksumCRC32 ...), base64."""


class Upload(msgspec.Struct, kw_only=True):
    upload_id: str
    bucket: str
    key: str
    initiated: float
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    metadata: dict[str, str] = msgspec.field(default_factory=dict)
    tags: dict[str, str] = msgspec.field(default_factory=dict)


class Part(msgspec.Struct, frozen=True, kw_only=True):
    number: int
    blob_id: str
    size: int
    etag: str
    md5: str
    modified: float


_SCHEMA = """
CREATE TABLE IF NOT EXISTS buckets (name TEXT PRIMARY KEY, record BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
  bucket TEXT NOT NULL, key TEXT NOT NULL, record BLOB NOT NULL, PRIMARY KEY (bucket, key)
);
CREATE TABLE IF NOT EXISTS uploads (
  upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, record BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS uploads_by_key ON uploads (bucket, key, upload_id);
CREATE TABLE IF NOT EXISTS parts (
  upload_id TEXT NOT NULL, number INTEGER NOT NULL, record BLOB NOT NULL,
  PRIMARY KEY (upload_id, number)
);
"""


class S3Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    # -- buckets
    def bucket(self, name: str) -> Bucket | None:
        row = self._db.execute("SELECT record FROM buckets WHERE name = ?", (name,)).fetchone()
        return None if row is None else msgspec.msgpack.decode(row[0], type=Bucket)

    def buckets(self) -> list[Bucket]:
        rows = self._db.execute("SELECT record FROM buckets ORDER BY name").fetchall()
        return [msgspec.msgpack.decode(row[0], type=Bucket) for row in rows]

    def add_bucket(self, bucket: Bucket) -> bool:
        """False when the bucket already exists."""
        blob = msgspec.msgpack.encode(bucket)
        with self._db:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO buckets (name, record) VALUES (?, ?)", (bucket.name, blob)
            )
        return cursor.rowcount == 1

    def remove_bucket(self, name: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM buckets WHERE name = ?", (name,))

    def is_empty(self, bucket: str) -> bool:
        sql = "SELECT 1 FROM objects WHERE bucket = ? LIMIT 1"
        return self._db.execute(sql, (bucket,)).fetchone() is None

    # -- objects
    def get(self, bucket: str, key: str) -> StoredObject | None:
        row = self._db.execute(
            "SELECT record FROM objects WHERE bucket = ? AND key = ?", (bucket, key)
        ).fetchone()
        return None if row is None else _object(row[0])

    def put(self, bucket: str, stored: StoredObject) -> str | None:
        """Store (or replace) an object; the blob id it replaced, for the caller to delete."""
        blob = msgspec.msgpack.encode(stored)
        with self._db:
            old = self._db.execute(
                "SELECT record FROM objects WHERE bucket = ? AND key = ?", (bucket, stored.key)
            ).fetchone()
            self._db.execute(
                "INSERT INTO objects (bucket, key, record) VALUES (?, ?, ?) "
                "ON CONFLICT (bucket, key) DO UPDATE SET record = excluded.record",
                (bucket, stored.key, blob),
            )
        replaced = None if old is None else _object(old[0]).blob_id
        return None if replaced == stored.blob_id else replaced

    def update(self, bucket: str, stored: StoredObject) -> None:
        """Rewrite an object's metadata (tags) in place, keeping its blob."""
        with self._db:
            self._db.execute(
                "UPDATE objects SET record = ? WHERE bucket = ? AND key = ?",
                (msgspec.msgpack.encode(stored), bucket, stored.key),
            )

    def remove(self, bucket: str, key: str) -> str | None:
        """Delete an object's row; the blob id it named."""
        with self._db:
            row = self._db.execute(
                "DELETE FROM objects WHERE bucket = ? AND key = ? RETURNING record", (bucket, key)
            ).fetchone()
        return None if row is None else _object(row[0]).blob_id

    def scan(self, bucket: str, prefix: str, after: str) -> Iterator[StoredObject]:
        """Objects whose key starts with `prefix` and sorts after `after`, in key order."""
        cursor = self._db.execute(
            "SELECT record FROM objects WHERE bucket = ? AND key > ? "
            "AND substr(key, 1, ?) = ? ORDER BY key",
            (bucket, after, len(prefix), prefix),
        )
        for row in cursor:
            yield _object(row[0])

    # -- multipart uploads
    def add_upload(self, upload: Upload) -> None:
        with self._db:
            self._db.execute(
                "INSERT INTO uploads (upload_id, bucket, key, record) VALUES (?, ?, ?, ?)",
                (upload.upload_id, upload.bucket, upload.key, msgspec.msgpack.encode(upload)),
            )

    def upload(self, upload_id: str) -> Upload | None:
        row = self._db.execute(
            "SELECT record FROM uploads WHERE upload_id = ?", (upload_id,)
        ).fetchone()
        return None if row is None else msgspec.msgpack.decode(row[0], type=Upload)

    def uploads(self, bucket: str) -> list[Upload]:
        rows = self._db.execute(
            "SELECT record FROM uploads WHERE bucket = ? ORDER BY key, upload_id", (bucket,)
        ).fetchall()
        return [msgspec.msgpack.decode(row[0], type=Upload) for row in rows]

    def put_part(self, upload_id: str, part: Part) -> str | None:
        """Store a part (a re-sent number replaces the earlier one); the blob it replaced."""
        with self._db:
            old = self._db.execute(
                "SELECT record FROM parts WHERE upload_id = ? AND number = ?",
                (upload_id, part.number),
            ).fetchone()
            self._db.execute(
                "INSERT INTO parts (upload_id, number, record) VALUES (?, ?, ?) "
                "ON CONFLICT (upload_id, number) DO UPDATE SET record = excluded.record",
                (upload_id, part.number, msgspec.msgpack.encode(part)),
            )
        return None if old is None else _part(old[0]).blob_id

    def parts(self, upload_id: str) -> list[Part]:
        rows = self._db.execute(
            "SELECT record FROM parts WHERE upload_id = ? ORDER BY number", (upload_id,)
        ).fetchall()
        return [_part(row[0]) for row in rows]

    def finish_upload(self, upload_id: str, bucket: str, stored: StoredObject | None) -> list[str]:
        """Remove an upload and its parts, storing `stored` in the same transaction when it
        completes; the blob ids no row names any more (parts, the replaced object)."""
        with self._db:
            rows = self._db.execute(
                "DELETE FROM parts WHERE upload_id = ? RETURNING record", (upload_id,)
            ).fetchall()
            self._db.execute("DELETE FROM uploads WHERE upload_id = ?", (upload_id,))
            freed = [_part(row[0]).blob_id for row in rows]
            if stored is not None:
                old = self._db.execute(
                    "SELECT record FROM objects WHERE bucket = ? AND key = ?",
                    (bucket, stored.key),
                ).fetchone()
                if old is not None:
                    freed.append(_object(old[0]).blob_id)
                self._db.execute(
                    "INSERT INTO objects (bucket, key, record) VALUES (?, ?, ?) "
                    "ON CONFLICT (bucket, key) DO UPDATE SET record = excluded.record",
                    (bucket, stored.key, msgspec.msgpack.encode(stored)),
                )
        return freed

    def blob_ids(self) -> set[str]:
        """Every blob a row names (what `BlobStore.sweep` keeps)."""
        found = {_object(row[0]).blob_id for row in self._db.execute("SELECT record FROM objects")}
        found.update(_part(row[0]).blob_id for row in self._db.execute("SELECT record FROM parts"))
        return found


def _object(record: bytes) -> StoredObject:
    return msgspec.msgpack.decode(record, type=StoredObject)


def _part(record: bytes) -> Part:
    return msgspec.msgpack.decode(record, type=Part)
