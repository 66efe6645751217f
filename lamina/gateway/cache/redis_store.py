"""The stage cache in Redis, shared by every edge process (cluster mode).

Entries expire by Redis's own TTL (SET ... EX). Capacity is Redis's: set `maxmemory` with
an LRU eviction policy (`allkeys-lru`, or `volatile-lru` since every entry has a TTL) for
the cache cluster size to be a bound; the stage's cacheClusterSize is not enforced here.
Its own module: redis-py takes a fifth of a second to import, paid only when asked for.
"""

from __future__ import annotations

from lamina.gateway.redis_backed import RedisBacked, glob_escape, redis_from_url

DEFAULT_REDIS_PREFIX = "lamina:cache:"
_FLUSH_BATCH = 500


class RedisResponseCache(RedisBacked):
    """One Redis key per entry, `{prefix}{apiId}/{stage}:{key}`.

    Redis being unreachable must not fail requests the integration can answer: a failed
    read is a miss and a failed write is skipped (see RedisBacked)."""

    unavailable = "stage cache unavailable, answering from integrations"
    default_prefix = DEFAULT_REDIS_PREFIX

    def _key(self, stage: str, key: str) -> str:
        return f"{self._prefix}{stage}:{key}"

    async def get(self, stage: str, key: str) -> bytes | None:
        raw = await self._read(self._key(stage, key))
        return raw.encode() if isinstance(raw, str) else raw

    async def put(
        self, stage: str, key: str, entry: bytes, ttl_seconds: int, capacity_bytes: int
    ) -> None:
        await self._write(self._key(stage, key), entry, ttl_seconds)

    async def flush(self, stage: str) -> None:
        """Every key of the stage, found with SCAN (never KEYS, which blocks Redis); stage
        names and API ids hold no `*?[`, the prefix might."""
        pattern = glob_escape(f"{self._prefix}{stage}:") + "*"
        batch: list[bytes] = []
        async for name in self._client.scan_iter(match=pattern, count=_FLUSH_BATCH):
            batch.append(name)
            if len(batch) >= _FLUSH_BATCH:
                await self._client.unlink(*batch)
                batch = []
        if batch:
            await self._client.unlink(*batch)


def redis_response_cache(url: str) -> RedisResponseCache:
    """A cache on the Redis at `url`; its `key_prefix` query parameter, when given, goes
    before `cache:` so deployments sharing one Redis keep apart."""
    return RedisResponseCache(*redis_from_url(url, "cache:", DEFAULT_REDIS_PREFIX))
