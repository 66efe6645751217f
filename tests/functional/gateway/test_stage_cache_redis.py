"""The Redis stage cache and the authorizer cache's flush against a real Redis
(127.0.0.1:6379): entries shared between edges, Redis's expiry, a flush that empties one
stage only, and Redis being down."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from lamina.gateway.auth.cache import AuthorizerAnswer, MemoryAuthorizerCache
from lamina.gateway.auth.redis_cache import RedisAuthorizerCache
from lamina.gateway.cache import open_response_cache
from lamina.gateway.cache.memory import MemoryResponseCache
from lamina.gateway.cache.redis_store import RedisResponseCache
from tests.conftest import free_port

STAGE = "api1/Prod"
ANSWER = AuthorizerAnswer(principal_id="user-1")


@pytest.fixture
async def prefix(redis: Redis) -> AsyncIterator[str]:
    name = f"lamina:test:stage-cache:{uuid.uuid4().hex}:"
    yield name
    names = [key async for key in redis.scan_iter(match=name + "*")]
    if names:
        await redis.delete(*names)


async def test_an_entry_put_by_one_edge_is_read_by_another(redis: Redis, prefix: str) -> None:
    other = Redis(host="127.0.0.1", port=6379)
    first, second = RedisResponseCache(redis, prefix), RedisResponseCache(other, prefix)
    await first.put(STAGE, "k1", b"entry", 60, 1 << 20)
    assert await second.get(STAGE, "k1") == b"entry"
    assert await second.get("api1/Other", "k1") is None
    assert 0 < await redis.ttl(f"{prefix}{STAGE}:k1") <= 60
    await other.aclose()


async def test_redis_expiry_drops_the_entry(redis: Redis, prefix: str) -> None:
    cache = RedisResponseCache(redis, prefix)
    await cache.put(STAGE, "k1", b"entry", 1, 1 << 20)
    assert await cache.get(STAGE, "k1") == b"entry"
    await asyncio.sleep(1.2)
    assert await cache.get(STAGE, "k1") is None


async def test_flush_empties_one_stage_only(redis: Redis, prefix: str) -> None:
    cache = RedisResponseCache(redis, prefix)
    for number in range(1200):  # more than one SCAN / UNLINK batch
        await cache.put(STAGE, f"k{number}", b"e", 60, 1 << 20)
    await cache.put("api1/Prod2", "k1", b"kept", 60, 1 << 20)
    await cache.flush(STAGE)
    assert await cache.get(STAGE, "k7") is None
    assert [key async for key in redis.scan_iter(match=f"{prefix}{STAGE}:*")] == []
    assert await cache.get("api1/Prod2", "k1") == b"kept"


async def test_redis_down_is_a_miss_and_a_skipped_write(prefix: str) -> None:
    closed = Redis(
        host="127.0.0.1", port=free_port(), socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0)
    )
    cache = RedisResponseCache(closed, prefix)
    await cache.put(STAGE, "k1", b"entry", 60, 1 << 20)
    assert await cache.get(STAGE, "k1") is None
    await closed.aclose()


async def test_limits_url_selects_the_redis_stage_cache(redis: Redis, prefix: str) -> None:
    assert isinstance(open_response_cache(None), MemoryResponseCache)
    cache = open_response_cache(f"redis://127.0.0.1:6379/0?key_prefix={prefix}")
    assert isinstance(cache, RedisResponseCache)
    await cache.put(STAGE, "k1", b"entry", 60, 1 << 20)
    assert await redis.exists(f"{prefix}cache:{STAGE}:k1") == 1
    await cache.close()


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_authorizer_cache_forgets_the_named_authorizers(
    kind: str, redis: Redis, prefix: str
) -> None:
    cache = MemoryAuthorizerCache() if kind == "memory" else RedisAuthorizerCache(redis, prefix)
    await cache.put(("auth1", "token-a"), ANSWER, 60)
    await cache.put(("auth1", "token-b"), ANSWER, 60)
    await cache.put(("auth10", "token-a"), ANSWER, 60)  # a prefix of its id is not it
    await cache.put(("auth2", "token-a"), ANSWER, 60)
    await cache.forget(frozenset({"auth1"}))
    assert await cache.get(("auth1", "token-a")) is None
    assert await cache.get(("auth1", "token-b")) is None
    assert await cache.get(("auth10", "token-a")) == ANSWER
    assert await cache.get(("auth2", "token-a")) == ANSWER


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_authorizer_cache_forgets_one_stage_only_when_named(
    kind: str, redis: Redis, prefix: str
) -> None:
    """Keys are (authorizer id, stage, values...): FlushStageAuthorizersCache "flushes all
    authorizer cache entries on a stage", the other stages' stay."""
    cache = MemoryAuthorizerCache() if kind == "memory" else RedisAuthorizerCache(redis, prefix)
    await cache.put(("auth1", "Prod", "token-a"), ANSWER, 60)
    await cache.put(("auth1", "Prodx", "token-a"), ANSWER, 60)  # a prefix of its name is not it
    await cache.put(("auth1", "Stage", "token-a"), ANSWER, 60)
    await cache.put(("auth2", "Prod", "token-a"), ANSWER, 60)
    await cache.forget(frozenset({"auth1"}), "Prod")
    assert await cache.get(("auth1", "Prod", "token-a")) is None
    assert await cache.get(("auth1", "Prodx", "token-a")) == ANSWER
    assert await cache.get(("auth1", "Stage", "token-a")) == ANSWER
    assert await cache.get(("auth2", "Prod", "token-a")) == ANSWER
