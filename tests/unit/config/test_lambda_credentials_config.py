"""Where templates give a Lambda integration its credentials: SAM's Auth.InvokeRole (REST)
and an HTTP API's OpenAPI body (x-amazon-apigateway-integration credentials)."""

from __future__ import annotations

from pathlib import Path

from lamina.config.load import load_application
from lamina.config.model import Application
from lamina.gateway.model import CALLER_CREDENTIALS, LambdaIntegration

ROLE = "arn:aws:iam::123456789012:role/invoke"
FUNCTION = """Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: 'def handler(event, context): return {}'
      Events:
"""


def _load(tmp_path: Path, text: str) -> Application:
    (tmp_path / "template.yaml").write_text(text)
    return load_application(tmp_path)


def test_sam_invoke_role_becomes_the_rest_integration_credentials(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        FUNCTION + "        Iam:\n"
        "          Type: Api\n"
        "          Properties: {RestApiId: !Ref Api, Path: /iam, Method: get,\n"
        "                       Auth: {Authorizer: AWS_IAM}}\n"
        "        Role:\n"
        "          Type: Api\n"
        "          Properties: {RestApiId: !Ref Api, Path: /role, Method: get,\n"
        f"                       Auth: {{Authorizer: AWS_IAM, InvokeRole: '{ROLE}'}}}}\n"
        "  Api:\n"
        "    Type: AWS::Serverless::Api\n"
        "    Properties: {StageName: prod}\n",
    )
    (api,) = app.rest_apis
    found = {
        resource.path: method.integration.credentials
        for resource in api.resources
        for method in resource.methods.values()
        if isinstance(method.integration, LambdaIntegration)
    }
    # SAM's default InvokeRole for AWS_IAM is CALLER_CREDENTIALS.
    # https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-api-apiauth.html
    assert found == {"/iam": CALLER_CREDENTIALS, "/role": ROLE}


def test_http_api_body_credentials(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        FUNCTION.replace("      Events:\n", "") + "  HttpApi:\n"
        "    Type: AWS::Serverless::HttpApi\n"
        "    Properties:\n"
        "      DefinitionBody:\n"
        "        openapi: '3.0.1'\n"
        "        info: {title: t, version: '1'}\n"
        "        paths:\n"
        "          /me:\n"
        "            get:\n"
        "              x-amazon-apigateway-integration:\n"
        "                type: aws_proxy\n"
        "                httpMethod: POST\n"
        "                payloadFormatVersion: '2.0'\n"
        f"                credentials: {ROLE}\n"
        "                uri: !GetAtt Fn.Arn\n",
    )
    (api,) = app.http_apis
    (route,) = [r for r in api.routes if r.route_key == "GET /me"]
    assert isinstance(route.integration, LambdaIntegration)
    assert route.integration.credentials == ROLE
