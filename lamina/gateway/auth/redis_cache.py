"""The authorizer cache in Redis, shared by every edge process (cluster mode).

Its own module: redis-py takes a fifth of a second to import, paid only when asked for.
"""

from __future__ import annotations

import msgspec

from lamina.gateway.auth.cache import AuthorizerAnswer
from lamina.gateway.redis_backed import RedisBacked, glob_escape, redis_from_url

DEFAULT_REDIS_PREFIX = "lamina:authorizer:"

_KEY_ENCODER = msgspec.json.Encoder()
_ANSWER_DECODER = msgspec.json.Decoder(AuthorizerAnswer)


class RedisAuthorizerCache(RedisBacked):
    """Answers in Redis, shared by every edge process (cluster mode): one key per
    (authorizer, identity values) with Redis's own expiry.

    Redis being unreachable must not refuse requests that a fresh authorizer call could
    admit: a failed read is a miss and a failed write is skipped (see RedisBacked)."""

    unavailable = "authorizer cache unavailable, calling authorizers uncached"
    default_prefix = DEFAULT_REDIS_PREFIX

    def _key(self, key: tuple[str, ...]) -> str:
        # Identity values may hold any character: encode the tuple, do not join it.
        return self._prefix + _KEY_ENCODER.encode(key).decode()

    async def get(self, key: tuple[str, ...]) -> AuthorizerAnswer | None:
        raw = await self._read(self._key(key))
        return None if raw is None else _ANSWER_DECODER.decode(raw)

    async def put(self, key: tuple[str, ...], answer: AuthorizerAnswer, ttl_seconds: int) -> None:
        await self._write(self._key(key), _KEY_ENCODER.encode(answer), ttl_seconds)

    async def forget(self, authorizer_ids: frozenset[str], stage: str | None = None) -> None:
        """Every key of the authorizers (on `stage`, when given), found with SCAN (never
        KEYS, which blocks Redis): a key is the JSON of (authorizer id, stage, ...), so it
        starts `["{id}",` (`["{id}","{stage}",`)."""
        for authorizer_id in authorizer_ids:
            head = [authorizer_id] if stage is None else [authorizer_id, stage]
            start = self._prefix + _KEY_ENCODER.encode(head).decode()[:-1] + ","
            pattern = glob_escape(start) + "*"
            names = [name async for name in self._client.scan_iter(match=pattern, count=500)]
            if names:
                await self._client.unlink(*names)


def redis_authorizer_cache(url: str) -> RedisAuthorizerCache:
    """A cache on the Redis at `url`; its `key_prefix` query parameter, when given, goes
    before `authorizer:` so deployments sharing one Redis keep apart."""
    return RedisAuthorizerCache(*redis_from_url(url, "authorizer:", DEFAULT_REDIS_PREFIX))
