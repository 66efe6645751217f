"""A REST REQUEST authorizer's identity sources are required once its answers are cached:
"For the REQUEST authorizer, this is required when authorization caching is enabled."
https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html"""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.config.error import ConfigError
from tests.unit.config.test_authorizer import (
    BODY_REST,
    CFN_HTTP,
    CFN_REST,
    by_name,
    load,
    only_http,
    only_rest,
)

NO_SOURCE = (
    '              identitySource: "method.request.header.A, method.request.querystring.b"\n'
)


def test_body_request_authorizer_without_identity_and_default_ttl_is_an_error(
    tmp_path: Path,
) -> None:
    text = BODY_REST.replace(NO_SOURCE, "").replace(
        "              authorizerResultTtlInSeconds: 0\n", ""
    )
    with pytest.raises(ConfigError, match=r"security scheme req: .*needs an identitySource"):
        load(tmp_path, text)


def test_body_request_authorizer_without_identity_and_caching_off_is_called_uncached(
    tmp_path: Path,
) -> None:
    api = only_rest(load(tmp_path, BODY_REST.replace(NO_SOURCE, "")))
    found = by_name(api)["req"]
    assert (found.identity_sources, found.result_ttl_seconds) == ((), 0)


def test_cfn_request_authorizer_without_identity_and_a_ttl_is_an_error(tmp_path: Path) -> None:
    text = CFN_REST.replace("Type: TOKEN\n", "Type: REQUEST\n").replace(
        "      IdentitySource: method.request.header.Authorization\n", "", 1
    )
    with pytest.raises(ConfigError, match="needs an identitySource"):
        load(tmp_path, text)


def test_cognito_authorizer_reading_a_query_string_is_an_error(tmp_path: Path) -> None:
    """ "For a TOKEN or COGNITO_USER_POOLS authorizer, this is required and specifies the
    request header mapping expression" (API_Authorizer): a query string is not read
    (Lamina used to fall back to the Authorization header silently)."""
    text = CFN_REST.replace(
        "IdentitySource: method.request.header.Auth\n",
        "IdentitySource: method.request.querystring.t\n",
    )
    with pytest.raises(ConfigError, match=r"COGNITO_USER_POOLS authorizer reads exactly one"):
        load(tmp_path, text)


@pytest.mark.parametrize(
    "sources",
    ["[$context.routeKey]", "[$request.header.A, $request.header.B]", "[$stageVariables.t]"],
)
def test_jwt_authorizer_reads_one_header_or_query_string(tmp_path: Path, sources: str) -> None:
    """JWT identity source: "a single entry ... Currently only header-based and query
    parameter-based selections are supported" (apigatewayv2 Authorizer, identitySource)."""
    text = CFN_HTTP.replace(
        "IdentitySource: [$request.header.Authorization]\n      JwtConfiguration",
        f"IdentitySource: {sources}\n      JwtConfiguration",
    )
    with pytest.raises(ConfigError, match=r"a JWT authorizer reads exactly one"):
        load(tmp_path, text)


def test_jwt_authorizer_may_read_a_query_string(tmp_path: Path) -> None:
    text = CFN_HTTP.replace(
        "IdentitySource: [$request.header.Authorization]\n      JwtConfiguration",
        "IdentitySource: [$request.querystring.access_token]\n      JwtConfiguration",
    )
    jwt = by_name(only_http(load(tmp_path, text)))["jwt"]
    assert jwt.identity_sources == ("$request.querystring.access_token",)


def test_request_authorizer_identity_sources_must_be_known_expressions(tmp_path: Path) -> None:
    """REST: method.request.header/querystring, stageVariables, context; HTTP APIs the
    same with $request / $stageVariables / $context. Another expression could never be
    present, so every request would be refused with 401."""
    rest = BODY_REST.replace("method.request.querystring.b", "method.request.path.b")
    (tmp_path / "rest").mkdir()
    with pytest.raises(ConfigError, match=r"identity source 'method\.request\.path\.b'"):
        load(tmp_path / "rest", rest)
    http = CFN_HTTP.replace("$context.routeKey]", "route.request.header.X]")
    (tmp_path / "http").mkdir()
    with pytest.raises(ConfigError, match=r"identity source 'route\.request\.header\.X'"):
        load(tmp_path / "http", http)


def test_route_authorization_type_must_match_its_authorizer(tmp_path: Path) -> None:
    """A JWT route naming a Lambda (REQUEST) authorizer: CloudFormation refuses it; Lamina
    answered every request with a 500."""
    text = CFN_HTTP.replace(
        "AuthorizationType: JWT\n      AuthorizerId: !Ref Jwt",
        "AuthorizationType: JWT\n      AuthorizerId: !Ref Lam",
    )
    with pytest.raises(ConfigError, match=r"AuthorizationType JWT does not match"):
        load(tmp_path, text)


def test_authorization_scopes_need_a_cognito_or_jwt_authorizer(tmp_path: Path) -> None:
    """ "Authorization Scopes are only valid for COGNITO_USER_POOLS and JWT authorization
    types" (CloudFormation's refusal, quoted in aws/aws-cdk#27576)."""
    text = CFN_HTTP.replace(
        "      AuthorizationType: CUSTOM\n      AuthorizerId: !Ref Lam\n",
        "      AuthorizationType: CUSTOM\n      AuthorizerId: !Ref Lam\n"
        "      AuthorizationScopes: [read]\n",
    )
    with pytest.raises(ConfigError, match=r"only valid for COGNITO_USER_POOLS and JWT"):
        load(tmp_path, text)
