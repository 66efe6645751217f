"""The stage cache in Redis, shared by every edge process (cluster mode).

Entries expire by Redis's own TTL (SET ... EX). Capacity is Redis's: set `maxmemory` with
an LRU eviction policy (`allkeys-lru`, or `volatile-lru` since every entry has a TTL) for
the cache cluster size to be a bound; the stage's cacheClusterSize is not enforced here.
Its own module: redis-py takes a fifth of a second to import, paid only when asked for.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.exceptions import RedisError

DEFAULT_REDIS_PREFIX = "lamina:cache:"
_FLUSH_BATCH = 500

log = logging.getLogger("lamina.gateway")


class RedisResponseCache:
    """One Redis key per entry, `{prefix}{apiId}/{stage}:{key}`.

    Redis being unreachable must not fail requests the integration can answer: a failed
    read is a miss and a failed write is skipped; after a failure Redis is left alone for
    `retry_after_s` so requests do not each wait out a connect timeout."""

    def __init__(
        self,
        client: Redis,
        prefix: str = DEFAULT_REDIS_PREFIX,
        *,
        retry_after_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._retry_after_s = retry_after_s
        self._clock = clock
        self._down_until: float | None = None

    def _key(self, stage: str, key: str) -> str:
        return f"{self._prefix}{stage}:{key}"

    async def get(self, stage: str, key: str) -> bytes | None:
        if self._resting():
            return None
        try:
            raw = await self._client.get(self._key(stage, key))
        except (RedisError, OSError) as error:
            self._failed(error)
            return None
        self._down_until = None
        return raw.encode() if isinstance(raw, str) else raw

    async def put(
        self, stage: str, key: str, entry: bytes, ttl_seconds: int, capacity_bytes: int
    ) -> None:
        if ttl_seconds <= 0 or self._resting():
            return
        try:
            await self._client.set(self._key(stage, key), entry, ex=ttl_seconds)
        except (RedisError, OSError) as error:
            self._failed(error)

    async def flush(self, stage: str) -> None:
        """Every key of the stage, found with SCAN (never KEYS, which blocks Redis)."""
        pattern = _glob_escape(f"{self._prefix}{stage}:") + "*"
        batch: list[bytes] = []
        async for name in self._client.scan_iter(match=pattern, count=_FLUSH_BATCH):
            batch.append(name)
            if len(batch) >= _FLUSH_BATCH:
                await self._client.unlink(*batch)
                batch = []
        if batch:
            await self._client.unlink(*batch)

    def _resting(self) -> bool:
        return self._down_until is not None and self._clock() < self._down_until

    def _failed(self, error: Exception) -> None:
        if self._down_until is None:
            log.warning("stage cache unavailable, answering from integrations: %s", error)
        self._down_until = self._clock() + self._retry_after_s

    async def close(self) -> None:
        await self._client.aclose()


def _glob_escape(text: str) -> str:
    """`text` matched literally by a Redis glob (stage names may hold no `*?[`, API
    ids neither; the prefix might)."""
    return "".join(f"\\{char}" if char in "*?[]\\" else char for char in text)


def redis_response_cache(url: str) -> RedisResponseCache:
    """A cache on the Redis at `url`; its `key_prefix` query parameter, when given, goes
    before `cache:` so deployments sharing one Redis keep apart."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = next((value for name, value in query if name == "key_prefix"), None)
    rest = urlencode([(name, value) for name, value in query if name != "key_prefix"])
    client = Redis.from_url(urlunsplit(parts._replace(query=rest)))
    return RedisResponseCache(client, f"{prefix}cache:" if prefix else DEFAULT_REDIS_PREFIX)
