"""The Redis authorizer cache against a real Redis (127.0.0.1:6379): answers shared
between two caches (two edge processes), Redis's expiry, and Redis being down."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from lamina.config.ids import physical_id
from lamina.gateway.auth.cache import AuthorizerAnswer, MemoryAuthorizerCache, open_authorizer_cache
from lamina.gateway.auth.redis_cache import RedisAuthorizerCache
from tests.conftest import FIXTURES, LaminaProcess, free_port

ANSWER = AuthorizerAnswer(
    principal_id="user-1",
    statements=({"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"},),
    context={"n": 1, "tags": ["a", "b"]},
    usage_identifier_key="key-1",
)


@pytest.fixture
def prefix() -> str:
    return f"lamina:test:authorizer:{uuid.uuid4().hex}:"


async def test_an_answer_put_by_one_edge_is_read_by_another(redis: Redis, prefix: str) -> None:
    first = RedisAuthorizerCache(redis, prefix)
    other_edge = Redis(host="127.0.0.1", port=6379)
    second = RedisAuthorizerCache(other_edge, prefix)
    await first.put(("auth1", "Bearer a|b", "x"), ANSWER, 60)
    assert await second.get(("auth1", "Bearer a|b", "x")) == ANSWER
    # Tuples are encoded, not joined: ("a|b",) and ("a", "b") are different identities.
    assert await second.get(("auth1", "Bearer a", "b|x")) is None
    assert 0 < await redis.ttl(prefix + '["auth1","Bearer a|b","x"]') <= 60
    await other_edge.aclose()


async def test_redis_expiry_drops_the_answer(redis: Redis, prefix: str) -> None:
    cache = RedisAuthorizerCache(redis, prefix)
    await cache.put(("auth1", "t"), ANSWER, 1)
    assert await cache.get(("auth1", "t")) == ANSWER
    await asyncio.sleep(1.2)
    assert await cache.get(("auth1", "t")) is None


async def test_ttl_zero_writes_nothing(redis: Redis, prefix: str) -> None:
    cache = RedisAuthorizerCache(redis, prefix)
    await cache.put(("auth1", "t"), ANSWER, 0)
    assert await redis.keys(prefix + "*") == []


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class CountingRedis(Redis):
    """A client that counts the commands it tries to send."""

    tries = 0

    async def execute_command(self, *args: object, **options: object) -> object:
        self.tries += 1
        return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]


async def test_redis_down_is_a_miss_and_is_left_alone_for_a_while(prefix: str) -> None:
    closed = CountingRedis(
        host="127.0.0.1", port=free_port(), socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0)
    )
    clock = Clock()
    cache = RedisAuthorizerCache(closed, prefix, retry_after_s=5.0, clock=clock)
    assert await cache.get(("auth1", "t")) is None
    await cache.put(("auth1", "t"), ANSWER, 60)
    assert await cache.get(("auth1", "t")) is None
    assert closed.tries == 1  # only the first request paid for the refused connection
    clock.now += 5.0
    assert await cache.get(("auth1", "t")) is None
    assert closed.tries == 2
    await closed.aclose()


async def test_lamina_up_limits_url_selects_the_redis_cache(redis: Redis, prefix: str) -> None:
    assert isinstance(open_authorizer_cache(None), MemoryAuthorizerCache)
    cache = open_authorizer_cache(f"redis://127.0.0.1:6379/0?key_prefix={prefix}")
    assert isinstance(cache, RedisAuthorizerCache)
    await cache.put(("auth1", "t"), ANSWER, 60)
    assert await redis.exists(prefix + 'authorizer:["auth1","t"]') == 1
    await cache.close()


async def test_lamina_up_with_redis_limits_caches_authorizer_answers_there(
    redis: Redis, prefix: str
) -> None:
    lamina = LaminaProcess(
        FIXTURES / "apps" / "authorizers",
        "--limits",
        f"redis://127.0.0.1:6379/0?key_prefix={prefix}",
    )
    try:
        host = f"{physical_id('authorizers', 'AuthRestApi')}.execute-api.localhost"
        headers = {"Host": host, "Authorization": "Bearer shared"}
        async with httpx.AsyncClient(base_url=lamina.base, timeout=30) as client:
            first = (await client.get("/prod/token", headers=headers)).json()
            second = (await client.get("/prod/token", headers=headers)).json()
    finally:
        lamina.stop()
    invocation = first["requestContext"]["authorizer"]["invocation"]
    assert second["requestContext"]["authorizer"]["invocation"] == invocation
    keys = await redis.keys(prefix + "authorizer:*")
    assert len(keys) == 1 and b"Bearer shared" in keys[0]
