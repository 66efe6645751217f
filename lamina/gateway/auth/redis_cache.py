"""The authorizer cache in Redis, shared by every edge process (cluster mode).

Its own module: redis-py takes a fifth of a second to import, paid only when asked for.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError

from lamina.gateway.auth.cache import AuthorizerAnswer

DEFAULT_REDIS_PREFIX = "lamina:authorizer:"

log = logging.getLogger("lamina.gateway")

_KEY_ENCODER = msgspec.json.Encoder()
_ANSWER_DECODER = msgspec.json.Decoder(AuthorizerAnswer)


class RedisAuthorizerCache:
    """Answers in Redis, shared by every edge process (cluster mode): one key per
    (authorizer, identity values) with Redis's own expiry.

    Redis being unreachable must not refuse requests that a fresh authorizer call could
    admit: a failed read is a miss and a failed write is skipped. After a failure Redis is
    left alone for `retry_after_s`, so requests do not each wait out a connect timeout."""

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

    def _key(self, key: tuple[str, ...]) -> str:
        # Identity values may hold any character: encode the tuple, do not join it.
        return self._prefix + _KEY_ENCODER.encode(key).decode()

    async def get(self, key: tuple[str, ...]) -> AuthorizerAnswer | None:
        if self._resting():
            return None
        try:
            raw = await self._client.get(self._key(key))
        except (RedisError, OSError) as error:
            self._failed(error)
            return None
        self._down_until = None
        return None if raw is None else _ANSWER_DECODER.decode(raw)

    async def put(self, key: tuple[str, ...], answer: AuthorizerAnswer, ttl_seconds: int) -> None:
        if ttl_seconds <= 0 or self._resting():
            return
        try:
            await self._client.set(self._key(key), _KEY_ENCODER.encode(answer), ex=ttl_seconds)
        except (RedisError, OSError) as error:
            self._failed(error)

    async def forget(self, authorizer_ids: frozenset[str]) -> None:
        """Every key of the authorizers, found with SCAN (never KEYS, which blocks Redis):
        a key is the JSON of (authorizer id, ...), so it starts `["{id}",`."""
        for authorizer_id in authorizer_ids:
            start = self._prefix + _KEY_ENCODER.encode([authorizer_id]).decode()[:-1] + ","
            pattern = "".join(f"\\{c}" if c in "*?[]\\" else c for c in start) + "*"
            names = [name async for name in self._client.scan_iter(match=pattern, count=500)]
            if names:
                await self._client.unlink(*names)

    def _resting(self) -> bool:
        return self._down_until is not None and self._clock() < self._down_until

    def _failed(self, error: Exception) -> None:
        if self._down_until is None:
            log.warning("authorizer cache unavailable, calling authorizers uncached: %s", error)
        self._down_until = self._clock() + self._retry_after_s

    async def close(self) -> None:
        await self._client.aclose()


def redis_authorizer_cache(url: str) -> RedisAuthorizerCache:
    """A cache on the Redis at `url`; its `key_prefix` query parameter, when given, goes
    before `authorizer:` so deployments sharing one Redis keep apart."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = next((value for name, value in query if name == "key_prefix"), None)
    rest = urlencode([(name, value) for name, value in query if name != "key_prefix"])
    client = Redis.from_url(urlunsplit(parts._replace(query=rest)))
    return RedisAuthorizerCache(client, f"{prefix}authorizer:" if prefix else DEFAULT_REDIS_PREFIX)
