"""The JWT (HTTP API) and Cognito user pool (REST) checks inside the gateway's stages:
statuses, bodies and headers a client sees, and the claims the function receives."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from lamina.functions.model import InvokeResult
from lamina.gateway.auth.fetch import FetchError
from lamina.gateway.auth.jwks import IssuerDirectory, JwksCache
from lamina.gateway.auth.tokens import token_checks
from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import Deployment
from lamina.gateway.model import (
    Authorizer,
    HttpApi,
    LambdaIntegration,
    Method,
    Resource,
    RestApi,
    Route,
    Stage,
)
from lamina.gateway.stages.authorize import Authorize
from lamina.gateway.stages.event import BuildEvent
from lamina.gateway.stages.integrate import InvokeIntegration
from lamina.gateway.stages.route import RouteRequest
from tests.gateway_request import gateway_request, run_stages
from tests.invoker import ScriptedInvoker
from tests.jwt_issuer import CLIENT_ID, TokenIssuer

BASE = "https://idp.test"
POOL = "us-east-1_Pool1"
POOL_ARN = f"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{POOL}"
JWT_ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}"
OTHER_POOL = "eu-west-1_Pool2"
OTHER = TokenIssuer(f"{BASE}/{OTHER_POOL}")


def _deployment() -> Deployment:
    jwt_auth = Authorizer(
        id="jwt001",
        name="OAuth",
        type="JWT",
        identity_sources=("$request.header.Authorization",),
        issuer=JWT_ISSUER,
        audience=(CLIENT_ID,),
    )
    by_query = Authorizer(
        id="jwt002",
        name="ByQuery",
        type="JWT",
        identity_sources=("$request.querystring.access_token",),
        issuer=JWT_ISSUER,
        audience=(CLIENT_ID,),
    )
    v2 = LambdaIntegration(function_name="Fn", payload_format="2.0")
    v1 = LambdaIntegration(function_name="Fn", payload_format="1.0")
    http = HttpApi(
        id="httpapi001",
        logical_id="Http",
        name="Http",
        stages=(Stage(name="$default"),),
        authorizers=(jwt_auth, by_query),
        routes=(
            Route(route_key="GET /me", integration=v2, authorization_type="JWT",
                  authorizer_id="jwt001"),
            Route(route_key="GET /admin", integration=v2, authorization_type="JWT",
                  authorizer_id="jwt001", authorization_scopes=("admin", "root")),
            Route(route_key="GET /v1/me", integration=v1, authorization_type="JWT",
                  authorizer_id="jwt001", authorization_scopes=("read",)),
            Route(route_key="GET /query", integration=v2, authorization_type="JWT",
                  authorizer_id="jwt002"),
        ),
    )  # fmt: skip
    cognito = Authorizer(
        id="cog001",
        name="Pool",
        type="COGNITO_USER_POOLS",
        identity_sources=("method.request.header.Authorization",),
        provider_arns=(POOL_ARN,),
    )
    partners = Authorizer(
        id="cog002",
        name="Partners",
        type="COGNITO_USER_POOLS",
        identity_sources=("method.request.header.X-Partner-Token",),
        identity_validation_expression="partner-[a-z]+",
        provider_arns=(
            POOL_ARN,
            f"arn:aws:cognito-idp:eu-west-1:123456789012:userpool/{OTHER_POOL}",
        ),
    )
    rest_lambda = LambdaIntegration(function_name="Fn")
    rest = RestApi(
        id="restapi001",
        logical_id="Rest",
        name="Rest",
        stages=(Stage(name="Prod"),),
        authorizers=(cognito, partners),
        resources=(
            Resource(id="a", path="/profile", methods={"GET": Method(
                http_method="GET", integration=rest_lambda,
                authorization_type="COGNITO_USER_POOLS", authorizer_id="cog001")}),
            Resource(id="b", path="/orders", methods={"GET": Method(
                http_method="GET", integration=rest_lambda,
                authorization_type="COGNITO_USER_POOLS", authorizer_id="cog001",
                authorization_scopes=("shop/orders.read",))}),
            Resource(id="c", path="/partners", methods={"GET": Method(
                http_method="GET", integration=rest_lambda,
                authorization_type="COGNITO_USER_POOLS", authorizer_id="cog002")}),
        ),
    )  # fmt: skip
    return Deployment((rest,), (http,), account_id="123456789012", region="us-east-1")


class Pipeline:
    """Route → Authorize (the token checks over a key cache fed from memory) → event →
    invoke, and render_error for refusals, as Gateway.handle does."""

    def __init__(self, issuer: TokenIssuer) -> None:
        self.issuers = {issuer.url: issuer, OTHER.url: OTHER}

        async def fetch(url: str) -> Any:
            found = self.issuers.get(url.removesuffix("/.well-known/jwks.json"))
            if found is None:
                raise FetchError(f"GET {url} failed: connection refused")
            return found.jwks()

        checks = token_checks(IssuerDirectory(BASE), JwksCache(fetch=fetch))
        self.invoker = ScriptedInvoker(InvokeResult(payload=b'{"statusCode": 200, "body": "ok"}'))
        self.stages = (
            RouteRequest(),
            Authorize(checks),
            BuildEvent(),
            InvokeIntegration(self.invoker),
        )
        self.deployment = _deployment()

    async def get(
        self, path: str, query: str = "", **headers: str
    ) -> tuple[int, bytes, dict[bytes, bytes]]:
        request = gateway_request(path, headers=headers.items(), query_string=query)
        ctx = RequestContext(request, self.deployment, "127.0.0.1:3000")
        response = await run_stages(self.stages, ctx)
        return response.status, response.body, dict(response.headers)

    @property
    def event(self) -> dict[str, Any]:
        return self.invoker.events[-1]


@pytest.fixture
def issuer() -> TokenIssuer:
    return TokenIssuer(f"{BASE}/{POOL}")


@pytest.fixture
def pipeline(issuer: TokenIssuer) -> Pipeline:
    return Pipeline(issuer)


# HTTP API, JWT authorizer --------------------------------------------------------------


async def test_jwt_valid_bearer_token_reaches_the_function_with_claims(
    pipeline: Pipeline, issuer: TokenIssuer
) -> None:
    token = issuer.id_token(**{"cognito:groups": ["admin", "users"]})
    status, body, _ = await pipeline.get("/me", Authorization=f"Bearer {token}")
    assert (status, body) == (200, b"ok")
    jwt = pipeline.event["requestContext"]["authorizer"]["jwt"]
    claims = jwt["claims"]
    assert claims["cognito:username"] == "alice"
    assert claims["aud"] == CLIENT_ID
    assert claims["email_verified"] == "true"
    assert claims["cognito:groups"] == "[admin users]"
    assert claims["exp"].isdigit() and claims["iat"].isdigit()
    assert jwt["scopes"] is None  # the route has no authorization scopes


async def test_jwt_token_without_bearer_prefix_is_accepted(
    pipeline: Pipeline, issuer: TokenIssuer
) -> None:
    status, _, _ = await pipeline.get("/me", Authorization=issuer.id_token())
    assert status == 200


async def test_jwt_missing_token_is_401(pipeline: Pipeline) -> None:
    status, body, headers = await pipeline.get("/me")
    assert (status, body) == (401, b'{"message":"Unauthorized"}')
    assert b"x-amzn-errortype" not in headers


async def test_jwt_wrong_audience_is_401_with_the_documented_www_authenticate(
    pipeline: Pipeline, issuer: TokenIssuer
) -> None:
    token = issuer.id_token(aud="someone-else")
    status, body, headers = await pipeline.get("/me", Authorization=f"Bearer {token}")
    assert (status, body) == (401, b'{"message":"Unauthorized"}')
    assert headers[b"www-authenticate"] == (
        b'Bearer scope="" error="invalid_token" '
        b'error_description="the token does not have a valid audience"'
    )


async def test_jwt_expired_token_says_so_in_www_authenticate(
    pipeline: Pipeline, issuer: TokenIssuer
) -> None:
    token = issuer.id_token(exp=int(time.time()) - 5)
    status, _, headers = await pipeline.get("/me", Authorization=f"Bearer {token}")
    assert status == 401
    assert b'error_description="the token has expired"' in headers[b"www-authenticate"]


async def test_jwt_scoped_route_admits_a_token_with_one_of_the_scopes(
    pipeline: Pipeline, issuer: TokenIssuer
) -> None:
    token = issuer.access_token(scope="openid root")
    status, _, _ = await pipeline.get("/admin", Authorization=f"Bearer {token}")
    assert status == 200
    # The token's own scopes, not the intersection with the route's.
    assert pipeline.event["requestContext"]["authorizer"]["jwt"]["scopes"] == ["openid", "root"]


async def test_jwt_scoped_route_refuses_a_token_without_them_with_403(
    pipeline: Pipeline, issuer: TokenIssuer
) -> None:
    token = issuer.access_token(scope="openid email")
    status, body, _ = await pipeline.get("/admin", Authorization=f"Bearer {token}")
    assert (status, body) == (403, b'{"message":"Forbidden"}')
    assert pipeline.invoker.events == []


async def test_jwt_payload_1_0_puts_claims_and_scopes_under_authorizer(
    pipeline: Pipeline, issuer: TokenIssuer
) -> None:
    token = issuer.access_token(scope="read")
    status, _, _ = await pipeline.get("/v1/me", Authorization=f"Bearer {token}")
    assert status == 200
    authorizer = pipeline.event["requestContext"]["authorizer"]
    assert authorizer["claims"]["client_id"] == CLIENT_ID
    assert authorizer["scopes"] == ["read"]


async def test_jwt_token_naming_another_issuer_is_401(
    pipeline: Pipeline, issuer: TokenIssuer
) -> None:
    # Signed with the right key, but `iss` is AWS's URL while the directory maps the
    # configured cognito-idp issuer to the local one: the issuer check refuses it.
    token = issuer.id_token(iss=JWT_ISSUER)
    status, _, headers = await pipeline.get("/me", Authorization=f"Bearer {token}")
    assert status == 401
    assert b"the token does not have a valid issuer" in headers[b"www-authenticate"]


# REST API, Cognito user pool authorizer ------------------------------------------------


async def test_cognito_id_token_reaches_the_function_with_rest_claims(
    pipeline: Pipeline, issuer: TokenIssuer
) -> None:
    token = issuer.id_token(**{"cognito:groups": ["team", "ops"]})
    status, body, _ = await pipeline.get("/Prod/profile", Authorization=token)
    assert (status, body) == (200, b"ok")
    claims = pipeline.event["requestContext"]["authorizer"]["claims"]
    assert claims["token_use"] == "id"
    assert claims["cognito:groups"] == "team,ops"
    assert claims["email_verified"] == "true"
    assert claims["auth_time"].isdigit()
    # exp and iat as Java dates, e.g. "Wed Nov 06 07:36:54 UTC 2019".
    assert re.fullmatch(r"\w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}", claims["exp"])
    assert re.fullmatch(r"\w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}", claims["iat"])
    assert set(pipeline.event["requestContext"]["authorizer"]) == {"claims"}


async def test_cognito_missing_token_is_401_unauthorized_exception(pipeline: Pipeline) -> None:
    status, body, headers = await pipeline.get("/Prod/profile")
    assert (status, body) == (401, b'{"message":"Unauthorized"}')
    assert headers[b"x-amzn-errortype"] == b"UnauthorizedException"


async def test_cognito_access_token_on_a_method_without_scopes_is_401(
    pipeline: Pipeline, issuer: TokenIssuer
) -> None:
    status, _, _ = await pipeline.get("/Prod/profile", Authorization=issuer.access_token())
    assert status == 401


async def test_cognito_scoped_method_takes_an_access_token_with_the_scope(
    pipeline: Pipeline, issuer: TokenIssuer
) -> None:
    token = issuer.access_token(scope="openid shop/orders.read")
    status, _, _ = await pipeline.get("/Prod/orders", Authorization=token)
    assert status == 200
    claims = pipeline.event["requestContext"]["authorizer"]["claims"]
    assert claims["scope"] == "openid shop/orders.read"


async def test_cognito_scoped_method_refuses_id_tokens_and_missing_scopes_with_401(
    pipeline: Pipeline, issuer: TokenIssuer
) -> None:
    assert (await pipeline.get("/Prod/orders", Authorization=issuer.id_token()))[0] == 401
    token = issuer.access_token(scope="openid")
    status, body, _ = await pipeline.get("/Prod/orders", Authorization=token)
    assert (status, body) == (401, b'{"message":"Unauthorized"}')


async def test_cognito_expired_and_foreign_tokens_are_401(
    pipeline: Pipeline, issuer: TokenIssuer
) -> None:
    expired = issuer.id_token(exp=int(time.time()) - 1)
    assert (await pipeline.get("/Prod/profile", Authorization=expired))[0] == 401
    foreign = TokenIssuer(f"{BASE}/us-east-1_Other").id_token()
    assert (await pipeline.get("/Prod/profile", Authorization=foreign))[0] == 401
    forged = TokenIssuer(issuer.url).id_token()  # right issuer, wrong key
    assert (await pipeline.get("/Prod/profile", Authorization=forged))[0] == 401


async def test_jwt_identity_source_in_the_query_string(
    pipeline: Pipeline, issuer: TokenIssuer
) -> None:
    assert (await pipeline.get("/query", query=f"access_token={issuer.id_token()}"))[0] == 200
    assert (await pipeline.get("/query", Authorization=issuer.id_token()))[0] == 401


async def test_cognito_custom_header_several_pools_and_validation_expression(
    pipeline: Pipeline, issuer: TokenIssuer
) -> None:
    first = issuer.id_token(aud="partner-acme")
    second = OTHER.id_token(aud="partner-globex")
    for token in (first, second):
        status, _, _ = await pipeline.get("/Prod/partners", **{"X-Partner-Token": token})
        assert status == 200
    assert pipeline.event["requestContext"]["authorizer"]["claims"]["iss"] == OTHER.url
    # The Authorization header is not this authorizer's identity source.
    assert (await pipeline.get("/Prod/partners", Authorization=first))[0] == 401
    # identityValidationExpression must match the whole aud.
    outsider = issuer.id_token(aud="partner-acme-2")
    assert (await pipeline.get("/Prod/partners", **{"X-Partner-Token": outsider}))[0] == 401


async def test_unreachable_issuer_refuses_with_401_on_both_kinds(
    pipeline: Pipeline, issuer: TokenIssuer
) -> None:
    pipeline.issuers.clear()  # the identity provider is down
    status, body, headers = await pipeline.get("/me", Authorization=issuer.id_token())
    assert (status, body) == (401, b'{"message":"Unauthorized"}')
    assert b"signing keys are unavailable" in headers[b"www-authenticate"]
    status, _, headers = await pipeline.get("/Prod/profile", Authorization=issuer.id_token())
    assert (status, headers[b"x-amzn-errortype"]) == (401, b"UnauthorizedException")
