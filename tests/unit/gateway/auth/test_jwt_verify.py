"""TokenVerifier and JwksCache: the checks of
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
with tokens minted here and key sets served from memory through the cache's fetch seam."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt.algorithms import HMACAlgorithm

from lamina.gateway.auth.fetch import FetchError
from lamina.gateway.auth.jwks import Issuer, IssuerDirectory, JwksCache, KeysUnavailable
from lamina.gateway.auth.jwt import TokenRejected, TokenVerifier, strip_bearer, token_scopes
from tests.jwt_issuer import TokenIssuer

ISSUER_URL = "https://idp.example.com/pool"
DISCOVERY = f"{ISSUER_URL}/.well-known/openid-configuration"
JWKS_URL = "https://keys.example.com/jwks.json"


class Documents:
    """The fetch seam: serves the issuer's discovery document and key set, counts GETs."""

    def __init__(self, issuer: TokenIssuer) -> None:
        self.issuer = issuer
        self.gets: list[str] = []
        self.failing = False
        self.delay_s = 0.0

    async def __call__(self, url: str) -> Any:
        self.gets.append(url)
        await asyncio.sleep(self.delay_s)
        if self.failing:
            raise FetchError(f"GET {url} failed: connection refused")
        if url == DISCOVERY:
            return {"issuer": ISSUER_URL, "jwks_uri": JWKS_URL}
        if url == JWKS_URL:
            return self.issuer.jwks()
        raise FetchError(f"GET {url} answered 404")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def issuer() -> TokenIssuer:
    return TokenIssuer(ISSUER_URL)


@pytest.fixture
def documents(issuer: TokenIssuer) -> Documents:
    return Documents(issuer)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def verifier(documents: Documents, clock: Clock) -> TokenVerifier:
    return TokenVerifier(JwksCache(fetch=documents, clock=clock))


AUDIENCE = ("client-a",)


async def _verify(verifier: TokenVerifier, token: str) -> dict[str, Any]:
    return (await verifier.verify(token, Issuer(ISSUER_URL), AUDIENCE)).claims


async def _rejection(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(TokenRejected) as rejected:
        await _verify(verifier, token)
    return rejected.value.description


async def test_verify_valid_token_returns_its_claims(
    verifier: TokenVerifier, issuer: TokenIssuer, documents: Documents
) -> None:
    claims = await _verify(verifier, issuer.mint(aud="client-a", sub="alice"))
    assert claims["sub"] == "alice"
    # The keys come from the discovery document's jwks_uri, as AWS documents.
    assert documents.gets == [DISCOVERY, JWKS_URL]


async def test_verify_expired_token_is_rejected(
    verifier: TokenVerifier, issuer: TokenIssuer
) -> None:
    token = issuer.mint(aud="client-a", exp=int(time.time()) - 1)
    assert await _rejection(verifier, token) == "the token has expired"


async def test_verify_token_without_exp_is_rejected(
    verifier: TokenVerifier, issuer: TokenIssuer
) -> None:
    token = issuer.mint(aud="client-a", exp=None)
    assert "exp" in await _rejection(verifier, token)


async def test_verify_not_yet_valid_and_future_iat_are_rejected(
    verifier: TokenVerifier, issuer: TokenIssuer
) -> None:
    later = int(time.time()) + 600
    assert await _rejection(verifier, issuer.mint(aud="client-a", nbf=later)) == (
        "the token is not valid yet"
    )
    assert await _rejection(verifier, issuer.mint(aud="client-a", iat=later)) == (
        "the token was issued in the future"
    )


async def test_verify_wrong_issuer_is_rejected(
    verifier: TokenVerifier, issuer: TokenIssuer
) -> None:
    token = issuer.mint(aud="client-a", iss="https://evil.example.com/pool")
    assert await _rejection(verifier, token) == "the token does not have a valid issuer"


async def test_verify_wrong_audience_gives_the_documented_description(
    verifier: TokenVerifier, issuer: TokenIssuer
) -> None:
    token = issuer.mint(aud="client-b")
    assert await _rejection(verifier, token) == "the token does not have a valid audience"


async def test_verify_client_id_counts_only_without_aud(
    verifier: TokenVerifier, issuer: TokenIssuer
) -> None:
    # An access token (no aud) passes on client_id ...
    assert (await _verify(verifier, issuer.mint(client_id="client-a")))["client_id"]
    # ... but when aud is present, API Gateway evaluates aud and ignores client_id.
    token = issuer.mint(aud="client-b", client_id="client-a")
    assert await _rejection(verifier, token) == "the token does not have a valid audience"


async def test_verify_aud_list_matches_any_entry(
    verifier: TokenVerifier, issuer: TokenIssuer
) -> None:
    assert await _verify(verifier, issuer.mint(aud=["other", "client-a"]))


async def test_verify_tampered_payload_fails_the_signature(
    verifier: TokenVerifier, issuer: TokenIssuer
) -> None:
    header, _, signature = issuer.mint(aud="client-a", sub="alice").split(".")
    forged_payload = jwt.utils.base64url_encode(
        b'{"iss":"%s","aud":"client-a","sub":"admin","exp":9999999999}' % ISSUER_URL.encode()
    ).decode()
    forged = f"{header}.{forged_payload}.{signature}"
    assert await _rejection(verifier, forged) == "the token signature is invalid"


async def test_verify_token_signed_by_another_key_with_a_known_kid_is_rejected(
    verifier: TokenVerifier, issuer: TokenIssuer
) -> None:
    impostor = TokenIssuer(ISSUER_URL)  # same kid "key-1", different private key
    assert await _rejection(verifier, impostor.mint(aud="client-a")) == (
        "the token signature is invalid"
    )


async def test_verify_alg_none_is_refused(verifier: TokenVerifier) -> None:
    token = jwt.encode(
        {"iss": ISSUER_URL, "aud": "client-a", "exp": int(time.time()) + 60},
        "",
        algorithm="none",
        headers={"kid": "key-1"},
    )
    assert await _rejection(verifier, token) == "signing method none is invalid"


async def test_verify_hs256_signed_with_the_public_key_is_refused(
    verifier: TokenVerifier, issuer: TokenIssuer
) -> None:
    # The classic key-confusion forgery: HMAC keyed with the published RSA key.
    public_pem = (
        issuer.keys[0]
        .private.public_key()
        .public_bytes(encoding=Encoding.PEM, format=PublicFormat.SubjectPublicKeyInfo)
    )
    hmac = HMACAlgorithm(HMACAlgorithm.SHA256)
    signing_input = b".".join(
        [
            jwt.utils.base64url_encode(b'{"alg":"HS256","kid":"key-1","typ":"JWT"}'),
            jwt.utils.base64url_encode(
                b'{"iss":"%s","aud":"client-a","exp":9999999999}' % ISSUER_URL.encode()
            ),
        ]
    )
    signature = jwt.utils.base64url_encode(hmac.sign(signing_input, public_pem))
    token = (signing_input + b"." + signature).decode()
    assert await _rejection(verifier, token) == "signing method HS256 is invalid"


async def test_verify_rs512_is_accepted(verifier: TokenVerifier, issuer: TokenIssuer) -> None:
    assert await _verify(verifier, issuer.mint(aud="client-a", algorithm="RS512"))


async def test_verify_token_without_kid_is_rejected(
    verifier: TokenVerifier, issuer: TokenIssuer
) -> None:
    token = jwt.encode(
        {"iss": ISSUER_URL, "aud": "client-a", "exp": int(time.time()) + 60},
        issuer.keys[0].private,
        algorithm="RS256",
    )
    assert await _rejection(verifier, token) == "the token has no kid header"


async def test_verify_garbage_is_not_a_jwt(verifier: TokenVerifier) -> None:
    assert await _rejection(verifier, "not-a-token") == "the token is not a valid JWT"


async def test_unknown_kid_refetches_the_key_set_once(
    verifier: TokenVerifier, issuer: TokenIssuer, documents: Documents, clock: Clock
) -> None:
    await _verify(verifier, issuer.mint(aud="client-a"))
    clock.now += 60  # past the refresh interval
    rotated = issuer.rotate()
    claims = await _verify(verifier, issuer.mint(rotated, aud="client-a", sub="rotated"))
    assert claims["sub"] == "rotated"
    assert documents.gets.count(JWKS_URL) == 2


async def test_flood_of_unknown_kids_fetches_at_most_once_per_interval(
    verifier: TokenVerifier, issuer: TokenIssuer, documents: Documents, clock: Clock
) -> None:
    await _verify(verifier, issuer.mint(aud="client-a"))
    clock.now += 60
    for n in range(50):
        bogus = issuer.mint(aud="client-a", headers={"kid": f"bogus-{n}"})
        assert "not in the issuer's key set" in await _rejection(verifier, bogus)
    assert documents.gets.count(JWKS_URL) == 2  # the first load + one refresh


async def test_concurrent_requests_share_one_fetch(
    verifier: TokenVerifier, issuer: TokenIssuer, documents: Documents
) -> None:
    documents.delay_s = 0.05
    token = issuer.mint(aud="client-a")
    results = await asyncio.gather(*(_verify(verifier, token) for _ in range(20)))
    assert len(results) == 20
    assert documents.gets == [DISCOVERY, JWKS_URL]


async def test_keys_are_refetched_after_the_ttl(
    verifier: TokenVerifier, issuer: TokenIssuer, documents: Documents, clock: Clock
) -> None:
    token = issuer.mint(aud="client-a", exp=2_000_000_000)
    await _verify(verifier, token)
    clock.now += 3600
    await _verify(verifier, token)
    assert documents.gets.count(JWKS_URL) == 1
    clock.now += 3600  # two hours: AWS "can cache the public key for two hours"
    await _verify(verifier, token)
    assert documents.gets.count(JWKS_URL) == 2


async def test_unreachable_issuer_fails_and_is_not_hammered(
    verifier: TokenVerifier, issuer: TokenIssuer, documents: Documents, clock: Clock
) -> None:
    documents.failing = True
    token = issuer.mint(aud="client-a")
    for _ in range(10):
        with pytest.raises(KeysUnavailable, match="connection refused"):
            await _verify(verifier, token)
    assert documents.gets == [DISCOVERY]
    clock.now += 60
    documents.failing = False
    assert await _verify(verifier, token)


async def test_stale_keys_keep_serving_when_a_refresh_fails(
    verifier: TokenVerifier, issuer: TokenIssuer, documents: Documents, clock: Clock
) -> None:
    token = issuer.mint(aud="client-a", exp=2_000_000_000)
    await _verify(verifier, token)
    clock.now += 3 * 3600
    documents.failing = True
    assert await _verify(verifier, token)


def test_strip_bearer_accepts_raw_and_prefixed_tokens() -> None:
    assert strip_bearer("abc.def.ghi") == "abc.def.ghi"
    assert strip_bearer("Bearer abc.def.ghi") == "abc.def.ghi"
    assert strip_bearer("bearer  abc.def.ghi ") == "abc.def.ghi"


def test_token_scopes_reads_scope_string_or_scp_list() -> None:
    assert token_scopes({"scope": "read write"}) == ["read", "write"]
    assert token_scopes({"scp": ["read", "admin"]}) == ["read", "admin"]
    assert token_scopes({}) == []


def test_issuer_directory_defaults_to_cognito_idp() -> None:
    issuer = IssuerDirectory().user_pool("eu-west-1", "eu-west-1_AbC")
    assert issuer.url == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC"
    assert issuer.jwks_url == (
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC/.well-known/jwks.json"
    )


def test_issuer_directory_override_redirects_pools_and_cognito_issuers() -> None:
    directory = IssuerDirectory("http://127.0.0.1:9999/")
    pool = directory.user_pool("eu-west-1", "eu-west-1_AbC")
    assert pool.url == "http://127.0.0.1:9999/eu-west-1_AbC"
    assert pool.jwks_url == "http://127.0.0.1:9999/eu-west-1_AbC/.well-known/jwks.json"
    cognito = directory.issuer("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC")
    assert cognito == pool
    # Any other issuer is taken as configured, its keys found by discovery.
    assert directory.issuer("https://auth.example.com") == Issuer("https://auth.example.com")


async def test_remembered_token_is_still_checked_for_expiry(
    issuer: TokenIssuer, documents: Documents
) -> None:
    wall = [time.time()]
    verifier = TokenVerifier(JwksCache(fetch=documents), clock=lambda: wall[0])
    token = issuer.mint(aud="client-a", exp=int(wall[0]) + 60)
    assert await verifier.verify(token, Issuer(ISSUER_URL), AUDIENCE)
    wall[0] += 120
    with pytest.raises(TokenRejected, match="the token has expired"):
        await verifier.verify(token, Issuer(ISSUER_URL), AUDIENCE)
    # ... and for its audience, whichever authorizer asks.
    wall[0] -= 120
    with pytest.raises(TokenRejected, match="valid audience"):
        await verifier.verify(token, Issuer(ISSUER_URL), ("client-b",))


async def test_remembered_token_is_refused_once_its_key_is_withdrawn(
    verifier: TokenVerifier, issuer: TokenIssuer, clock: Clock
) -> None:
    token = issuer.mint(aud="client-a", exp=2_000_000_000)
    await _verify(verifier, token)
    issuer.rotate()
    del issuer.keys[0]  # key-1 withdrawn from the published set
    clock.now += 2 * 3600  # the cached set expires; the next lookup refetches
    assert "not in the issuer's key set" in await _rejection(verifier, token)


async def test_token_controlled_text_cannot_break_the_header(
    verifier: TokenVerifier, issuer: TokenIssuer
) -> None:
    token = issuer.mint(aud="client-a", headers={"kid": 'x"\r\nSet-Cookie: a=b'})
    description = await _rejection(verifier, token)
    assert description == "the signing key x???Set-Cookie: a=b is not in the issuer's key set"


def test_issuer_directory_local_pools_asks_the_store_once() -> None:
    asked: list[str] = []
    created = {"us-east-1_Local"}
    now = [0.0]

    def is_local(pool_id: str) -> bool:
        asked.append(pool_id)
        return pool_id in created

    directory = IssuerDirectory(clock=lambda: now[0])
    directory.serve_local_pools("http://127.0.0.1:3000/", is_local)
    for _ in range(3):
        local = directory.user_pool("us-east-1", "us-east-1_Local")
        remote = directory.user_pool("us-east-1", "us-east-1_Remote")
    assert local.url == "http://127.0.0.1:3000/us-east-1_Local"
    assert remote.url == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Remote"
    assert asked == ["us-east-1_Local", "us-east-1_Remote"]
    # A pool created later is noticed once the negative answer is old enough.
    created.add("us-east-1_Remote")
    now[0] += 60
    assert directory.user_pool("us-east-1", "us-east-1_Remote").url.startswith("http://127")


async def test_remembered_token_not_valid_yet_is_admitted_once_its_nbf_passes(
    issuer: TokenIssuer, documents: Documents
) -> None:
    """The remembered time window is compared with the clock on every request: a token
    refused as early is admitted later without being verified again."""
    wall = [time.time()]
    verifier = TokenVerifier(JwksCache(fetch=documents), clock=lambda: wall[0])
    token = issuer.mint(aud="client-a", nbf=int(wall[0]) + 60, exp=int(wall[0]) + 600)
    with pytest.raises(TokenRejected, match="not valid yet"):
        await verifier.verify(token, Issuer(ISSUER_URL), AUDIENCE)
    wall[0] += 120
    assert (await verifier.verify(token, Issuer(ISSUER_URL), AUDIENCE)).claims["aud"] == "client-a"
    wall[0] += 600
    with pytest.raises(TokenRejected, match="the token has expired"):
        await verifier.verify(token, Issuer(ISSUER_URL), AUDIENCE)


async def test_time_checks_come_before_a_malformed_iat(
    verifier: TokenVerifier, issuer: TokenIssuer
) -> None:
    fresh = issuer.mint(aud="client-a", exp=int(time.time()) + 60, iat="yesterday")
    assert await _rejection(verifier, fresh) == "the token's iat claim is not a number"
    expired = issuer.mint(aud="client-a", exp=int(time.time()) - 1, iat="yesterday")
    assert await _rejection(verifier, expired) == "the token has expired"
