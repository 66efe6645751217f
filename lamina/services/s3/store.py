"""Buckets, object metadata, tags and multipart uploads on SQLite (WAL).

One row per bucket, object, upload and part; each object and part row names the blob
(blob.py) holding its bytes. Keys sort as S3 lists them: by their UTF-8 bytes, which is
SQLite's default (BINARY) order for TEXT.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

NULL_VERSION = "null"


class Bucket(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    created: float
    region: str
    versioning: str = ""
    """"Enabled" or "Suspended" once PutBucketVersioning set it; "" for a bucket never
    versioned (GetBucketVersioning then answers no Status)."""
    cors: list[dict[str, Any]] | None = None
    """PutBucketCors's CORSRules, as the operation's input shapes them (services.s3.cors)."""
    policy: str = ""
    """PutBucketPolicy's JSON document; "" when the bucket has none."""
    website: dict[str, Any] | None = None
    """PutBucketWebsite's WebsiteConfiguration, as its input shapes it (services.s3.website)."""
    notification: dict[str, Any] | None = None
    """PutBucketNotificationConfiguration's NotificationConfiguration (services.s3.notification)."""


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
    version_id: str = NULL_VERSION
    """Records written before versioning existed decode as the "null" version, which is
    what S3 makes of objects stored while a bucket was unversioned."""
    delete_marker: bool = False
    """A delete marker: no bytes (blob_id ""), only a key, a version id and a time."""


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
CREATE TABLE IF NOT EXISTS versions (
  bucket TEXT NOT NULL, key TEXT NOT NULL, version_id TEXT NOT NULL, seq INTEGER NOT NULL,
  record BLOB NOT NULL, PRIMARY KEY (bucket, key, version_id)
);
CREATE INDEX IF NOT EXISTS versions_by_age ON versions (bucket, key, seq);
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
        self._migrate()
        self._buckets: dict[str, Bucket] = {}
        """Bucket records as last written or read. Every S3 call reads its bucket (and
        the bucket policy its authorization checks, even the account root's), so this
        spares a query and a decode per call. Valid because one process serves a state
        folder (`lamina delete` refuses while `lamina up` serves it) and every bucket
        write goes through the methods below, which replace or drop the entry. Unknown
        names are not kept: requests choose them."""

    def _migrate(self) -> None:
        """Stores made before versioning: `objects` rows gain their place in the key's
        history (0: older than any later write); their records already decode as the
        "null" version."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(objects)")}
        if "seq" not in columns:
            self._db.execute("ALTER TABLE objects ADD COLUMN seq INTEGER NOT NULL DEFAULT 0")

    def close(self) -> None:
        self._db.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT (the connection is in autocommit mode, where
        `with connection` alone would not begin one): a version moved to `versions` and its
        successor made current commit together or not at all."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- buckets
    def bucket(self, name: str) -> Bucket | None:
        found = self._buckets.get(name)
        if found is not None:
            return found
        row = self._db.execute("SELECT record FROM buckets WHERE name = ?", (name,)).fetchone()
        if row is None:
            return None
        found = self._buckets[name] = msgspec.msgpack.decode(row[0], type=Bucket)
        return found

    def buckets(self) -> list[Bucket]:
        rows = self._db.execute("SELECT record FROM buckets ORDER BY name").fetchall()
        return [msgspec.msgpack.decode(row[0], type=Bucket) for row in rows]

    def add_bucket(self, bucket: Bucket) -> bool:
        """False when the bucket already exists."""
        blob = msgspec.msgpack.encode(bucket)
        with self._transaction():
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO buckets (name, record) VALUES (?, ?)", (bucket.name, blob)
            )
        self._buckets.pop(bucket.name, None)
        return cursor.rowcount == 1

    def remove_bucket(self, name: str) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM buckets WHERE name = ?", (name,))
        self._buckets.pop(name, None)

    def set_bucket(self, bucket: Bucket) -> None:
        with self._transaction():
            self._db.execute(
                "UPDATE buckets SET record = ? WHERE name = ?",
                (msgspec.msgpack.encode(bucket), bucket.name),
            )
        self._buckets.pop(bucket.name, None)

    def is_empty(self, bucket: str) -> bool:
        """No object, version or delete marker left (S3 will not delete the bucket else)."""
        for table in ("objects", "versions"):
            sql = f"SELECT 1 FROM {table} WHERE bucket = ? LIMIT 1"
            if self._db.execute(sql, (bucket,)).fetchone() is not None:
                return False
        return True

    # -- objects
    def get(self, bucket: str, key: str) -> StoredObject | None:
        row = self._db.execute(
            "SELECT record FROM objects WHERE bucket = ? AND key = ?", (bucket, key)
        ).fetchone()
        return None if row is None else _object(row[0])

    def put(self, bucket: str, stored: StoredObject) -> str | None:
        """Make `stored` the key's current version; the blob id no row names any more.

        The previous current version stays as a noncurrent one unless it has the same
        version id ("null" over "null": unversioned and suspended buckets replace it), and
        a noncurrent version with that id goes too (S3 keeps one "null" version per key).
        """
        with self._transaction():
            freed = self._put(bucket, stored)
        return None if freed == stored.blob_id else freed

    def _put(self, bucket: str, stored: StoredObject) -> str | None:
        old = self._db.execute(
            "SELECT seq, record FROM objects WHERE bucket = ? AND key = ?", (bucket, stored.key)
        ).fetchone()
        # The write's place in the key's history (newest highest), read in the transaction
        # so that every process sharing the file agrees.
        (newest,) = self._db.execute(
            "SELECT coalesce(max(seq), 0) FROM versions WHERE bucket = ? AND key = ?",
            (bucket, stored.key),
        ).fetchone()
        seq = max(newest, 0 if old is None else old[0]) + 1
        freed: str | None = None
        if old is not None:
            previous = _object(old[1])
            if previous.version_id == stored.version_id:
                freed = previous.blob_id
            else:
                self._db.execute(
                    "INSERT INTO versions (bucket, key, version_id, seq, record) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (bucket, stored.key, previous.version_id, old[0], old[1]),
                )
        row = self._db.execute(
            "DELETE FROM versions WHERE bucket = ? AND key = ? AND version_id = ? RETURNING record",
            (bucket, stored.key, stored.version_id),
        ).fetchone()
        if row is not None:
            freed = _object(row[0]).blob_id
        self._db.execute(
            "INSERT INTO objects (bucket, key, seq, record) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (bucket, key) DO UPDATE SET record = excluded.record, seq = excluded.seq",
            (bucket, stored.key, seq, msgspec.msgpack.encode(stored)),
        )
        return freed or None

    def version(self, bucket: str, key: str, version_id: str) -> StoredObject | None:
        """One version of a key, current or not."""
        row = self._db.execute(
            "SELECT record FROM objects WHERE bucket = ? AND key = ? "
            "UNION ALL SELECT record FROM versions "
            "WHERE bucket = ? AND key = ? AND version_id = ?",
            (bucket, key, bucket, key, version_id),
        ).fetchall()
        for record in row:
            found = _object(record[0])
            if found.version_id == version_id:
                return found
        return None

    def remove_version(self, bucket: str, key: str, version_id: str) -> StoredObject | None:
        """Delete one version for good; when it was the current one, the newest remaining
        version becomes current. The removed version, if there was one."""
        with self._transaction():
            current = self.get(bucket, key)
            if current is not None and current.version_id == version_id:
                self._db.execute("DELETE FROM objects WHERE bucket = ? AND key = ?", (bucket, key))
                newest = self._db.execute(
                    "DELETE FROM versions WHERE rowid = (SELECT rowid FROM versions "
                    "WHERE bucket = ? AND key = ? ORDER BY seq DESC LIMIT 1) "
                    "RETURNING seq, record",
                    (bucket, key),
                ).fetchone()
                if newest is not None:
                    self._db.execute(
                        "INSERT INTO objects (bucket, key, seq, record) VALUES (?, ?, ?, ?)",
                        (bucket, key, newest[0], newest[1]),
                    )
                return current
            row = self._db.execute(
                "DELETE FROM versions WHERE bucket = ? AND key = ? AND version_id = ? "
                "RETURNING record",
                (bucket, key, version_id),
            ).fetchone()
        return None if row is None else _object(row[0])

    def scan_versions(
        self, bucket: str, prefix: str, from_key: str
    ) -> Iterator[tuple[StoredObject, bool]]:
        """Every version and delete marker whose key starts with `prefix` and sorts at or
        after `from_key`: by key, newest first, each with whether it is the current one."""
        cursor = self._db.execute(
            "SELECT key, seq, 1, record FROM objects WHERE bucket = ? AND key >= ? "
            "AND substr(key, 1, ?) = ? UNION ALL "
            "SELECT key, seq, 0, record FROM versions WHERE bucket = ? AND key >= ? "
            "AND substr(key, 1, ?) = ? ORDER BY 1, 2 DESC, 3 DESC",
            (bucket, from_key, len(prefix), prefix) * 2,
        )
        for row in cursor:
            yield _object(row[3]), bool(row[2])

    def update(self, bucket: str, stored: StoredObject) -> None:
        """Rewrite a version's metadata (tags) in place, keeping its blob."""
        record = msgspec.msgpack.encode(stored)
        with self._transaction():
            current = self.get(bucket, stored.key)
            if current is not None and current.version_id == stored.version_id:
                self._db.execute(
                    "UPDATE objects SET record = ? WHERE bucket = ? AND key = ?",
                    (record, bucket, stored.key),
                )
            else:
                self._db.execute(
                    "UPDATE versions SET record = ? WHERE bucket = ? AND key = ? "
                    "AND version_id = ?",
                    (record, bucket, stored.key, stored.version_id),
                )

    def remove(self, bucket: str, key: str) -> str | None:
        """Delete an object's row; the blob id it named."""
        with self._transaction():
            row = self._db.execute(
                "DELETE FROM objects WHERE bucket = ? AND key = ? RETURNING record", (bucket, key)
            ).fetchone()
        return None if row is None else _object(row[0]).blob_id

    def scan(self, bucket: str, prefix: str, after: str) -> Iterator[StoredObject]:
        """Objects whose key starts with `prefix` and sorts after `after`, in key order
        (keys whose current version is a delete marker are not listed)."""
        cursor = self._db.execute(
            "SELECT record FROM objects WHERE bucket = ? AND key > ? "
            "AND substr(key, 1, ?) = ? ORDER BY key",
            (bucket, after, len(prefix), prefix),
        )
        for row in cursor:
            found = _object(row[0])
            if not found.delete_marker:
                yield found

    # -- multipart uploads
    def add_upload(self, upload: Upload) -> None:
        with self._transaction():
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
        with self._transaction():
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
        with self._transaction():
            rows = self._db.execute(
                "DELETE FROM parts WHERE upload_id = ? RETURNING record", (upload_id,)
            ).fetchall()
            self._db.execute("DELETE FROM uploads WHERE upload_id = ?", (upload_id,))
            freed = [_part(row[0]).blob_id for row in rows]
            if stored is not None:
                replaced = self._put(bucket, stored)
                if replaced is not None:
                    freed.append(replaced)
        return freed

    def blob_ids(self) -> set[str]:
        """Every blob a row names (what `BlobStore.sweep` keeps)."""
        found = {_object(row[0]).blob_id for row in self._db.execute("SELECT record FROM objects")}
        found.update(
            _object(row[0]).blob_id for row in self._db.execute("SELECT record FROM versions")
        )
        found.discard("")  # delete markers
        found.update(_part(row[0]).blob_id for row in self._db.execute("SELECT record FROM parts"))
        return found


def _object(record: bytes) -> StoredObject:
    return msgspec.msgpack.decode(record, type=StoredObject)


def _part(record: bytes) -> Part:
    return msgspec.msgpack.decode(record, type=Part)
