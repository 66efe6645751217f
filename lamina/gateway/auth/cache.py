"""Authorizer result caching: what a Lambda authorizer answered for a set of identity
values, kept for the authorizer's TTL so the function is not called again.

API Gateway keys the cache on the identity source values (a TOKEN authorizer's token,
a REQUEST authorizer's listed headers / query strings / stage variables / context values)
and, for REST APIs, caches the returned policy and evaluates it again against each
method ARN it is asked about.
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html#http-api-lambda-authorizer.caching

The cache sits behind `AuthorizerCache`: in process, a bounded LRU with per-entry expiry;
in a cluster, Redis (redis_cache.py, as DESIGN.md plans), shared by every edge process.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

import msgspec

from lamina.gateway.redis_url import is_redis_url

DEFAULT_MAX_ENTRIES = 10_000


class AuthorizerAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """What a Lambda authorizer answered, already validated — the unit that is cached.

    Either a policy (principal_id + statements) or a simple response (is_authorized)."""

    principal_id: str | None = None
    statements: tuple[dict[str, Any], ...] = ()
    context: dict[str, Any] | None = None
    usage_identifier_key: str | None = None
    is_authorized: bool | None = None
    """Set for HTTP API simple responses only."""


class AuthorizerCache(Protocol):
    """Where answers live between calls; keys are (authorizer id, identity values...)."""

    async def get(self, key: tuple[str, ...]) -> AuthorizerAnswer | None: ...

    async def put(
        self, key: tuple[str, ...], answer: AuthorizerAnswer, ttl_seconds: int
    ) -> None: ...

    async def forget(self, authorizer_ids: frozenset[str], stage: str | None = None) -> None:
        """Drop the answers of these authorizers on `stage` (FlushStageAuthorizersCache),
        or on every stage when it is None. Keys are (authorizer id, stage, values...)."""
        ...

    async def close(self) -> None: ...


class MemoryAuthorizerCache:
    """In-process LRU: at most `max_entries` answers, each dropped once its TTL passed.

    `clock` returns seconds (monotonic); tests pass their own to step time."""

    def __init__(
        self,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._entries: OrderedDict[tuple[str, ...], tuple[float, AuthorizerAnswer]] = OrderedDict()
        self._max = max_entries
        self._clock = clock

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: tuple[str, ...]) -> AuthorizerAnswer | None:
        found = self._entries.get(key)
        if found is None:
            return None
        expires, answer = found
        if self._clock() >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return answer

    async def put(self, key: tuple[str, ...], answer: AuthorizerAnswer, ttl_seconds: int) -> None:
        if ttl_seconds <= 0:
            return
        self._entries[key] = (self._clock() + ttl_seconds, answer)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    async def forget(self, authorizer_ids: frozenset[str], stage: str | None = None) -> None:
        for key in [
            key
            for key in self._entries
            if key and key[0] in authorizer_ids and (stage is None or key[1:2] == (stage,))
        ]:
            del self._entries[key]

    async def close(self) -> None:
        self._entries.clear()


def open_authorizer_cache(url: str | None) -> AuthorizerCache:
    """The cache `lamina up --limits URL` implies: Redis for a redis:// (rediss://, unix://)
    URL, shared with the other edge processes using it; in this process for None. The
    URL's `key_prefix` parameter (see limits.limiter.open_limiter) prefixes the keys too."""
    if not is_redis_url(url):
        return MemoryAuthorizerCache()
    # redis-py takes a fifth of a second to import: only when asked for.
    from lamina.gateway.auth.redis_cache import redis_authorizer_cache

    return redis_authorizer_cache(url)
