"""Rendering template-built HTTP APIs as apigatewayv2 snapshots and stage records, and the
round trip back through the compiler: `compile(render(api)) == api` for what the data plane
reads."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import botocore.session  # type: ignore[import-untyped]
import msgspec
import pytest

from lamina.config.apigatewayv2_compile import compile_http_api
from lamina.config.apigatewayv2_render import render_http_api
from lamina.config.error import ConfigError
from lamina.config.load import load_application
from lamina.gateway.model import (
    AccessLogSetting,
    Authorizer,
    CorsConfiguration,
    HttpApi,
    HttpIntegration,
    LambdaIntegration,
    Route,
    Stage,
)
from tests.botocore_shape import check_shape
from tests.conftest import FIXTURES

REGION = "us-east-1"
ACCOUNT = "123456789012"

# Fields that cannot come back unchanged, and why.
STAGE_NOT_ROUND_TRIPPED = {
    # A template stage has no deployment id; render gives it one naming the snapshot's
    # content (asserted in test_render_stage_deployment_id_names_the_content).
    "deployment_id",
}
JWT_NOT_ROUND_TRIPPED = {
    # AWS takes a result TTL and a payload format for Lambda (REQUEST) authorizers only, and
    # the management API refuses them on JWT ones; the data plane reads neither for JWT.
    "result_ttl_seconds",
    "payload_format",
}

# Every fixture whose template yields HTTP APIs (fixture folder: what it brings);
# test_render_fixtures_are_every_http_api_fixture keeps this list complete.
FIXTURES_WITH = {
    "apps/authorizers": "REQUEST Lambda authorizers (simple responses, payload 1.0, TTLs)",
    "apps/authorizer_forms": "identity from stage variables and $context; policy answers",
    "apps/bucket": "path parameters",
    "apps/console": "a plain SAM HttpApi beside a REST API (the console fixture)",
    "apps/cors": "a CORS configuration, ANY with {proxy+}",
    "apps/denied": "two routes on one function",
    "apps/default_endpoint": "DisableExecuteApiEndpoint (SAM, in the body's servers)",
    "apps/domains": "an HTTP API behind custom domains",
    "apps/http_backend": "HTTP_PROXY routes with request and response parameter mapping",
    "apps/iam": "AWS_IAM routes",
    "apps/identity": "a JWT authorizer (Cognito issuer)",
    "apps/jwt": "a JWT authorizer with scopes on a route, payload format 1.0",
    "apps/lambda_credentials": "Lambda integrations with CredentialsArn",
    "apps/layered": "a plain SAM HttpApi",
    "apps/limits": "a plain HTTP API",
    "apps/node": "a plain SAM HttpApi",
    "apps/observe": "an access log setting",
    "apps/proxy": "payload formats 1.0 and 2.0",
    "apps/secrets": "a plain SAM HttpApi",
    "apps/staged": "stage variables on a named stage",
    "apps/tables": "a plain SAM HttpApi",
    "templates/cfn_http_routes": "Route/Integration resources, HTTP_PROXY, a timeout",
    "templates/sam_explicit_apis": "stage variables",
    "templates/sam_implicit_http": "$default route, per-route timeouts",
}


def load_http_apis(folder: str, tmp_path: Path) -> tuple[HttpApi, ...]:
    source = FIXTURES / folder
    if folder == "apps/domains":
        # Its template names a truststore the TLS tests write; any file loads.
        source = tmp_path / "domains"
        shutil.copytree(FIXTURES / folder, source)
        (source / "truststore.pem").write_text("placeholder")
    return load_application(source, region=REGION, account_id=ACCOUNT).http_apis


def round_trip(api: HttpApi) -> HttpApi:
    snapshot, stages = render_http_api(api, region=REGION, account_id=ACCOUNT)
    return compile_http_api(
        snapshot,
        [(record, snapshot) for record in stages],
        region=REGION,
        account_id=ACCOUNT,
        logical_id=api.logical_id,
    )


def assert_round_trips(api: HttpApi, back: HttpApi) -> None:
    """Field by field, so a failure names the field."""
    for field in ("id", "logical_id", "name", "routes", "cors", "disable_execute_api_endpoint"):
        assert getattr(back, field) == getattr(api, field), field
    assert [a.id for a in back.authorizers] == [a.id for a in api.authorizers]
    for want, got in zip(api.authorizers, back.authorizers, strict=True):
        skipped = JWT_NOT_ROUND_TRIPPED if want.type == "JWT" else set()
        for field in Authorizer.__struct_fields__:
            if field not in skipped:
                assert getattr(got, field) == getattr(want, field), f"{want.id}: {field}"
    assert [stage.name for stage in back.stages] == [stage.name for stage in api.stages]
    for want_stage, got_stage in zip(api.stages, back.stages, strict=True):
        for field in Stage.__struct_fields__:
            if field not in STAGE_NOT_ROUND_TRIPPED:
                assert getattr(got_stage, field) == getattr(want_stage, field), field
        assert got_stage.definition is None


@pytest.mark.parametrize("folder", sorted(FIXTURES_WITH))
def test_render_then_compile_gives_the_template_api_back(folder: str, tmp_path: Path) -> None:
    apis = load_http_apis(folder, tmp_path)
    assert apis, folder
    for api in apis:
        assert_round_trips(api, round_trip(api))


def test_render_fixtures_are_every_http_api_fixture(tmp_path: Path) -> None:
    """A fixture that yields HTTP APIs and is not in FIXTURES_WITH would escape the round
    trip (apps/domains needs a truststore file, see load_http_apis)."""
    found = set()
    for group in ("apps", "templates"):
        for folder in sorted((FIXTURES / group).iterdir()):
            name = f"{group}/{folder.name}"
            has_template = any(folder.glob("template.*"))
            if has_template and load_http_apis(name, tmp_path / name):
                found.add(name)
    assert found == set(FIXTURES_WITH)


def test_render_fixtures_cover_the_features(tmp_path: Path) -> None:
    """The round trip meets every feature it claims to (so it cannot pass vacuously)."""
    apis = [api for folder in FIXTURES_WITH for api in load_http_apis(folder, tmp_path / folder)]
    authorizers = [authorizer for api in apis for authorizer in api.authorizers]
    routes = [route for api in apis for route in api.routes]
    stages = [stage for api in apis for stage in api.stages]
    assert {authorizer.type for authorizer in authorizers} == {"JWT", "REQUEST"}
    assert any(a.simple_responses for a in authorizers)
    assert {a.payload_format for a in authorizers if a.type == "REQUEST"} == {"1.0", "2.0"}
    assert {a.result_ttl_seconds for a in authorizers if a.type == "REQUEST"} >= {0, 300}
    assert any(a.audience and a.issuer for a in authorizers)
    assert {route.authorization_type for route in routes} == {"NONE", "CUSTOM", "JWT", "AWS_IAM"}
    assert any(route.authorization_scopes for route in routes)
    lambdas = [r.integration for r in routes if isinstance(r.integration, LambdaIntegration)]
    assert {integration.payload_format for integration in lambdas} == {"1.0", "2.0"}
    assert {integration.timeout_ms for integration in lambdas} >= {5000, 30000}
    assert any(integration.credentials for integration in lambdas)
    assert any(isinstance(r.integration, HttpIntegration) for r in routes)
    assert any(api.cors for api in apis)
    assert any(stage.variables for stage in stages)
    assert any(stage.access_log for stage in stages)


def test_render_records_fit_botocore_output_shapes(tmp_path: Path) -> None:
    model = botocore.session.get_session().get_service_model("apigatewayv2")
    for folder in FIXTURES_WITH:
        for api in load_http_apis(folder, tmp_path / folder):
            snapshot, stages = render_http_api(api, region=REGION, account_id=ACCOUNT)
            check_shape(snapshot["api"], model.shape_for("Api"), "api")
            for key, shape in (
                ("routes", "Route"),
                ("integrations", "Integration"),
                ("authorizers", "Authorizer"),
            ):
                for index, record in enumerate(snapshot[key]):
                    check_shape(record, model.shape_for(shape), f"{key}[{index}]")
            for record in stages:
                check_shape(record, model.shape_for("Stage"), "stage")


def api_with(*routes: Route, **fields: Any) -> HttpApi:
    return HttpApi(id="a1b2c3d4e5", logical_id="Api", name="api", routes=routes, **fields)


def test_render_lambda_integration_with_qualifier_and_stage_variables() -> None:
    integration = LambdaIntegration(
        function_name="orders-${stageVariables.env}",
        qualifier="${stageVariables.alias}",
        payload_format="2.0",
        timeout_ms=900,
    )
    api = api_with(
        Route(route_key="GET /orders", integration=integration),
        stages=(Stage(name="prod", variables={"env": "prod", "alias": "live"}),),
    )
    snapshot, stages = render_http_api(api, region=REGION, account_id=ACCOUNT)
    [route] = snapshot["routes"]
    [record] = snapshot["integrations"]
    assert route["Target"] == f"integrations/{record['IntegrationId']}"
    assert re.fullmatch(r"[a-z0-9]{7}", route["RouteId"])
    assert re.fullmatch(r"[a-z0-9]{7}", record["IntegrationId"])
    assert record == {
        "ConnectionType": "INTERNET",
        "IntegrationId": record["IntegrationId"],
        "IntegrationMethod": "POST",
        "IntegrationType": "AWS_PROXY",
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
        "IntegrationUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:orders-${stageVariables.env}"
        ":${stageVariables.alias}/invocations",
        "PayloadFormatVersion": "2.0",
        "TimeoutInMillis": 900,
    }
    assert stages[0]["StageVariables"] == {"env": "prod", "alias": "live"}
    assert_round_trips(api, round_trip(api))


def test_render_lambda_authorizer_with_qualifier_and_credentials() -> None:
    authorizer = Authorizer(
        id="auth01",
        name="Gate",
        type="REQUEST",
        function_name="gate",
        qualifier="live",
        identity_sources=("$request.header.X-Key", "$context.sourceIp"),
        result_ttl_seconds=60,
        payload_format="2.0",
        simple_responses=True,
        credentials="arn:aws:iam::123456789012:role/invoke",
    )
    route = Route(route_key="$default", authorization_type="CUSTOM", authorizer_id="auth01")
    api = api_with(route, authorizers=(authorizer,))
    snapshot, _ = render_http_api(api, region=REGION, account_id=ACCOUNT)
    assert snapshot["routes"][0]["AuthorizerId"] == "auth01"
    assert "Target" not in snapshot["routes"][0]
    assert snapshot["authorizers"][0]["AuthorizerUri"].endswith(":function:gate:live/invocations")
    assert_round_trips(api, round_trip(api))


def test_render_cors_every_member() -> None:
    cors = CorsConfiguration(
        allow_origins=("https://a.example",),
        allow_methods=("GET", "POST"),
        allow_headers=("x-a",),
        expose_headers=("x-b",),
        max_age=600,
        allow_credentials=True,
    )
    snapshot, _ = render_http_api(api_with(cors=cors), region=REGION, account_id=ACCOUNT)
    assert snapshot["api"]["CorsConfiguration"] == {
        "AllowCredentials": True,
        "AllowHeaders": ["x-a"],
        "AllowMethods": ["GET", "POST"],
        "AllowOrigins": ["https://a.example"],
        "ExposeHeaders": ["x-b"],
        "MaxAge": 600,
    }
    assert round_trip(api_with(cors=cors)).cors == cors
    assert round_trip(api_with(cors=CorsConfiguration())).cors == CorsConfiguration()
    assert round_trip(api_with()).cors is None


def test_render_access_log_to_a_group_named_only_by_the_template() -> None:
    setting = AccessLogSetting(destination_arn="AccessGroup", log_group="team-access", format="$x")
    api = api_with(stages=(Stage(name="prod", access_log=setting),))
    _, stages = render_http_api(api, region=REGION, account_id=ACCOUNT)
    assert stages[0]["AccessLogSettings"] == {
        "DestinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:team-access",
        "Format": "$x",
    }
    access_log = round_trip(api).stages[0].access_log
    assert access_log is not None and access_log.log_group == "team-access"


def test_render_stage_deployment_id_names_the_content(tmp_path: Path) -> None:
    [api] = load_http_apis("apps/staged", tmp_path)
    snapshot, stages = render_http_api(api, region=REGION, account_id=ACCOUNT)
    ids = {record["DeploymentId"] for record in stages}
    assert len(ids) == 1 and re.fullmatch(r"[a-z0-9]{6}", next(iter(ids)))
    assert render_http_api(api, region=REGION, account_id=ACCOUNT) == (snapshot, stages)
    renamed = msgspec.structs.replace(api, name="renamed")
    _, changed = render_http_api(renamed, region=REGION, account_id=ACCOUNT)
    assert changed[0]["DeploymentId"] not in ids
    # Stage variables are the stage's, not the deployment's.
    varied = msgspec.structs.replace(
        api, stages=tuple(msgspec.structs.replace(s, variables={"v": "2"}) for s in api.stages)
    )
    _, same_deployment = render_http_api(varied, region=REGION, account_id=ACCOUNT)
    assert {record["DeploymentId"] for record in same_deployment} == ids


def test_render_duplicate_route_keys_keep_the_one_the_router_serves() -> None:
    first = Route(route_key="GET /a", integration=LambdaIntegration(function_name="one"))
    last = Route(route_key="GET /a", integration=LambdaIntegration(function_name="two"))
    back = round_trip(api_with(first, last))
    assert back.routes == (last,)


def test_render_refuses_a_stage_with_its_own_deployment() -> None:
    api = api_with(stages=(Stage(name="prod", deployment_id="abc123"),))
    with pytest.raises(ConfigError, match="stage prod"):
        render_http_api(api, region=REGION, account_id=ACCOUNT)
