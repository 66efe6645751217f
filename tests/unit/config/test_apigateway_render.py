"""Rendering template-built REST APIs as management-API snapshots and stage records, and the
round trip back through the compiler: `compile(render(api)) == api` for what the data plane
reads."""

from __future__ import annotations

import re
from typing import Any

import botocore.session  # type: ignore[import-untyped]
import msgspec
import pytest

from lamina.config.apigateway_compile import compile_rest_api
from lamina.config.apigateway_render import render_definition, render_rest_api
from lamina.config.load import load_application
from lamina.gateway.model import (
    AccessLogSetting,
    Canary,
    HttpIntegration,
    IntegrationResponse,
    LambdaIntegration,
    Method,
    MockIntegration,
    Resource,
    RestApi,
    Stage,
    UnsupportedIntegration,
)
from tests.botocore_shape import check_shape
from tests.conftest import FIXTURES

REGION = "us-east-1"
ACCOUNT = "123456789012"

# Stage fields that cannot come back unchanged, and why.
NOT_ROUND_TRIPPED = {
    # A template stage has no deployment id; render gives it one derived from the snapshot
    # (asserted in test_render_template_stage_deployment_id_names_the_content).
    "deployment_id",
}

# Template APIs with the features the data plane reads (fixture folder: what it brings).
FIXTURES_WITH = {
    "apps/authorizers": "TOKEN and REQUEST Lambda authorizers",
    "apps/authorizer_forms": "REQUEST identity of four kinds; an OpenAPI TOKEN authorizer",
    "apps/cors": "MOCK OPTIONS methods (SAM Cors), a gateway response",
    "apps/default_endpoint": "DisableExecuteApiEndpoint (SAM and CloudFormation), a MOCK",
    "apps/http_backend": "HTTP / HTTP_PROXY integrations: parameters, templates, responses",
    "apps/iam": "resource policies, AWS_IAM methods, a TOKEN authorizer, four APIs",
    "apps/identity": "a COGNITO_USER_POOLS authorizer",
    "apps/jwt": "a COGNITO_USER_POOLS authorizer with OAuth scopes on a method",
    "apps/lambda_credentials": "Lambda proxy and custom integrations with credentials",
    "apps/limits": "API keys required, a gateway response",
    "apps/observe": "an access log setting",
    "apps/proxy": "binary media types, {proxy+} paths",
    "apps/staged": "stage variables",
    "apps/validation": "request validators, models with $ref, required parameters (SAM, OpenAPI)",
    "apps/vtl": "MOCK integrations with mapping templates and selection patterns",
    "apps/waf": "a web ACL on a stage",
    "templates/cfn_request_validation": "AWS::ApiGateway::Model / RequestValidator on a Method",
    "templates/cfn_rest_resources": "AWS::ApiGateway::Resource/Method, MOCK, binary types",
    "templates/sam_explicit_apis": "a SAM Api with stage variables and binary types",
}


def assert_round_trips(api: RestApi, back: RestApi) -> None:
    """Field by field, so a failure names the field."""
    for field in RestApi.__struct_fields__:
        if field != "stages":
            assert getattr(back, field) == getattr(api, field), field
    assert [stage.name for stage in back.stages] == [stage.name for stage in api.stages]
    for want, got in zip(api.stages, back.stages, strict=True):
        for field in Stage.__struct_fields__:
            if field not in NOT_ROUND_TRIPPED:
                assert getattr(got, field) == getattr(want, field), f"stage {want.name}: {field}"


@pytest.mark.parametrize("folder", sorted(FIXTURES_WITH))
def test_render_then_compile_gives_the_template_api_back(folder: str) -> None:
    app = load_application(FIXTURES / folder, region=REGION, account_id=ACCOUNT)
    assert app.rest_apis, folder
    for api in app.rest_apis:
        snapshot, stages = render_rest_api(api, region=REGION, account_id=ACCOUNT)
        # A stage's web ACL comes back when the compiler is given the ACL its ARN names
        # (there is no WAF management API whose registry it could read).
        web_acls = {s.web_acl.arn: s.web_acl for s in api.stages if s.web_acl is not None}
        back = compile_rest_api(
            snapshot,
            [(record, snapshot, None) for record in stages],
            region=REGION,
            account_id=ACCOUNT,
            logical_id=api.logical_id,
            web_acls=web_acls,
        )
        assert_round_trips(api, back)
        assert all(stage.definition is None for stage in back.stages)


def test_render_fixtures_cover_the_features() -> None:
    """The round trip above meets every feature it claims to (so it cannot pass vacuously)."""
    apis = [
        api
        for folder in FIXTURES_WITH
        for api in load_application(FIXTURES / folder, region=REGION, account_id=ACCOUNT).rest_apis
    ]
    methods = [m for api in apis for r in api.resources for m in r.methods.values()]
    stages = [stage for api in apis for stage in api.stages]
    assert {a.type for api in apis for a in api.authorizers} == {
        "TOKEN",
        "REQUEST",
        "COGNITO_USER_POOLS",
    }
    assert any(isinstance(m.integration, MockIntegration) for m in methods)
    assert any(m.authorization_scopes for m in methods)
    assert any(m.api_key_required for m in methods)
    assert any(api.binary_media_types for api in apis)
    assert any(api.gateway_responses for api in apis)
    assert any(api.policy for api in apis)
    assert any(stage.variables for stage in stages)
    assert any(stage.access_log for stage in stages)
    assert any(stage.web_acl for stage in stages)
    assert any(api.models for api in apis)
    assert any(model.description for api in apis for model in api.models)
    assert {
        (v.validate_request_body, v.validate_request_parameters)
        for api in apis
        for v in api.request_validators
    } >= {(True, True), (False, True)}
    assert any(m.request_validator_id for m in methods)
    assert any(False in m.request_parameters.values() for m in methods)
    assert any(m.request_models for m in methods)
    assert any(
        isinstance(m.integration, LambdaIntegration) and m.integration.credentials for m in methods
    )


# Shapes


def test_render_records_fit_botocore_output_shapes() -> None:
    model = botocore.session.get_session().get_service_model("apigateway")
    for folder in FIXTURES_WITH:
        app = load_application(FIXTURES / folder, region=REGION, account_id=ACCOUNT)
        for api in app.rest_apis:
            snapshot, stages = render_rest_api(api, region=REGION, account_id=ACCOUNT)
            check_shape(snapshot["restApi"], model.shape_for("RestApi"), "restApi")
            for key, shape in (
                ("resources", "Resource"),
                ("authorizers", "Authorizer"),
                ("gatewayResponses", "GatewayResponse"),
            ):
                for index, record in enumerate(snapshot[key]):
                    check_shape(record, model.shape_for(shape), f"{key}[{index}]")
            for record in stages:
                check_shape(record, model.shape_for("Stage"), "stage")


def api_with(*resources: Resource, **fields: Any) -> RestApi:
    return RestApi(id="a1b2c3d4e5", logical_id="Api", name="api", resources=resources, **fields)


def test_render_resources_methods_and_lambda_uri() -> None:
    lambda_get = Method(
        http_method="GET",
        integration=LambdaIntegration(function_name="orders", qualifier="live", timeout_ms=900),
    )
    api = api_with(
        Resource(id="rootid0001", path="/"),
        Resource(id="res001", path="/orders", methods={"GET": lambda_get}),
    )
    snapshot, _ = render_rest_api(api, region=REGION, account_id=ACCOUNT)
    assert snapshot["restApi"]["rootResourceId"] == "rootid0001"
    root, orders = snapshot["resources"]
    assert root == {"id": "rootid0001", "path": "/"}
    assert orders["parentId"] == "rootid0001" and orders["pathPart"] == "orders"
    assert orders["resourceMethods"]["GET"] == {
        "httpMethod": "GET",
        "authorizationType": "NONE",
        "apiKeyRequired": False,
        "methodIntegration": {
            "type": "AWS_PROXY",
            "httpMethod": "POST",
            # https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
            "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
            "arn:aws:lambda:us-east-1:123456789012:function:orders:live/invocations",
            "passthroughBehavior": "WHEN_NO_MATCH",
            "timeoutInMillis": 900,
            "cacheNamespace": "res001",
            "cacheKeyParameters": [],
        },
    }


def test_render_adds_missing_ancestors() -> None:
    leaf = Resource(id="leaf01", path="/a/b/{id}", methods={"GET": Method(http_method="GET")})
    snapshot, _ = render_rest_api(api_with(leaf), region=REGION, account_id=ACCOUNT)
    by_path = {record["path"]: record for record in snapshot["resources"]}
    assert sorted(by_path) == ["/", "/a", "/a/b", "/a/b/{id}"]
    assert by_path["/a/b/{id}"]["parentId"] == by_path["/a/b"]["id"]
    assert by_path["/a/b"]["parentId"] == by_path["/a"]["id"]
    assert by_path["/a"]["parentId"] == by_path["/"]["id"] == snapshot["restApi"]["rootResourceId"]
    assert all(re.fullmatch(r"[a-z0-9]{6}", by_path[p]["id"]) for p in ("/a", "/a/b"))


def test_render_http_and_unsupported_integrations_keep_type_and_uri() -> None:
    methods = {
        "GET": Method(
            http_method="GET",
            integration=HttpIntegration(uri="https://example.com", http_method="GET"),
        ),
        "POST": Method(
            http_method="POST", integration=UnsupportedIntegration(type="AWS", uri="arn:x")
        ),
    }
    api = api_with(Resource(id="rootid0001", path="/", methods=methods))
    snapshot, _ = render_rest_api(api, region=REGION, account_id=ACCOUNT)
    rendered = snapshot["resources"][0]["resourceMethods"]
    assert rendered["GET"]["methodIntegration"]["type"] == "HTTP_PROXY"
    assert rendered["GET"]["methodIntegration"]["httpMethod"] == "GET"
    assert rendered["POST"]["methodIntegration"]["httpMethod"] == "POST"
    back = compile_rest_api(snapshot, [], region=REGION, account_id=ACCOUNT, logical_id="Api")
    assert back.resources == api.resources


def test_render_mock_responses_keyed_by_status_code_first_kept() -> None:
    """AWS keys integration responses by status code; an OpenAPI body keys them by pattern,
    so two patterns answering one status cannot both be rendered (the first is kept)."""
    mock = MockIntegration(
        responses=(
            IntegrationResponse(
                status_code="200",
                response_parameters={"method.response.header.X-A": "'1'"},
            ),
            IntegrationResponse(selection_pattern="2\\d\\d", status_code="200"),
            IntegrationResponse(selection_pattern="5\\d\\d", status_code="500"),
        )
    )
    api = api_with(
        Resource(
            id="rootid0001", path="/", methods={"GET": Method(http_method="GET", integration=mock)}
        )
    )
    snapshot, _ = render_rest_api(api, region=REGION, account_id=ACCOUNT)
    method = snapshot["resources"][0]["resourceMethods"]["GET"]
    assert method["methodIntegration"]["integrationResponses"] == {
        "200": {"statusCode": "200", "responseParameters": {"method.response.header.X-A": "'1'"}},
        "500": {"statusCode": "500", "selectionPattern": "5\\d\\d"},
    }
    assert method["methodResponses"] == {
        "200": {"statusCode": "200", "responseParameters": {"method.response.header.X-A": False}},
        "500": {"statusCode": "500"},
    }


def test_render_policy_as_get_rest_api_returns_it() -> None:
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Resource": "arn:a/*"}]}
    snapshot, _ = render_rest_api(api_with(policy=policy), region=REGION, account_id=ACCOUNT)
    assert snapshot["restApi"]["policy"] == (
        '{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":'
        '[{\\"Effect\\":\\"Deny\\",\\"Resource\\":\\"arn:a\\/*\\"}]}'
    )


def test_render_template_stage_deployment_id_names_the_content() -> None:
    app = load_application(FIXTURES / "apps/staged", region=REGION, account_id=ACCOUNT)
    api = app.rest_apis[0]
    _, stages = render_rest_api(api, region=REGION, account_id=ACCOUNT)
    ids = {record["deploymentId"] for record in stages}
    assert len(ids) == 1 and re.fullmatch(r"[a-z0-9]{6}", next(iter(ids)))
    _, again = render_rest_api(api, region=REGION, account_id=ACCOUNT)
    assert again == stages
    renamed = msgspec.structs.replace(api, name="renamed")
    _, changed = render_rest_api(renamed, region=REGION, account_id=ACCOUNT)
    assert changed[0]["deploymentId"] not in ids


def test_render_stage_access_log_to_a_group_named_only_by_the_template() -> None:
    setting = AccessLogSetting(destination_arn="AccessGroup", log_group="team-access", format="$x")
    api = api_with(stages=(Stage(name="prod", access_log=setting),))
    snapshot, stages = render_rest_api(api, region=REGION, account_id=ACCOUNT)
    assert stages[0]["accessLogSettings"] == {
        "format": "$x",
        "destinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:team-access",
    }
    back = compile_rest_api(
        snapshot, [(stages[0], snapshot, None)], region=REGION, account_id=ACCOUNT
    )
    assert back.stages[0].access_log is not None
    assert back.stages[0].access_log.log_group == "team-access"


def test_render_stages_with_own_deployments_and_canary_round_trip() -> None:
    def on(function_name: str) -> RestApi:
        method = Method(
            http_method="GET", integration=LambdaIntegration(function_name=function_name)
        )
        return api_with(
            Resource(id="rootid0001", path="/"),
            Resource(id="res001", path="/items", methods={"GET": method}),
        )

    current, deployed, trial = on("now"), on("then"), on("next")
    api = msgspec.structs.replace(
        current,
        stages=(
            Stage(
                name="prod",
                variables={"alias": "live"},
                deployment_id="dep001",
                definition=deployed,
                canary=Canary(
                    percent_traffic=25.0,
                    deployment_id="dep002",
                    definition=trial,
                    variable_overrides={"alias": "next"},
                ),
            ),
            Stage(name="dev", deployment_id="dep003"),
        ),
    )
    snapshot, stages = render_rest_api(api, region=REGION, account_id=ACCOUNT)
    prod, dev = stages
    assert (prod["deploymentId"], dev["deploymentId"]) == ("dep001", "dep003")
    assert prod["canarySettings"] == {
        "percentTraffic": 25.0,
        "deploymentId": "dep002",
        "stageVariableOverrides": {"alias": "next"},
        "useStageCache": False,
    }
    back = compile_rest_api(
        snapshot,
        [
            (
                prod,
                render_definition(deployed, region=REGION, account_id=ACCOUNT),
                render_definition(trial, region=REGION, account_id=ACCOUNT),
            ),
            (dev, snapshot, None),
        ],
        region=REGION,
        account_id=ACCOUNT,
        logical_id="Api",
    )
    assert back.resources == api.resources
    assert {stage.name: stage for stage in back.stages} == {
        stage.name: stage for stage in api.stages
    }
