"""Object bytes read while the object is overwritten or deleted: every reader opens the
blob before it awaits, so freeing the blob right after (what a concurrent PutObject,
DeleteObject or AbortMultipartUpload does) neither fails the read nor cuts it short."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from lamina.http.body import StreamedBody, collected
from lamina.services.s3 import transfer
from lamina.services.s3.blob import BlobStore
from lamina.services.s3.state import S3State
from lamina.services.s3.store import S3Store


@pytest.fixture
def state(tmp_path: Path) -> S3State:
    return S3State(S3Store(tmp_path / "s3.sqlite"), BlobStore(tmp_path), lambda: 0.0, "1" * 12)


def _blob(state: S3State, size: int) -> tuple[str, bytes]:
    data = os.urandom(size)
    return state.blobs.write([data]).blob_id, data


@pytest.mark.parametrize("size", [1000, 200 * 1024, 1024 * 1024])
async def test_answer_freed_while_it_reads_gives_the_whole_blob(state: S3State, size: int) -> None:
    blob_id, data = _blob(state, size)
    reading = asyncio.create_task(transfer.answer(state, blob_id, 10, size))
    await asyncio.sleep(0)  # the read is under way
    state.free(blob_id)
    body = await reading
    got = await collected(body) if isinstance(body, StreamedBody) else body
    assert got == data[10:]


async def test_copy_freed_while_it_copies_gives_the_range(state: S3State) -> None:
    blob_id, data = _blob(state, 300_000)
    copying = asyncio.create_task(transfer.copy(state, blob_id, 5, 250_000))
    await asyncio.sleep(0)
    state.free(blob_id)
    written = await copying
    assert state.blobs.path(written.blob_id).read_bytes() == data[5:250_000]
    assert written.size == 250_000 - 5


async def test_join_of_parts_freed_while_it_joins_gives_them_in_order(state: S3State) -> None:
    parts = [_blob(state, size) for size in (70_000, 1, 40_000)]
    blob_ids = [blob_id for blob_id, _ in parts]
    joining = asyncio.create_task(transfer.join(state, blob_ids))
    await asyncio.sleep(0)
    state.free(*blob_ids)
    written = await joining
    assert state.blobs.path(written.blob_id).read_bytes() == b"".join(data for _, data in parts)


def test_join_naming_a_missing_blob_fails_without_leaking_descriptors(state: S3State) -> None:
    kept, _ = _blob(state, 10)
    before = len(os.listdir("/proc/self/fd"))
    with pytest.raises(FileNotFoundError):
        asyncio.run(transfer.join(state, [kept, "0" * 32]))
    assert len(os.listdir("/proc/self/fd")) == before
