"""The REST API stage cache (API Gateway's "API cache"): integration responses kept per
stage for the method's TTL so a repeated request is answered without the integration.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html

    stages/cache.py LookupCache ─ plan (policy.py: which methods, key, TTL) ─► ResponseCache.get
    stages/cache.py StoreCache  ─ entry.py (encode, AES-GCM when encrypted) ─► ResponseCache.put

`ResponseCache` is the seam: in process (memory.py, an LRU bounded in bytes by the stage's
cache cluster size) or Redis (redis_store.py, shared by every edge process; Redis's own
expiry and maxmemory policy bound it), chosen by `open_response_cache` as the authorizer
cache is chosen (`lamina up --limits redis://...`).

May import lamina.gateway's model, context and errors; never lamina.services or config.
"""

from __future__ import annotations

from typing import Protocol

from lamina.gateway.redis_url import is_redis_url


class ResponseCache(Protocol):
    """Encoded entries by stage (`{apiId}/{stageName}`) and key; each stage is one cache
    cluster: FlushStageCache empties one, and its capacity bounds it."""

    async def get(self, stage: str, key: str) -> bytes | None: ...

    async def put(
        self, stage: str, key: str, entry: bytes, ttl_seconds: int, capacity_bytes: int
    ) -> None: ...

    async def flush(self, stage: str) -> None:
        """Drop every entry of the stage (FlushStageCache)."""
        ...

    async def close(self) -> None: ...


def open_response_cache(url: str | None) -> ResponseCache:
    """The cache `lamina up --limits URL` implies: Redis for a redis:// (rediss://, unix://)
    URL, shared with the other edge processes using it (its `key_prefix` parameter prefixes
    the keys); in this process for None or any other URL."""
    if not is_redis_url(url):
        from lamina.gateway.cache.memory import MemoryResponseCache

        return MemoryResponseCache()
    # redis-py takes a fifth of a second to import: only when asked for.
    from lamina.gateway.cache.redis_store import redis_response_cache

    return redis_response_cache(url)
