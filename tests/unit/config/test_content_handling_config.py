"""contentHandling read from templates (x-amazon-apigateway-integration and CloudFormation's
Method Integration) and kept through the control plane: render as GetIntegration shows it,
then compile back to the same model.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-integration.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-method-integration.html
"""

from __future__ import annotations

import pytest

from lamina.config.apigateway_compile import compile_rest_api
from lamina.config.apigateway_render import render_rest_api
from lamina.config.error import ConfigError
from lamina.config.integration import (
    build_aws_service_integration,
    build_http_integration,
    build_lambda_custom_integration,
    build_mock_integration,
)
from lamina.gateway.model import (
    AwsServiceIntegration,
    HttpIntegration,
    IntegrationResponse,
    LambdaCustomIntegration,
    Method,
    MockIntegration,
    Resource,
    RestApi,
)

REGION = "us-east-1"
ACCOUNT = "123456789012"
FN_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:Thumbs/invocations"
)


def test_openapi_extension_integration_and_response_content_handling() -> None:
    spec = {
        "type": "aws",
        "uri": FN_URI,
        "contentHandling": "CONVERT_TO_TEXT",
        "responses": {
            "default": {"statusCode": "200", "contentHandling": "CONVERT_TO_BINARY"},
            "4\\d\\d": {"statusCode": "400"},
        },
    }
    built = build_lambda_custom_integration(spec, {"Thumbs": "Thumbs"}, 29_000)
    assert built.content_handling == "CONVERT_TO_TEXT"
    assert [r.content_handling for r in built.responses] == ["CONVERT_TO_BINARY", None]


def test_cloudformation_integration_and_response_content_handling() -> None:
    spec = {
        "Type": "HTTP",
        "Uri": "https://example.com/img",
        "ContentHandling": "CONVERT_TO_BINARY",
        "IntegrationResponses": [{"StatusCode": "200", "ContentHandling": "CONVERT_TO_TEXT"}],
    }
    built = build_http_integration(spec, 29_000)
    assert built.content_handling == "CONVERT_TO_BINARY"
    assert built.responses[0].content_handling == "CONVERT_TO_TEXT"
    aws = build_aws_service_integration(
        {**spec, "Type": "AWS", "Uri": "arn:aws:apigateway:us-east-1:s3:path/b/k"}, 29_000
    )
    assert aws.content_handling == "CONVERT_TO_BINARY"
    assert build_mock_integration({"Type": "MOCK"}).content_handling is None


def test_unknown_content_handling_is_refused() -> None:
    with pytest.raises(ConfigError, match="contentHandling 'BASE64'"):
        build_mock_integration({"type": "mock", "contentHandling": "BASE64"})
    with pytest.raises(ConfigError, match="contentHandling"):
        build_mock_integration(
            {"Type": "MOCK", "IntegrationResponses": [{"StatusCode": 200, "ContentHandling": "x"}]}
        )


RESPONSES = (IntegrationResponse(content_handling="CONVERT_TO_BINARY"),)
NonProxy = MockIntegration | HttpIntegration | LambdaCustomIntegration | AwsServiceIntegration
INTEGRATIONS: list[NonProxy] = [
    MockIntegration(content_handling="CONVERT_TO_TEXT", responses=RESPONSES),
    HttpIntegration(
        type="HTTP",
        uri="https://example.com",
        content_handling="CONVERT_TO_BINARY",
        responses=RESPONSES,
    ),
    LambdaCustomIntegration(
        function_name="Thumbs", content_handling="CONVERT_TO_TEXT", responses=RESPONSES
    ),
    AwsServiceIntegration(
        uri="arn:aws:apigateway:us-east-1:s3:path/b/k",
        http_method="GET",
        content_handling="CONVERT_TO_TEXT",
        responses=RESPONSES,
    ),
]


@pytest.mark.parametrize("integration", INTEGRATIONS, ids=lambda i: type(i).__name__)
def test_render_shows_content_handling_and_compiles_back(integration: NonProxy) -> None:
    api = RestApi(
        id="a1b2c3d4e5",
        logical_id="Api",
        name="api",
        resources=(
            Resource(
                id="rootid0001",
                path="/",
                methods={"POST": Method(http_method="POST", integration=integration)},
            ),
        ),
        binary_media_types=("image/png",),
    )
    snapshot, _ = render_rest_api(api, region=REGION, account_id=ACCOUNT)
    record = snapshot["resources"][0]["resourceMethods"]["POST"]["methodIntegration"]
    assert record["contentHandling"] == integration.content_handling
    assert record["integrationResponses"]["200"]["contentHandling"] == "CONVERT_TO_BINARY"
    back = compile_rest_api(snapshot, [], region=REGION, account_id=ACCOUNT, logical_id="Api")
    assert back.resources == api.resources
    assert back.binary_media_types == api.binary_media_types
