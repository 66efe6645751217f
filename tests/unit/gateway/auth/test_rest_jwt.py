"""REST API JWT authorizers inside the gateway's stages: which tokens pass, the statuses,
bodies and headers a client sees, and the claims the function receives.

https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-jwt-authorizer.html
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest

from lamina.functions.model import InvokeResult
from lamina.gateway.auth.claims import JsonClaims
from lamina.gateway.auth.fetch import FetchError
from lamina.gateway.auth.jwks import IssuerDirectory, JwksCache
from lamina.gateway.auth.tokens import token_checks
from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import Deployment
from lamina.gateway.mapping.context import RequestFacts, context_variables
from lamina.gateway.model import (
    Authorizer,
    JwtClaimRule,
    JwtIssuer,
    LambdaIntegration,
    Method,
    Resource,
    RestApi,
    Stage,
)
from lamina.gateway.stages.authorize import Authorize
from lamina.gateway.stages.event import BuildEvent
from lamina.gateway.stages.integrate import InvokeIntegration
from lamina.gateway.stages.route import RouteRequest
from tests.gateway_request import gateway_request, run_stages
from tests.invoker import ScriptedInvoker
from tests.jwt_issuer import SigningKey, TokenIssuer

PARTNER = TokenIssuer("https://partner.example.com/")
SHOP = TokenIssuer("https://shop.example.com")
POOL = "us-east-1_Pool1"
BASE = "https://idp.test"
COGNITO = TokenIssuer(f"{BASE}/{POOL}")  # where Lamina serves the pool's tokens
LIAR = TokenIssuer("https://liar.example.com")  # its discovery document names another
EC = {name: SigningKey(f"ec-{name}", name) for name in ("ES256", "ES384", "ES512")}
SHOP.keys.extend(EC.values())


def _deployment(policy: dict[str, Any] | None = None) -> Deployment:
    authorizer = Authorizer(
        id="jwt001",
        name="Jwt",
        type="JWT",
        identity_sources=("method.request.header.Authorization",),
        result_ttl_seconds=0,
        jwt_issuers=(
            JwtIssuer(
                issuer=PARTNER.url,
                audiences=("api://orders",),
                additional_claims=(
                    JwtClaimRule(name="tenant", required=True, expected_values=("acme", "globex")),
                    JwtClaimRule(name="team"),
                ),
            ),
            JwtIssuer(issuer=SHOP.url, audiences=("shop-api", "shop-admin")),
            JwtIssuer(
                issuer=f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}",
                audiences=("client123",),
            ),
            JwtIssuer(issuer=LIAR.url, audiences=("shop-api",)),
        ),
        jwt_algorithms=("RS256", "ES256", "ES384", "ES512"),
    )
    custom_header = Authorizer(
        id="jwt002",
        name="Custom",
        type="JWT",
        identity_sources=("method.request.header.X-Token",),
        jwt_issuers=(JwtIssuer(issuer=SHOP.url, audiences=("shop-api",)),),
        jwt_algorithms=("RS256",),
    )
    fn = LambdaIntegration(function_name="Fn")

    def method(authorizer_id: str, *scopes: str) -> dict[str, Method]:
        return {
            "GET": Method(
                http_method="GET",
                integration=fn,
                authorization_type="JWT",
                authorizer_id=authorizer_id,
                authorization_scopes=scopes,
            )
        }

    rest = RestApi(
        id="restapi001",
        logical_id="Rest",
        name="Rest",
        stages=(Stage(name="Prod"),),
        authorizers=(authorizer, custom_header),
        policy=policy,
        resources=(
            Resource(id="a", path="/orders", methods=method("jwt001")),
            Resource(
                id="b", path="/write", methods=method("jwt001", "orders:write", "orders/write")
            ),
            Resource(id="c", path="/custom", methods=method("jwt002")),
        ),
    )
    return Deployment((rest,), (), account_id="123456789012", region="us-east-1")


class Pipeline:
    def __init__(self) -> None:
        self.issuers = {i.url.rstrip("/"): i for i in (PARTNER, SHOP, COGNITO, LIAR)}
        self.fetches: list[str] = []

        async def fetch(url: str) -> Any:
            self.fetches.append(url)
            if url.endswith("/.well-known/openid-configuration"):
                base = url.removesuffix("/.well-known/openid-configuration").rstrip("/")
                named = "https://other.example.com" if base == LIAR.url else self.issuers[base].url
                return {"issuer": named, "jwks_uri": f"{base}/keys"}
            found = self.issuers.get(
                url.removesuffix("/keys").removesuffix("/.well-known/jwks.json")
            )
            if found is None:
                raise FetchError(f"GET {url} failed: connection refused")
            return found.jwks()

        self.now = 1000.0
        keys = JwksCache(fetch=fetch, clock=lambda: self.now)
        checks = token_checks(IssuerDirectory(BASE), keys)
        self.invoker = ScriptedInvoker(InvokeResult(payload=b'{"statusCode": 200, "body": "ok"}'))
        self.stages = (
            RouteRequest(),
            Authorize(checks),
            BuildEvent(),
            InvokeIntegration(self.invoker),
        )
        self.deployment = _deployment()
        self.ctx: RequestContext | None = None

    async def get(self, path: str, **headers: str) -> tuple[int, bytes, dict[bytes, bytes]]:
        request = gateway_request(path, headers=headers.items())
        ctx = self.ctx = RequestContext(request, self.deployment, "127.0.0.1:3000")
        response = await run_stages(self.stages, ctx)
        return response.status, response.body, dict(response.headers)

    @property
    def claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = self.invoker.events[-1]["requestContext"]["authorizer"]["claims"]
        return claims


@pytest.fixture
def pipeline() -> Pipeline:
    return Pipeline()


def _partner(**claims: Any) -> str:
    return PARTNER.mint(**{"aud": "api://orders", "tenant": "acme", "sub": "m2m", **claims})


async def test_rest_jwt_valid_token_delivers_claims_with_their_json_types(
    pipeline: Pipeline,
) -> None:
    token = _partner(version="42", level=42, roles=["user", "editor"], address={"city": "x"})
    status, body, _ = await pipeline.get("/Prod/orders", Authorization=f"Bearer {token}")
    assert (status, body) == (200, b"ok")
    claims = pipeline.claims
    assert claims["version"] == "42" and claims["level"] == 42
    assert claims["roles"] == ["user", "editor"]
    assert claims["address"] == {"city": "x"}
    assert isinstance(claims["iat"], int) and claims["iss"] == PARTNER.url


async def test_rest_jwt_token_without_bearer_prefix_passes(pipeline: Pipeline) -> None:
    status, _, _ = await pipeline.get("/Prod/orders", Authorization=_partner())
    assert status == 200


async def test_rest_jwt_mapping_template_reads_claims_as_json_text(pipeline: Pipeline) -> None:
    token = _partner(name='Doe, "Jane"', version="42", roles=["user", "editor"], city="Zürich")
    await pipeline.get("/Prod/orders", Authorization=token)
    assert pipeline.ctx is not None and pipeline.ctx.authorizer is not None
    assert isinstance(pipeline.ctx.authorizer["claims"], JsonClaims)
    facts = RequestFacts(
        account_id="123456789012",
        api_id="restapi001",
        stage="Prod",
        authorizer=pipeline.ctx.authorizer,
    )
    claims = context_variables(pipeline.ctx.request, facts)["authorizer"]["claims"]
    assert claims["name"] == '"Doe, \\"Jane\\""'
    assert claims["version"] == '"42"'
    assert claims["roles"] == '["user","editor"]'
    assert claims["city"] == '"Z\\u00FCrich"'
    assert claims["iat"].isdigit()


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({}, "no token"),
        ({"Authorization": "Bearer "}, "no token"),
        ({"Authorization": "not-a-jwt"}, "not a valid JWT"),
    ],
)
async def test_rest_jwt_missing_or_malformed_token_is_401(
    pipeline: Pipeline, headers: dict[str, str], why: str
) -> None:
    status, body, response_headers = await pipeline.get("/Prod/orders", **headers)
    assert (status, body) == (401, b'{"message":"Unauthorized"}')
    assert response_headers[b"x-amzn-errortype"] == b"UnauthorizedException"


async def test_rest_jwt_token_iss_picks_the_issuer_and_its_audiences(pipeline: Pipeline) -> None:
    shop = SHOP.mint(aud="shop-admin")
    assert (await pipeline.get("/Prod/orders", Authorization=shop))[0] == 200
    # The shop's audience is not the partner's, and the reverse.
    crossed = SHOP.mint(aud="api://orders")
    status, _, headers = await pipeline.get("/Prod/orders", Authorization=crossed)
    assert status == 401
    assert b"the token does not have a valid audience" in headers[b"www-authenticate"]


async def test_rest_jwt_issuer_matches_exactly_including_trailing_slash(
    pipeline: Pipeline,
) -> None:
    no_slash = _partner(iss=PARTNER.url.rstrip("/"))
    status, _, headers = await pipeline.get("/Prod/orders", Authorization=no_slash)
    assert status == 401
    assert b"valid issuer" in headers[b"www-authenticate"]
    stranger = TokenIssuer("https://stranger.example.com").mint(aud="shop-api")
    assert (await pipeline.get("/Prod/orders", Authorization=stranger))[0] == 401


@pytest.mark.parametrize("algorithm", ["ES256", "ES384", "ES512"])
async def test_rest_jwt_ec_signed_token_passes_with_its_algorithm(
    pipeline: Pipeline, algorithm: str
) -> None:
    token = SHOP.mint(EC[algorithm], algorithm=algorithm, aud="shop-api")
    status, body, _ = await pipeline.get("/Prod/orders", Authorization=token)
    assert (status, body) == (200, b"ok")


async def test_rest_jwt_algorithm_outside_default_algorithms_is_401(pipeline: Pipeline) -> None:
    # /custom accepts RS256 only: an ES256 token, valid otherwise, is refused, also after
    # the same token verified for another method.
    token = SHOP.mint(EC["ES256"], algorithm="ES256", aud="shop-api")
    assert (await pipeline.get("/Prod/orders", Authorization=token))[0] == 200
    status, _, headers = await pipeline.get("/Prod/custom", **{"X-Token": token})
    assert status == 401
    assert b"signing method ES256 is invalid" in headers[b"www-authenticate"]
    hmac = SHOP.mint(aud="shop-api")  # a good RS256 token still passes there
    assert (await pipeline.get("/Prod/custom", **{"X-Token": hmac}))[0] == 200


def _with_header(token: str, algorithm: str, kid: str) -> str:
    """The token with another header (and its original signature)."""
    header = json.dumps({"alg": algorithm, "kid": kid, "typ": "JWT"}).encode()
    encoded = base64.urlsafe_b64encode(header).rstrip(b"=").decode()
    return ".".join([encoded, *token.split(".")[1:]])


async def test_rest_jwt_ec_key_of_another_curve_is_401(pipeline: Pipeline) -> None:
    # Signed with the P-256 key, claimed as ES384: the key is not on the algorithm's curve.
    token = SHOP.mint(EC["ES256"], algorithm="ES256", aud="shop-api")
    forged = _with_header(token, "ES384", EC["ES256"].kid)
    status, _, headers = await pipeline.get("/Prod/orders", Authorization=forged)
    assert status == 401
    assert b"signature is invalid" in headers[b"www-authenticate"]


async def test_rest_jwt_rsa_key_cannot_verify_an_es256_header(pipeline: Pipeline) -> None:
    forged = _with_header(SHOP.mint(aud="shop-api"), "ES256", "key-1")
    status, _, headers = await pipeline.get("/Prod/orders", Authorization=forged)
    assert status == 401
    assert b"signature is invalid" in headers[b"www-authenticate"]


async def test_rest_jwt_required_claim_missing_is_401(pipeline: Pipeline) -> None:
    token = _partner(tenant=None)
    status, _, headers = await pipeline.get("/Prod/orders", Authorization=token)
    assert status == 401
    assert b"no tenant claim" in headers[b"www-authenticate"]


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"tenant": "globex"}, 200),
        ({"tenant": "ACME"}, 401),  # case-sensitive
        ({"tenant": ["acme"]}, 401),  # SINGLE_STRING
        ({"team": "blue"}, 200),  # optional claim, no expected values: any string
        ({"team": 7}, 401),  # present, so a single string
    ],
)
async def test_rest_jwt_additional_claim_rules(
    pipeline: Pipeline, claims: dict[str, Any], expected: int
) -> None:
    status, _, _ = await pipeline.get("/Prod/orders", Authorization=_partner(**claims))
    assert status == expected


async def test_rest_jwt_claim_rules_belong_to_their_issuer(pipeline: Pipeline) -> None:
    # The shop issuer declares no rules: its tokens need no tenant.
    assert (await pipeline.get("/Prod/orders", Authorization=SHOP.mint(aud="shop-api")))[0] == 200


@pytest.mark.parametrize(
    ("scope_claims", "expected"),
    [
        ({"scope": "orders:read orders:write"}, 200),
        ({"scp": ["orders/write"]}, 200),
        ({"scope": "orders:read"}, 403),
        ({}, 403),
    ],
)
async def test_rest_jwt_method_scopes(
    pipeline: Pipeline, scope_claims: dict[str, Any], expected: int
) -> None:
    status, body, headers = await pipeline.get(
        "/Prod/write", Authorization=_partner(**scope_claims)
    )
    assert status == expected
    if expected == 403:
        assert body == b'{"Message":"User is not authorized to access this resource"}'
        assert headers[b"x-amzn-errortype"] == b"AccessDeniedException"


async def test_rest_jwt_expired_token_is_401(pipeline: Pipeline) -> None:
    token = _partner(exp=int(time.time()) - 10)
    status, _, headers = await pipeline.get("/Prod/orders", Authorization=token)
    assert status == 401
    assert b"the token has expired" in headers[b"www-authenticate"]


async def test_rest_jwt_reads_the_configured_header_only(pipeline: Pipeline) -> None:
    token = SHOP.mint(aud="shop-api")
    assert (await pipeline.get("/Prod/custom", Authorization=token))[0] == 401
    assert (await pipeline.get("/Prod/custom", **{"X-Token": f"Bearer {token}"}))[0] == 200


async def test_rest_jwt_cognito_issuer_is_served_where_lamina_issues_pool_tokens(
    pipeline: Pipeline,
) -> None:
    token = COGNITO.access_token(client_id="client123", scope="orders/write")
    status, _, _ = await pipeline.get("/Prod/write", Authorization=token)
    assert status == 200
    assert pipeline.claims["client_id"] == "client123"


@pytest.mark.parametrize("effect", ["Allow", "Deny"])
async def test_rest_jwt_with_resource_policy_both_must_allow(
    pipeline: Pipeline, effect: str
) -> None:
    """As for Cognito authorizers: the token (and its scopes) and the resource policy must
    both allow; an allowing policy does not overrule a token without the method's scopes.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html"""
    statement = {
        "Effect": effect,
        "Principal": "*",
        "Action": "execute-api:Invoke",
        "Resource": "arn:aws:execute-api:us-east-1:123456789012:restapi001/*",
    }
    pipeline.deployment = _deployment({"Version": "2012-10-17", "Statement": [statement]})
    no_scope = await pipeline.get("/Prod/write", Authorization=_partner(scope="orders:read"))
    assert no_scope[0] == 403
    with_scope = await pipeline.get("/Prod/write", Authorization=_partner(scope="orders:write"))
    assert with_scope[0] == (200 if effect == "Allow" else 403)
    unauthenticated = await pipeline.get("/Prod/orders")
    assert unauthenticated[0] == 401


async def test_rest_jwt_discovery_naming_another_issuer_is_not_used(pipeline: Pipeline) -> None:
    """ "the issuer's OIDC discovery document must name this exact issuer" (JwtIssuerInput)."""
    status, _, headers = await pipeline.get("/Prod/orders", Authorization=LIAR.mint(aud="shop-api"))
    assert status == 401
    assert b"signing keys are unavailable" in headers[b"www-authenticate"]


def test_rest_jwt_access_log_writes_claims_as_json_text() -> None:
    from lamina.gateway.access_log import AccessLogFormat
    from tests.unit.gateway.test_access_log import _served

    claims = JsonClaims(version="42", level=42, roles=["a", "b"], city="Zürich")
    text = " ".join(f"$context.authorizer.claims.{name}" for name in claims) + " ."
    served = _served(authorizer={"claims": claims})
    line = AccessLogFormat(text + "$context.authorizer.claims.missing").render(served)
    assert line == '"42" 42 ["a","b"] "Z\\u00FCrich" .-'


async def test_rest_jwt_keys_are_fetched_again_after_an_hour(pipeline: Pipeline) -> None:
    """ "API Gateway caches each issuer's signing keys for up to 1 hour" (rest-api-jwt-
    authorizer-keys.html); HTTP APIs keep them two hours."""
    token = SHOP.mint(aud="shop-api")
    assert (await pipeline.get("/Prod/orders", Authorization=token))[0] == 200
    fetched = pipeline.fetches.count(f"{SHOP.url}/keys")
    pipeline.now += 3599
    assert (await pipeline.get("/Prod/orders", Authorization=token))[0] == 200
    assert pipeline.fetches.count(f"{SHOP.url}/keys") == fetched
    pipeline.now += 2
    assert (await pipeline.get("/Prod/orders", Authorization=token))[0] == 200
    assert pipeline.fetches.count(f"{SHOP.url}/keys") == fetched + 1


async def test_rest_jwt_challenge_only_for_a_token_that_failed(pipeline: Pipeline) -> None:
    _, _, missing = await pipeline.get("/Prod/orders")
    assert b"www-authenticate" not in missing
    _, _, bad = await pipeline.get("/Prod/orders", Authorization="not-a-jwt")
    assert bad[b"www-authenticate"] == (
        b'Bearer scope="" error="invalid_token" '
        b'error_description="the token is not a valid JWT (or has no iss)"'
    )
