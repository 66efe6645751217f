"""JSON Web Token verification, and the JWT authorizer of HTTP APIs.

API Gateway's workflow, which `TokenVerifier` follows step by step
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html):
decode the token; check its algorithm and signature with the issuer's public key ("only
RSA-based algorithms are supported"); then the claims: `kid` names a key of the issuer's
set, `iss` equals the configured issuer, `aud` — or `client_id` when there is no `aud` —
is one of the configured audiences, `exp` is after now, `nbf` and `iat` before now; and
the route's scopes. Any failure denies the request: 401 `{"message":"Unauthorized"}` with a
`www-authenticate` header saying why
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-jwt.html).

REST API JWT authorizers (rest_jwt.py) use the same verifier with their DefaultAlgorithms,
which may include ES256/384/512 (EC keys on the algorithm's curve).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from jwt import PyJWK
from jwt.algorithms import Algorithm, ECAlgorithm, RSAAlgorithm

from lamina.core.error import LaminaError
from lamina.gateway.auth.claims import http_claims, rest_claims
from lamina.gateway.auth.jwks import Issuer, IssuerDirectory, JwksCache, KeysUnavailable
from lamina.gateway.error import GatewayError, ResponseType
from lamina.gateway.events.v1 import V1Target

if TYPE_CHECKING:
    from lamina.gateway.context import RequestContext
    from lamina.gateway.model import Authorizer

HTTP_DEFAULT_IDENTITY = "$request.header.Authorization"
# The one failure text AWS documents verbatim (http-api-troubleshooting-jwt.html); the
# others are worded the same way but are Lamina's (docs/fidelity/gateway.md).
INVALID_AUDIENCE = "the token does not have a valid audience"
EXPIRED = "the token has expired"

# "Currently, only RSA-based algorithms are supported": PKCS#1 v1.5 signatures, the ones
# Cognito and the common providers sign with; `none` and HMAC never pass.
_RSA = {
    "RS256": RSAAlgorithm(RSAAlgorithm.SHA256),
    "RS384": RSAAlgorithm(RSAAlgorithm.SHA384),
    "RS512": RSAAlgorithm(RSAAlgorithm.SHA512),
}
RSA_ALGORITHMS = frozenset(_RSA)
# REST API JWT authorizers also accept ECDSA (DefaultAlgorithms: ES256/384/512), each on
# its own curve (RFC 7518 section 3.4): the JWS signature is the raw r || s pair.
_EC = {
    "ES256": (ECAlgorithm(ECAlgorithm.SHA256), "secp256r1"),
    "ES384": (ECAlgorithm(ECAlgorithm.SHA384), "secp384r1"),
    "ES512": (ECAlgorithm(ECAlgorithm.SHA512), "secp521r1"),
}
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_UNSAFE = re.compile(r'[^\x20-\x7e]|["\\]')
MAX_DESCRIPTION = 160


class TokenRejected(LaminaError):
    """The token failed one of the checks; `description` says which, in the words of the
    `www-authenticate` header's error_description."""

    def __init__(self, description: str) -> None:
        # Parts of it (alg, kid) come from the token: keep them from breaking out of the
        # header's quoted string or the console line.
        description = _UNSAFE.sub("?", description)[:MAX_DESCRIPTION]
        super().__init__(description)
        self.description = description


class VerifiedToken:
    """A token whose signature verified: its key (to notice the key leaving the issuer's
    set), its claims (the time and audience checks still run on every request) and their
    renderings for the event, made once."""

    __slots__ = ("_http", "_rest", "algorithm", "checked", "claims", "key", "kid")

    def __init__(
        self, kid: str, key: PyJWK, claims: dict[str, Any], algorithm: str = "RS256"
    ) -> None:
        self.algorithm = algorithm
        self.kid = kid
        self.key = key
        self.claims = claims
        self.checked: dict[tuple[str, tuple[str, ...] | None], _Window] = {}
        """The claims' time window per (issuer, audience) whose other checks passed."""
        self._http: dict[str, str] | None = None
        self._rest: dict[str, str] | None = None

    def http_claims(self) -> dict[str, str]:
        if self._http is None:
            self._http = http_claims(self.claims)
        return self._http

    def rest_claims(self) -> dict[str, str]:
        if self._rest is None:
            self._rest = rest_claims(self.claims)
        return self._rest


class TokenVerifier:
    """Verifies a token's signature and registered claims against one issuer.

    Clients send the same token for its whole life (an hour for Cognito), so a token whose
    signature verified is remembered (at most `remembered` of them): later requests redo
    only the dictionary lookups and the claim checks, not the RSA verification."""

    def __init__(
        self,
        keys: JwksCache,
        clock: Callable[[], float] = time.time,
        *,
        remembered: int = 10_000,
    ) -> None:
        self._keys = keys
        self._clock = clock
        self._remembered = remembered
        self._signed: dict[tuple[str, str], VerifiedToken] = {}

    async def verify(
        self,
        token: str,
        issuer: Issuer,
        audience: Sequence[str] | None,
        algorithms: frozenset[str] = RSA_ALGORITHMS,
    ) -> VerifiedToken:
        """The token once every check passed. `audience` None skips the audience check
        (Cognito user pool authorizers do not configure one); `algorithms` are the `alg`
        values accepted (RSA only but for REST JWT authorizers' DefaultAlgorithms)."""
        signed = self._signed.get((issuer.url, token))
        if signed is not None and signed.algorithm not in algorithms:
            raise TokenRejected(f"signing method {signed.algorithm} is invalid")
        if signed is None or await self._keys.key(issuer, signed.kid) is not signed.key:
            signed = await self._verify_signature(token, issuer, algorithms)
            if len(self._signed) >= self._remembered:
                del self._signed[next(iter(self._signed))]
            self._signed[(issuer.url, token)] = signed
        checks = (issuer.url, None if audience is None else tuple(audience))
        window = signed.checked.get(checks)
        if window is None:
            window = _window(signed.claims, issuer, audience)
            signed.checked[checks] = window
        window.check(self._clock())
        return signed

    async def _verify_signature(
        self, token: str, issuer: Issuer, algorithms: frozenset[str]
    ) -> VerifiedToken:
        parts = token.split(".")
        if len(parts) != 3:
            raise TokenRejected("the token is not a valid JWT")
        try:
            header = json.loads(_segment(parts[0]))
            payload = _segment(parts[1])
            signature = _segment(parts[2])
        except ValueError:
            raise TokenRejected("the token is not a valid JWT") from None
        if not isinstance(header, dict):
            raise TokenRejected("the token is not a valid JWT")
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in algorithms:
            raise TokenRejected(f"signing method {algorithm} is invalid")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise TokenRejected("the token has no kid header")
        key = await self._keys.key(issuer, kid)
        if key is None:
            raise TokenRejected(f"the signing key {kid} is not in the issuer's key set")
        verifier = _verifier(algorithm, key)
        signing_input = f"{parts[0]}.{parts[1]}".encode()
        if not verifier.verify(signing_input, key.key, signature):
            raise TokenRejected("the token signature is invalid")
        try:
            claims = json.loads(payload)
        except ValueError:
            raise TokenRejected("the token is not a valid JWT") from None
        if not isinstance(claims, dict):
            raise TokenRejected("the token's payload is not a JSON object")
        return VerifiedToken(kid, key, claims, algorithm)


def _verifier(algorithm: str, key: PyJWK) -> Algorithm:
    """The algorithm's verifier when the key is of its kind (an RSA key for RS*, an EC key
    on the algorithm's curve for ES*); a mismatch is an invalid signature."""
    rsa = _RSA.get(algorithm)
    if rsa is not None:
        if key.key_type != "RSA":
            raise TokenRejected("the token signature is invalid")
        return rsa
    verifier, curve = _EC[algorithm]
    public = key.key
    if not isinstance(public, EllipticCurvePublicKey) or public.curve.name != curve:
        raise TokenRejected("the token signature is invalid")
    return verifier


class _Window:
    """A token's time claims, read once: each request only compares them with now."""

    __slots__ = ("expires", "issued_at", "late_error", "not_before")

    def __init__(
        self,
        expires: float,
        not_before: float | None,
        issued_at: float | None,
        late_error: str | None,
    ) -> None:
        self.expires = expires
        self.not_before = not_before
        self.issued_at = issued_at
        self.late_error = late_error
        """A malformed nbf or iat, reported after the time checks (as they come first)."""

    def check(self, now: float) -> None:
        if now >= self.expires:
            raise TokenRejected(EXPIRED)
        if self.not_before is not None and self.not_before > now:
            raise TokenRejected("the token is not valid yet")
        if self.issued_at is not None and self.issued_at > now:
            raise TokenRejected("the token was issued in the future")
        if self.late_error is not None:
            raise TokenRejected(self.late_error)


def _window(claims: dict[str, Any], issuer: Issuer, audience: Sequence[str] | None) -> _Window:
    """The checks that do not depend on the time (issuer, audience, exp present), then the
    time claims for `_Window.check`; TokenRejected for the first that fails."""
    if claims.get("iss") != issuer.url:
        raise TokenRejected("the token does not have a valid issuer")
    if audience is not None and not _audience_matches(claims, audience):
        raise TokenRejected(INVALID_AUDIENCE)
    expires = _number(claims, "exp")
    if expires is None:
        raise TokenRejected("the token has no valid exp claim")
    late_error = None
    for name in ("nbf", "iat"):
        if name in claims and _number(claims, name) is None:
            late_error = f"the token's {name} claim is not a number"
            break
    return _Window(expires, _number(claims, "nbf"), _number(claims, "iat"), late_error)


def unverified_issuer(token: str) -> object:
    """The `iss` a token claims, before anything is verified (to pick the key set)."""
    parts = token.split(".")
    try:
        claims = json.loads(_segment(parts[1])) if len(parts) == 3 else None
    except ValueError:
        return None
    return claims.get("iss") if isinstance(claims, dict) else None


def _segment(text: str) -> bytes:
    """A base64url segment (unpadded, as JWS writes it); ValueError if it is not one."""
    if _BASE64URL.fullmatch(text) is None:
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as error:
        raise ValueError(str(error)) from None


def _audience_matches(claims: dict[str, Any], audience: Sequence[str]) -> bool:
    """ "API Gateway validates client_id only if aud is not present. When both aud and
    client_id are present, API Gateway evaluates aud." (http-api-troubleshooting-jwt.html)"""
    aud = claims.get("aud")
    if aud is None:
        return claims.get("client_id") in audience
    values = aud if isinstance(aud, list) else [aud]
    return any(value in audience for value in values if isinstance(value, str))


def _number(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def token_scopes(claims: dict[str, Any]) -> list[str]:
    """The `scope` (space-separated, as OAuth 2.0 writes it) or `scp` claim as a list."""
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            return value.split()
        if isinstance(value, list):
            return [str(item) for item in value]
    return []


def strip_bearer(value: str) -> str:
    """ "The identitySource can include only the token, or the token prefixed with Bearer"."""
    value = value.strip()
    if value[:7].lower() == "bearer ":
        return value[7:].strip()
    return value


def identity_value(ctx: RequestContext, source: str) -> str | None:
    """The value an HTTP API identity source selects ($request.header.X,
    $request.querystring.X); None when the request does not carry it."""
    if source.startswith("$request.header."):
        return ctx.request.header(source.removeprefix("$request.header."))
    if source.startswith("$request.querystring."):
        values = parse_qs(ctx.request.query_string).get(
            source.removeprefix("$request.querystring.")
        )
        return values[-1] if values else None
    return None


class JwtCheck:
    """The JWT authorizer of HTTP API routes (authorization type JWT)."""

    def __init__(self, verifier: TokenVerifier, issuers: IssuerDirectory) -> None:
        self._verifier = verifier
        self._issuers = issuers

    async def __call__(self, ctx: RequestContext, authorizer: Authorizer | None) -> None:
        if authorizer is None or not authorizer.issuer:
            raise GatewayError(ResponseType.DEFAULT_5XX, "JWT authorizer without an issuer")
        source = (authorizer.identity_sources or (HTTP_DEFAULT_IDENTITY,))[0]
        raw = identity_value(ctx, source)
        token = strip_bearer(raw) if raw else ""
        if not token:
            raise GatewayError(ResponseType.UNAUTHORIZED, f"no token in {source}")
        try:
            verified = await self._verifier.verify(
                token, self._issuers.issuer(authorizer.issuer), authorizer.audience
            )
        except TokenRejected as rejected:
            raise unauthorized(authorizer, rejected.description) from None
        except KeysUnavailable as error:
            description = "the issuer's signing keys are unavailable"
            raise unauthorized(authorizer, description, detail=str(error)) from None
        required = ctx.route.authorization_scopes if ctx.route is not None else ()
        scopes = token_scopes(verified.claims)
        if required and not set(required).intersection(scopes):
            raise GatewayError(
                ResponseType.ACCESS_DENIED,
                f"JWT authorizer {authorizer.name}: the token has none of the scopes "
                f"{' '.join(required)}",
            )
        delivered = {"claims": verified.http_claims(), "scopes": scopes if required else None}
        # Payload 1.0 puts them straight under requestContext.authorizer, 2.0 under .jwt.
        ctx.authorizer = delivered if isinstance(ctx.target, V1Target) else {"jwt": delivered}


def unauthorized(
    authorizer: Authorizer, description: str, *, detail: str | None = None
) -> GatewayError:
    """401 with the challenge the client sees (http-api-troubleshooting-jwt.html); REST
    JWT authorizers answer it too (the REST pages say nothing of the header, see
    docs/fidelity/gateway.md). `detail` (default: the description) goes to the console."""
    challenge = f'Bearer scope="" error="invalid_token" error_description="{description}"'
    return GatewayError(
        ResponseType.UNAUTHORIZED,
        f"JWT authorizer {authorizer.name}: {detail or description}",
        headers=((b"www-authenticate", challenge.encode()),),
    )
