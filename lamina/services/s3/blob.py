"""Object bodies as files, written so that a crash never leaves a partial object visible.

A body is written to `tmp/` first, fsynced, then renamed into `blobs/` under a fresh id;
only then does the metadata row that names it commit (store.py). A crash before the rename
leaves a temporary file, a crash between rename and commit an unreferenced blob: `sweep`
removes both when the store opens again.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterable
from pathlib import Path


class Written:
    """A blob just stored: its id, size and MD5 (hex)."""

    __slots__ = ("blob_id", "md5", "size")

    def __init__(self, blob_id: str, size: int, md5: str) -> None:
        self.blob_id = blob_id
        self.size = size
        self.md5 = md5


class BlobStore:
    def __init__(self, root: Path) -> None:
        self._blobs = root / "blobs"
        self._tmp = root / "tmp"
        self._blobs.mkdir(parents=True, exist_ok=True)
        self._tmp.mkdir(parents=True, exist_ok=True)

    def write(self, chunks: Iterable[bytes]) -> Written:
        """Store the concatenation of `chunks` atomically under a new id."""
        blob_id = uuid.uuid4().hex
        temporary = self._tmp / blob_id
        digest = hashlib.md5(usedforsecurity=False)
        size = 0
        with temporary.open("wb") as file:
            for chunk in chunks:
                file.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self._path(blob_id))
        self._sync_directory()
        return Written(blob_id, size, digest.hexdigest())

    def read(self, blob_id: str, start: int = 0, end: int | None = None) -> bytes:
        """Bytes [start, end) of a blob (to its end when `end` is None)."""
        with self._path(blob_id).open("rb") as file:
            file.seek(start)
            return file.read() if end is None else file.read(end - start)

    def chunks(self, blob_id: str, size: int = 1 << 20) -> Iterable[bytes]:
        with self._path(blob_id).open("rb") as file:
            while chunk := file.read(size):
                yield chunk

    def delete(self, blob_id: str) -> None:
        self._path(blob_id).unlink(missing_ok=True)

    def sweep(self, referenced: set[str]) -> int:
        """Remove temporary files and blobs no row names (left by a crash); how many."""
        removed = 0
        for path in self._tmp.iterdir():
            path.unlink(missing_ok=True)
            removed += 1
        for path in self._blobs.iterdir():
            if path.name not in referenced:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def _path(self, blob_id: str) -> Path:
        if not blob_id.isalnum():
            raise ValueError(f"not a blob id: {blob_id!r}")
        return self._blobs / blob_id

    def _sync_directory(self) -> None:
        # The rename is durable only once the directory entry is.
        descriptor = os.open(self._blobs, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
