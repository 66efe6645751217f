"""Lambda custom (non-proxy) integrations from templates (x-amazon-apigateway-integration
type aws, AWS::ApiGateway::Method Integration Type AWS) and management-API snapshots, and
the render → compile round trip that serves them after a redeploy."""

from __future__ import annotations

from typing import Any

import pytest

from lamina.config.apigateway_compile import compile_rest_api
from lamina.config.apigateway_render import render_rest_api
from lamina.config.load import load_application
from lamina.gateway.model import (
    AwsServiceIntegration,
    IntegrationResponse,
    LambdaCustomIntegration,
    RestApi,
)
from tests.conftest import FIXTURES

REGION = "us-east-1"
ACCOUNT = "123456789012"
ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:Orders"
URI = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{ARN}/invocations"


def _apis() -> dict[str, RestApi]:
    app = load_application(FIXTURES / "apps" / "lambda_custom", region=REGION, account_id=ACCOUNT)
    return {api.logical_id: api for api in app.rest_apis}


def _integration(api: RestApi, path: str) -> Any:
    resource = next(r for r in api.resources if r.path == path)
    return resource.methods["POST"].integration


def test_openapi_extension_type_aws_loads_templates_and_responses() -> None:
    custom = _integration(_apis()["CustomApi"], "/orders/{id}")
    assert isinstance(custom, LambdaCustomIntegration)
    assert (custom.function_name, custom.qualifier) == ("OrdersFunction", None)
    assert custom.passthrough_behavior == "WHEN_NO_TEMPLATES"
    assert list(custom.request_templates) == ["application/json"]
    assert [(r.selection_pattern, r.status_code) for r in custom.responses] == [
        (None, "200"),
        (r"\[400\].*", "400"),
        (r"\[500\].*", "500"),
    ]
    assert custom.responses[0].response_parameters == {
        "method.response.header.X-Order-Version": "integration.response.body.meta.version",
        "method.response.header.X-Served-By": "'lamina'",
    }


def test_cloudformation_method_type_aws_loads_integration_responses() -> None:
    custom = _integration(_apis()["CfnApi"], "/orders")
    assert custom == LambdaCustomIntegration(
        function_name="OrdersFunction",
        request_templates={"application/json": """{"id": "cfn", "name": $input.json('$.name')}"""},
        responses=(
            IntegrationResponse(
                status_code="200",
                response_parameters={
                    "method.response.header.X-Order-Version": (
                        "integration.response.body.meta.version"
                    )
                },
            ),
            IntegrationResponse(
                selection_pattern=r"\[400\].*",
                status_code="400",
                response_templates={
                    "application/json": """{"error": $input.json('$.errorMessage')}"""
                },
            ),
        ),
    )


@pytest.mark.parametrize("logical_id", ["CustomApi", "CfnApi"])
def test_render_then_compile_gives_the_integration_back(logical_id: str) -> None:
    api = _apis()[logical_id]
    snapshot, stages = render_rest_api(api, region=REGION, account_id=ACCOUNT)
    methods = [m for r in snapshot["resources"] for m in (r.get("resourceMethods") or {}).values()]
    assert {m["methodIntegration"]["type"] for m in methods} == {"AWS"}
    back = compile_rest_api(
        snapshot,
        [(record, snapshot, None) for record in stages],
        region=REGION,
        account_id=ACCOUNT,
        logical_id=api.logical_id,
    )
    assert back.resources == api.resources


def _snapshot(integration: dict[str, Any]) -> dict[str, Any]:
    method = {
        "httpMethod": "POST",
        "authorizationType": "NONE",
        "apiKeyRequired": False,
        "methodIntegration": integration,
    }
    return {
        "restApi": {"id": "a1b2c3d4e5", "name": "orders"},
        "resources": [
            {"id": "root01", "path": "/"},
            {
                "id": "res001",
                "parentId": "root01",
                "pathPart": "orders",
                "path": "/orders",
                "resourceMethods": {"POST": method},
            },
        ],
        "authorizers": [],
        "gatewayResponses": [],
        "models": [],
        "requestValidators": [],
    }


def _compiled(integration: dict[str, Any]) -> Any:
    api = compile_rest_api(
        _snapshot(integration), [], region=REGION, account_id=ACCOUNT, logical_id="Api"
    )
    return _integration(api, "/orders")


def test_compile_put_integration_shape_type_aws() -> None:
    # As GetIntegration returns it after put-integration / put-integration-response.
    compiled = _compiled(
        {
            "type": "AWS",
            "httpMethod": "POST",
            "uri": URI.replace(":Orders/", ":Orders:live/"),
            "passthroughBehavior": "NEVER",
            "timeoutInMillis": 5000,
            "requestTemplates": {"application/json": '{"a": 1}'},
            "integrationResponses": {
                "200": {"statusCode": "200"},
                "404": {
                    "statusCode": "404",
                    "selectionPattern": "Not found.*",
                    "responseTemplates": {"application/json": "{}"},
                },
            },
        }
    )
    assert compiled == LambdaCustomIntegration(
        function_name="Orders",
        qualifier="live",
        timeout_ms=5000,
        request_templates={"application/json": '{"a": 1}'},
        passthrough_behavior="NEVER",
        responses=(
            IntegrationResponse(status_code="200"),
            IntegrationResponse(
                selection_pattern="Not found.*",
                status_code="404",
                response_templates={"application/json": "{}"},
            ),
        ),
    )


def test_compile_type_aws_to_another_service_is_an_aws_service_integration() -> None:
    """Not a Lambda custom integration: the AWS service integration runs it."""
    uri = f"arn:aws:apigateway:{REGION}:sqs:path/{ACCOUNT}/queue"
    compiled = _compiled({"type": "AWS", "httpMethod": "POST", "uri": uri})
    assert compiled == AwsServiceIntegration(uri=uri, http_method="POST")
