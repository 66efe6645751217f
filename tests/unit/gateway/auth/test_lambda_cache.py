"""The in-process authorizer cache: TTL expiry on an injected clock, LRU bound."""

from __future__ import annotations

from lamina.gateway.auth.cache import AuthorizerAnswer, MemoryAuthorizerCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


ANSWER = AuthorizerAnswer(principal_id="u", statements=({"Effect": "Allow"},))


async def test_answer_is_kept_until_its_ttl_passes() -> None:
    clock = Clock()
    cache = MemoryAuthorizerCache(clock=clock)
    await cache.put(("a", "token"), ANSWER, 300)
    clock.now += 299.9
    assert await cache.get(("a", "token")) == ANSWER
    clock.now += 0.1
    assert await cache.get(("a", "token")) is None
    assert len(cache) == 0


async def test_ttl_zero_caches_nothing() -> None:
    cache = MemoryAuthorizerCache(clock=Clock())
    await cache.put(("a", "token"), ANSWER, 0)
    assert await cache.get(("a", "token")) is None


async def test_keys_are_per_authorizer_and_identity() -> None:
    cache = MemoryAuthorizerCache(clock=Clock())
    await cache.put(("a", "token"), ANSWER, 60)
    assert await cache.get(("b", "token")) is None
    assert await cache.get(("a", "other")) is None


async def test_least_recently_used_entry_goes_first_past_the_bound() -> None:
    cache = MemoryAuthorizerCache(max_entries=2, clock=Clock())
    await cache.put(("a", "1"), ANSWER, 60)
    await cache.put(("a", "2"), ANSWER, 60)
    assert await cache.get(("a", "1")) == ANSWER  # 1 is now the most recent
    await cache.put(("a", "3"), ANSWER, 60)
    assert await cache.get(("a", "2")) is None
    assert await cache.get(("a", "1")) == ANSWER
    assert await cache.get(("a", "3")) == ANSWER
    assert len(cache) == 2
