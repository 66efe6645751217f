"""What the Redis-backed caches (authorizer answers, stage responses) share: a client
that rests after a failure, the glob escape SCAN patterns need, and the `key_prefix`
URL parameter that keeps deployments sharing one Redis apart.

Imported only by those caches' own modules: redis-py takes a fifth of a second to import.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger("lamina.gateway")

T = TypeVar("T")


class RedisBacked:
    """A Redis client whose failures do not fail requests: a failed read is a miss and a
    failed write is skipped. After a failure Redis is left alone for `retry_after_s`, so
    requests do not each wait out a connect timeout; `unavailable` is the warning logged
    (with the error) when Redis first fails; keys start with `prefix`, `default_prefix`
    when not given."""

    unavailable: ClassVar[str]
    default_prefix: ClassVar[str]

    def __init__(
        self,
        client: Redis,
        prefix: str | None = None,
        *,
        retry_after_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._prefix = self.default_prefix if prefix is None else prefix
        self._retry_after_s = retry_after_s
        self._clock = clock
        self._down_until: float | None = None

    async def _guarded(self, call: Callable[[], Awaitable[T]], fallback: T) -> T:
        """`call()`'s answer, or `fallback` when Redis is resting or the call fails."""
        if self._resting():
            return fallback
        try:
            answer = await call()
        except (RedisError, OSError) as error:
            self._failed(error)
            return fallback
        self._down_until = None
        return answer

    async def _read(self, name: str) -> Any:
        """The value at `name`, or None when absent, resting or failing."""
        return await self._guarded(lambda: self._client.get(name), None)

    async def _write(self, name: str, value: bytes, ttl_seconds: int) -> None:
        """`value` at `name` for `ttl_seconds` (Redis's own expiry); skipped when the TTL
        is not positive, Redis is resting, or the write fails."""
        if ttl_seconds > 0:
            await self._guarded(lambda: self._client.set(name, value, ex=ttl_seconds), None)

    def _resting(self) -> bool:
        return self._down_until is not None and self._clock() < self._down_until

    def _failed(self, error: Exception) -> None:
        if self._down_until is None:
            log.warning("%s: %s", self.unavailable, error)
        self._down_until = self._clock() + self._retry_after_s

    async def close(self) -> None:
        await self._client.aclose()


def glob_escape(text: str) -> str:
    """`text` matched literally by a Redis glob (SCAN's MATCH)."""
    return "".join(f"\\{char}" if char in "*?[]\\" else char for char in text)


def redis_from_url(url: str, namespace: str, default_prefix: str) -> tuple[Redis, str]:
    """A client on the Redis at `url` and the key prefix: the URL's `key_prefix` query
    parameter, when given, goes before `namespace`; otherwise `default_prefix`."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = next((value for name, value in query if name == "key_prefix"), None)
    rest = urlencode([(name, value) for name, value in query if name != "key_prefix"])
    client = Redis.from_url(urlunsplit(parts._replace(query=rest)))
    return client, f"{prefix}{namespace}" if prefix else default_prefix
