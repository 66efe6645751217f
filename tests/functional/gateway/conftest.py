"""Fixtures the gateway's functional tests share: the Redis at 127.0.0.1:6379 that the
cluster backends (rate counters, authorizer and stage caches) are tested against."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    """A client of the local Redis; the test is skipped when none answers."""
    client = Redis(host="127.0.0.1", port=6379)
    try:
        await client.ping()
    except OSError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    yield client
    await client.aclose()
