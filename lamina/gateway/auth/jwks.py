"""Issuers and their signing keys: where a token's keys live, fetched and cached.

JWT authorizers (HTTP APIs) find the key set through the issuer's OpenID discovery
document, `{issuer}/.well-known/openid-configuration` → `jwks_uri`; API Gateway "can cache
the public key for two hours"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html),
and fetches the set again when a token names a key it has not seen (rotation). Cognito user
pool authorizers (REST APIs) read the pool's
`https://cognito-idp.{region}.amazonaws.com/{userPoolId}/.well-known/jwks.json`
(https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html).

`IssuerDirectory` says where a user pool's tokens come from, so a local identity provider
(tests now, Lamina's own user pools later) can stand in for cognito-idp.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from jwt import PyJWK
from jwt.exceptions import PyJWTError

from lamina.core.error import LaminaError
from lamina.gateway.auth.fetch import FetchError, get_json

log = logging.getLogger("lamina.gateway.auth")

KEYS_TTL_S = 2 * 3600.0
"""How long a fetched key set is trusted (API Gateway: "can cache the public key for two
hours")."""
REFRESH_INTERVAL_S = 5.0
"""At most one fetch per issuer in this interval, whatever the tokens say: a flood of tokens
naming unknown keys (or an issuer that is down) costs the issuer one request per interval,
while a key published just after a fetch is picked up within seconds."""

_COGNITO_ISSUER = re.compile(r"^https://cognito-idp\.([a-z0-9-]+)\.amazonaws\.com/([\w-]+)/?$")

Fetch = Callable[[str], Awaitable[Any]]


class KeysUnavailable(LaminaError):
    """The issuer's key set could not be fetched and none is cached."""


class Issuer(msgspec.Struct, frozen=True):
    """Who signs the tokens: the `iss` they must carry and where the keys are."""

    url: str
    """The exact `iss` value."""
    jwks_url: str | None = None
    """The key set; None: read `jwks_uri` from `{url}/.well-known/openid-configuration`."""
    discovery_names_issuer: bool = False
    """REST JWT authorizers: "the issuer's OIDC discovery document must name this exact
    issuer" (JwtIssuerInput.issuer, API reference), else its keys are not used."""
    keys_ttl_s: float | None = None
    """How long its keys are held; None: the cache's own TTL."""


class IssuerDirectory:
    """Maps a user pool (and a Cognito issuer URL) to the issuer its tokens carry.

    By default that is AWS's `https://cognito-idp.{region}.amazonaws.com/{poolId}`. With a
    `cognito_base_url` (lamina up reads LAMINA_COGNITO_ISSUER_URL) pools are served by that
    base instead, `{base}/{poolId}` with keys at `{base}/{poolId}/.well-known/jwks.json`,
    the layout Cognito uses, so a local provider can issue the tokens.
    """

    def __init__(
        self, cognito_base_url: str | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._base = cognito_base_url.rstrip("/") if cognito_base_url else None
        self._local_base: str | None = None
        self._is_local: Callable[[str], bool] = lambda pool_id: False
        self._clock = clock
        self._local: set[str] = set()
        self._not_local: dict[str, float] = {}

    def serve_local_pools(self, base_url: str, is_local: Callable[[str], bool]) -> None:
        """Pools Lamina itself serves (`is_local(pool_id)`) issue tokens as
        `{base_url}/{poolId}`; an explicit `cognito_base_url` still wins."""
        self._local_base = base_url.rstrip("/")
        self._is_local = is_local

    def user_pool(self, region: str, pool_id: str) -> Issuer:
        base = self._base
        if base is None and self._local_base is not None and self._served_here(pool_id):
            base = self._local_base
        base = base or f"https://cognito-idp.{region}.amazonaws.com"
        url = f"{base}/{pool_id}"
        return Issuer(url, f"{url}/.well-known/jwks.json")

    def _served_here(self, pool_id: str) -> bool:
        """`is_local`, asked once per pool (it reads the pool store) — again after
        REFRESH_INTERVAL_S for a pool that was not local, since pools can be created later."""
        if pool_id in self._local:
            return True
        asked = self._not_local.get(pool_id)
        if asked is not None and self._clock() - asked < REFRESH_INTERVAL_S:
            return False
        if self._is_local(pool_id):
            self._local.add(pool_id)
            self._not_local.pop(pool_id, None)
            return True
        if len(self._not_local) >= 10_000:
            self._not_local.clear()
        self._not_local[pool_id] = self._clock()
        return False

    def issuer(self, url: str) -> Issuer:
        """A JWT authorizer's configured issuer; a cognito-idp issuer follows the override."""
        found = _COGNITO_ISSUER.match(url)
        if found is not None:
            return self.user_pool(found.group(1), found.group(2))
        return Issuer(url)


class _KeySet:
    __slots__ = ("fetched_at", "keys")

    def __init__(self, keys: dict[str, PyJWK], fetched_at: float) -> None:
        self.keys = keys
        self.fetched_at = fetched_at


class JwksCache:
    """Each issuer's signing keys by `kid`, fetched on first use and refreshed after
    `ttl_s`, or sooner when a token names an unknown `kid` (at most once per
    `refresh_interval_s`). Concurrent requests share one fetch in flight. When a refresh
    fails the keys already held keep serving; with none held the lookup raises
    KeysUnavailable (and the failure is remembered for `refresh_interval_s`)."""

    def __init__(
        self,
        *,
        fetch: Fetch = get_json,
        clock: Callable[[], float] = time.monotonic,
        ttl_s: float = KEYS_TTL_S,
        refresh_interval_s: float = REFRESH_INTERVAL_S,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._ttl_s = ttl_s
        self._refresh_interval_s = refresh_interval_s
        self._sets: dict[Issuer, _KeySet] = {}
        self._attempted: dict[Issuer, float] = {}
        self._failures: dict[Issuer, str] = {}
        self._inflight: dict[Issuer, asyncio.Future[_KeySet]] = {}

    async def key(self, issuer: Issuer, kid: str) -> PyJWK | None:
        """The issuer's key named `kid`, or None when its key set has no such key."""
        held = self._sets.get(issuer)
        ttl_s = issuer.keys_ttl_s or self._ttl_s
        if held is None or self._clock() - held.fetched_at >= ttl_s:
            held = await self._refresh(issuer, held)
        key = held.keys.get(kid)
        if key is None and self._may_refresh(issuer):
            held = await self._refresh(issuer, held)
            key = held.keys.get(kid)
        return key

    def _may_refresh(self, issuer: Issuer) -> bool:
        attempted = self._attempted.get(issuer)
        return attempted is None or self._clock() - attempted >= self._refresh_interval_s

    async def _refresh(self, issuer: Issuer, held: _KeySet | None) -> _KeySet:
        pending = self._inflight.get(issuer)
        if pending is None:
            if not self._may_refresh(issuer):
                return self._fallback(issuer, held)
            self._attempted[issuer] = self._clock()
            pending = asyncio.ensure_future(self._load(issuer))
            self._inflight[issuer] = pending
            pending.add_done_callback(lambda done: self._settle(issuer, done))
        try:
            return await asyncio.shield(pending)
        except (FetchError, KeysUnavailable):
            return self._fallback(issuer, held)

    def _settle(self, issuer: Issuer, done: asyncio.Future[_KeySet]) -> None:
        self._inflight.pop(issuer, None)
        if done.cancelled():
            return
        error = done.exception()
        if error is None:
            self._sets[issuer] = done.result()
            self._failures.pop(issuer, None)
        else:
            self._failures[issuer] = str(error)
            log.warning("signing keys of %s: %s", issuer.url, error)

    def _fallback(self, issuer: Issuer, held: _KeySet | None) -> _KeySet:
        """The keys still held after a failed (or rate-limited) refresh."""
        if held is not None:
            return held
        held = self._sets.get(issuer)
        if held is not None:
            return held
        reason = self._failures.get(issuer, "not fetched yet")
        raise KeysUnavailable(f"no signing keys for issuer {issuer.url}: {reason}")

    async def _load(self, issuer: Issuer) -> _KeySet:
        jwks_url = issuer.jwks_url or await self._discover(issuer)
        document = await self._fetch(jwks_url)
        entries = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            raise KeysUnavailable(f"{jwks_url} is not a JWK set (no `keys` list)")
        return _KeySet(_signing_keys(entries, jwks_url), self._clock())

    async def _discover(self, issuer: Issuer) -> str:
        discovery = issuer.url.rstrip("/") + "/.well-known/openid-configuration"
        document = await self._fetch(discovery)
        named = document.get("issuer") if isinstance(document, dict) else None
        if issuer.discovery_names_issuer and named != issuer.url:
            raise KeysUnavailable(f"{discovery} names issuer {named!r}, not {issuer.url!r}")
        jwks_uri = document.get("jwks_uri") if isinstance(document, dict) else None
        if not isinstance(jwks_uri, str) or not jwks_uri:
            raise KeysUnavailable(f"{discovery} names no jwks_uri")
        return jwks_uri


def _signing_keys(entries: list[Any], source: str) -> dict[str, PyJWK]:
    keys: dict[str, PyJWK] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        # Only RSA keys (and EC keys, for REST JWT authorizers' ES256/384/512) sign tokens
        # API Gateway accepts; skipping the rest also keeps a symmetric (`oct`) key from
        # ever verifying an HS256 token. Which algorithm a key may verify is decided per
        # token (jwt._verifier).
        if entry.get("kty") not in ("RSA", "EC") or entry.get("use", "sig") != "sig":
            continue
        try:
            keys[entry["kid"]] = PyJWK(entry)
        except (PyJWTError, ValueError, KeyError, TypeError) as error:
            log.warning("key %s of %s skipped: %s", entry["kid"], source, error)
    return keys
