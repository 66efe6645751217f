"""Object bodies as files, written so that a crash never leaves a partial object visible.

A body is written to `tmp/` first (as it arrives: BlobWriter), fsynced, then renamed into
`blobs/` under a fresh id; only then does the metadata row that names it commit (store.py).
`tmp/` sits beside `blobs/`, on the same filesystem, so the rename is atomic. A crash
before the rename leaves a temporary file, a crash between rename and commit an
unreferenced blob: `sweep` removes both when the store opens again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

COPY_CHUNK = 1 << 20
"""Bytes read at a time when a copy digests what it copies."""


class Digest(Protocol):
    """Something that digests a blob's bytes as they are written (a checksum)."""

    def update(self, data: bytes, /) -> None: ...


class Written:
    """A blob just stored: its id, size and MD5 (hex)."""

    __slots__ = ("blob_id", "md5", "size")

    def __init__(self, blob_id: str, size: int, md5: str) -> None:
        self.blob_id = blob_id
        self.size = size
        self.md5 = md5


class BlobWriter:
    """One blob being written: `write` appends to its temporary file, digesting the bytes
    on the way (MD5 and `digests`); `commit` makes it a blob (fsync, rename), `discard`
    forgets it. Not thread-safe: one writer is driven by one task."""

    def __init__(self, store: BlobStore, digests: Sequence[Digest] = ()) -> None:
        self._store = store
        self.blob_id = uuid.uuid4().hex
        self._temporary = store.temporary(self.blob_id)
        self._file = self._temporary.open("wb")
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._digests = digests
        self.size = 0

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self._md5.update(data)
        for digest in self._digests:
            digest.update(data)
        self.size += len(data)

    def fileno(self) -> int:
        """The temporary file's descriptor, flushed (for copies made by the kernel)."""
        self._file.flush()
        return self._file.fileno()

    @property
    def md5(self) -> str:
        """The hex MD5 of the bytes written so far."""
        return self._md5.hexdigest()

    def commit(self) -> Written:
        """Durable under the blob id (blocking: it fsyncs the file and the directory)."""
        with self._file:
            self._file.flush()
            os.fsync(self._file.fileno())
        os.replace(self._temporary, self._store.path(self.blob_id))
        self._store.sync_directory()
        return Written(self.blob_id, self.size, self.md5)

    def discard(self) -> None:
        self._file.close()
        self._temporary.unlink(missing_ok=True)


class BlobStore:
    def __init__(self, root: Path) -> None:
        self._blobs = root / "blobs"
        self._tmp = root / "tmp"
        self._blobs.mkdir(parents=True, exist_ok=True)
        self._tmp.mkdir(parents=True, exist_ok=True)

    def writer(self, digests: Sequence[Digest] = ()) -> BlobWriter:
        """A new blob, to be written piece by piece (blocking: it opens a file)."""
        return BlobWriter(self, digests)

    def write(self, chunks: Iterable[bytes]) -> Written:
        """Store the concatenation of `chunks` atomically under a new id."""
        writer = self.writer()
        try:
            for chunk in chunks:
                writer.write(chunk)
            return writer.commit()
        except BaseException:
            writer.discard()
            raise

    def open(self, blob_id: str) -> int:
        """A read-only descriptor of a blob: its bytes stay readable through it even if
        the blob is deleted meanwhile. Readers open it before they next await, so that an
        overwrite or delete of the object, which unlinks its blob, cannot cut them short
        (or fail them) once they looked the object up."""
        return os.open(self.path(blob_id), os.O_RDONLY)

    def copy(self, descriptor: int, start: int, end: int) -> Written:
        """A new blob holding bytes [start, end) of an open blob (CopyObject,
        UploadPartCopy), digested for its MD5. Closes `descriptor`."""
        with open(descriptor, "rb") as source:
            writer = self.writer()
            try:
                source.seek(start)
                left = end - start
                while left and (chunk := source.read(min(COPY_CHUNK, left))):
                    writer.write(chunk)
                    left -= len(chunk)
                return writer.commit()
            except BaseException:
                writer.discard()
                raise

    def join(self, descriptors: Sequence[int]) -> Written:
        """A new blob holding open blobs' bytes one after the other (a completed multipart
        upload), copied inside the kernel where it can (copy_file_range). Its `md5` is
        left empty: a multipart object's ETag is not the MD5 of its bytes. Closes the
        descriptors."""
        try:
            writer = self.writer()
            try:
                for descriptor in descriptors:
                    writer.size += _copy(descriptor, writer.fileno())
                return Written(writer.commit().blob_id, writer.size, "")
            except BaseException:
                writer.discard()
                raise
        finally:
            for descriptor in descriptors:
                os.close(descriptor)

    def delete(self, blob_id: str) -> None:
        self.path(blob_id).unlink(missing_ok=True)

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

    def path(self, blob_id: str) -> Path:
        if not blob_id.isalnum():
            raise ValueError(f"not a blob id: {blob_id!r}")
        return self._blobs / blob_id

    def temporary(self, blob_id: str) -> Path:
        return self._tmp / blob_id

    def sync_directory(self) -> None:
        # The rename is durable only once the directory entry is.
        descriptor = os.open(self._blobs, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def read_range(descriptor: int, start: int, end: int) -> bytes:
    """Bytes [start, end) of an open blob. Closes `descriptor`."""
    try:
        pieces: list[bytes] = []
        offset = start
        while offset < end and (piece := os.pread(descriptor, end - offset, offset)):
            pieces.append(piece)
            offset += len(piece)
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)
    finally:
        os.close(descriptor)


def _copy(source: int, target: int) -> int:
    """Copy the rest of `source` to `target`; the bytes copied."""
    copied = 0
    try:
        while done := os.copy_file_range(source, target, 1 << 30):
            copied += done
        return copied
    except OSError:
        if copied:
            raise
    with open(source, "rb", closefd=False) as reader, open(target, "wb", closefd=False) as out:
        shutil.copyfileobj(reader, out, 1 << 20)
        return reader.tell()
