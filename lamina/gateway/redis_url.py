"""Whether a `lamina up --limits` URL names a Redis, without importing redis-py (a fifth of
a second): the limiter, the authorizer and stage caches and the WAF's rate counts each ask
before opening their Redis-backed form (redis_backed.py)."""

from __future__ import annotations

from typing import TypeGuard

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def is_redis_url(url: str | None) -> TypeGuard[str]:
    return url is not None and url.startswith(REDIS_SCHEMES)
