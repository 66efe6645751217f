"""HTTP API snapshots compiled into the data plane's model: routes with Lambda and
unsupported integrations, JWT and Lambda authorizers, CORS, stages sharing or owning a
deployment's definition."""

from __future__ import annotations

from typing import Any

import pytest

from lamina.config.apigatewayv2_compile import compile_http_api
from lamina.config.error import ConfigError
from lamina.gateway.model import (
    CorsConfiguration,
    HttpIntegration,
    LambdaIntegration,
)

ARN = "arn:aws:lambda:us-east-1:123456789012:function"
INVOKE = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{}/invocations"


def _snapshot(**extra: Any) -> dict[str, Any]:
    snapshot: dict[str, Any] = {
        "api": {"ApiId": "a1b2c3d4e5", "Name": "pets", "ProtocolType": "HTTP"},
        "routes": [
            {
                "RouteId": "r1",
                "RouteKey": "GET /pets/{id}",
                "AuthorizationType": "JWT",
                "AuthorizerId": "jwt001",
                "AuthorizationScopes": ["pets/read"],
                "Target": "integrations/i1",
            },
            {"RouteId": "r2", "RouteKey": "$default", "Target": "integrations/i2"},
            {"RouteId": "r3", "RouteKey": "POST /pets", "AuthorizationType": "NONE"},
        ],
        "integrations": [
            {
                "IntegrationId": "i1",
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": f"{ARN}:pets:live",
                "PayloadFormatVersion": "2.0",
                "TimeoutInMillis": 5000,
            },
            {
                "IntegrationId": "i2",
                "IntegrationType": "HTTP_PROXY",
                "IntegrationUri": "https://backend.example.com",
                "IntegrationMethod": "ANY",
                "PayloadFormatVersion": "1.0",
            },
        ],
        "authorizers": [
            {
                "AuthorizerId": "jwt001",
                "AuthorizerType": "JWT",
                "Name": "cognito",
                "IdentitySource": ["$request.header.Authorization"],
                "JwtConfiguration": {"Issuer": "https://issuer.example", "Audience": ["c1"]},
            },
            {
                "AuthorizerId": "req001",
                "AuthorizerType": "REQUEST",
                "Name": "lambda",
                "AuthorizerUri": INVOKE.format(f"{ARN}:auth"),
                "AuthorizerPayloadFormatVersion": "2.0",
                "EnableSimpleResponses": True,
                "IdentitySource": ["$request.header.X-Token"],
            },
        ],
    }
    snapshot.update(extra)
    return snapshot


def _compile(snapshot: dict[str, Any], stages: Any = ()) -> Any:
    return compile_http_api(snapshot, stages, region="us-east-1", account_id="123456789012")


def test_routes_and_integrations() -> None:
    api = _compile(_snapshot())
    assert (api.id, api.logical_id, api.name) == ("a1b2c3d4e5", "a1b2c3d4e5", "pets")
    pets, default, post = api.routes
    assert pets.route_key == "GET /pets/{id}"
    assert pets.integration == LambdaIntegration(
        function_name="pets", qualifier="live", payload_format="2.0", timeout_ms=5000
    )
    assert (pets.authorization_type, pets.authorizer_id) == ("JWT", "jwt001")
    assert pets.authorization_scopes == ("pets/read",)
    assert default.integration == HttpIntegration(
        uri="https://backend.example.com", http_method="ANY", timeout_ms=30_000
    )
    assert post.integration is None and post.authorization_type == "NONE"


def test_lambda_integration_defaults_and_stage_variables() -> None:
    snapshot = _snapshot()
    snapshot["integrations"][0] = {
        "IntegrationId": "i1",
        "IntegrationType": "AWS_PROXY",
        "IntegrationUri": INVOKE.format(f"{ARN}:${{stageVariables.fn}}:$LATEST"),
    }
    integration = _compile(snapshot).routes[0].integration
    assert integration == LambdaIntegration(
        function_name="${stageVariables.fn}", qualifier=None, payload_format="1.0", timeout_ms=30000
    )


def test_authorizers() -> None:
    jwt, request = _compile(_snapshot()).authorizers
    assert (jwt.type, jwt.issuer, jwt.audience) == ("JWT", "https://issuer.example", ("c1",))
    assert jwt.identity_sources == ("$request.header.Authorization",)
    assert jwt.function_name is None
    assert (request.type, request.function_name, request.qualifier) == ("REQUEST", "auth", None)
    assert request.payload_format == "2.0" and request.simple_responses is True
    assert request.result_ttl_seconds == 300


def test_cors_from_the_api() -> None:
    cors = {"AllowOrigins": ["https://a.example"], "AllowMethods": ["get"], "MaxAge": 60}
    snapshot = _snapshot(api={"ApiId": "a", "Name": "n", "CorsConfiguration": cors})
    assert _compile(snapshot).cors == CorsConfiguration(
        allow_origins=("https://a.example",), allow_methods=("GET",), max_age=60
    )
    assert _compile(_snapshot()).cors is None


def test_stages_share_or_own_a_definition() -> None:
    current = _snapshot()
    older = _snapshot(routes=current["routes"][1:])
    stages = [
        ({"StageName": "prod", "DeploymentId": "d1", "StageVariables": {"fn": "a"}}, older),
        ({"StageName": "dev", "DeploymentId": "d2"}, current),
        ({"StageName": "beta", "DeploymentId": "d1"}, older),
        ({"StageName": "empty"}, current),
    ]
    api = _compile(current, stages)
    assert [stage.name for stage in api.stages] == ["beta", "dev", "prod"]
    beta, dev, prod = api.stages
    assert dev.definition is None and dev.deployment_id == "d2"
    assert prod.variables == {"fn": "a"} and prod.deployment_id == "d1"
    assert prod.definition is not None
    assert [route.route_key for route in prod.definition.routes] == ["$default", "POST /pets"]
    assert beta.definition is prod.definition


def test_stage_access_log_settings() -> None:
    group = "arn:aws:logs:us-east-1:123456789012:log-group:access"
    record = {
        "StageName": "$default",
        "DeploymentId": "d1",
        "AccessLogSettings": {"DestinationArn": group, "Format": "$context.requestId"},
    }
    [stage] = _compile(_snapshot(), [(record, _snapshot())]).stages
    assert stage.access_log is not None
    assert (stage.access_log.log_group, stage.access_log.format) == ("access", "$context.requestId")


def test_route_naming_a_missing_integration_is_a_config_error() -> None:
    snapshot = _snapshot()
    snapshot["routes"][2]["Target"] = "integrations/gone"
    with pytest.raises(ConfigError, match="HTTP API a1b2c3d4e5"):
        _compile(snapshot)
