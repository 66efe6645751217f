"""HTTP / HTTP_PROXY integrations from templates: CloudFormation REST methods, OpenAPI
bodies, AWS::ApiGatewayV2 integrations with parameter mapping, and the timeouts refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.config.error import ConfigError
from lamina.config.load import load_application
from lamina.gateway.model import HttpIntegration, IntegrationResponse

CFN_REST = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: legacy}
  Users:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !GetAtt Api.RootResourceId
      PathPart: "{user}"
  GetUser:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      AuthorizationType: NONE
      RequestParameters:
        method.request.path.user: true
      Integration:
        Type: HTTP
        IntegrationHttpMethod: POST
        Uri: https://legacy.example.com/lookup/{id}
        TimeoutInMillis: 5000
        RequestParameters:
          integration.request.path.id: method.request.path.user
          integration.request.header.X-Key: "'k1'"
        RequestTemplates:
          application/json: '{"user": "$input.params(''user'')"}'
        PassthroughBehavior: NEVER
        IntegrationResponses:
          - StatusCode: "200"
            ResponseParameters:
              method.response.header.X-Id: integration.response.body.id
          - StatusCode: "404"
            SelectionPattern: "404"
      MethodResponses:
        - StatusCode: "200"
          ResponseParameters: {method.response.header.X-Id: false}
        - StatusCode: "404"
  PutUser:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: PUT
      AuthorizationType: NONE
      Integration:
        Type: HTTP_PROXY
        IntegrationHttpMethod: ANY
        Uri: https://legacy.example.com/users/{user}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [GetUser, PutUser]
    Properties: {RestApiId: !Ref Api, StageName: v1}
"""


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "template.yaml").write_text(text)
    return tmp_path


def test_cloudformation_rest_methods_with_http_integrations(tmp_path: Path) -> None:
    app = load_application(_write(tmp_path, CFN_REST))
    (api,) = app.rest_apis
    methods = {m.http_method: m for r in api.resources for m in r.methods.values()}
    assert methods["GET"].integration == HttpIntegration(
        type="HTTP",
        uri="https://legacy.example.com/lookup/{id}",
        http_method="POST",
        timeout_ms=5000,
        request_parameters={
            "integration.request.path.id": "method.request.path.user",
            "integration.request.header.X-Key": "'k1'",
        },
        request_templates={"application/json": '{"user": "$input.params(\'user\')"}'},
        passthrough_behavior="NEVER",
        responses=(
            IntegrationResponse(
                status_code="200",
                response_parameters={"method.response.header.X-Id": "integration.response.body.id"},
            ),
            IntegrationResponse(selection_pattern="404", status_code="404"),
        ),
    )
    assert methods["PUT"].integration == HttpIntegration(
        uri="https://legacy.example.com/users/{user}", http_method="ANY"
    )


V2 = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: v2, ProtocolType: HTTP}
  Backend:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: HTTP_PROXY
      IntegrationMethod: GET
      IntegrationUri: https://backend.example.com
      PayloadFormatVersion: "1.0"
      TimeoutInMillis: TIMEOUT
      RequestParameters: {"overwrite:path": "/v1$request.path"}
      ResponseParameters:
        "500": {"overwrite:statuscode": "503"}
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Api, RouteKey: "ANY /{proxy+}", Target: !Sub "integrations/${Backend}"}
"""


def test_apigatewayv2_integration_parameter_mapping_map_form(tmp_path: Path) -> None:
    app = load_application(_write(tmp_path, V2.replace("TIMEOUT", "1000")))
    (route,) = app.http_apis[0].routes
    assert route.integration == HttpIntegration(
        uri="https://backend.example.com",
        http_method="GET",
        timeout_ms=1000,
        request_parameters={"overwrite:path": "/v1$request.path"},
        response_parameters={"500": {"overwrite:statuscode": "503"}},
    )


@pytest.mark.parametrize(("timeout", "message"), [("30001", "over HTTP APIs"), ("49", "under")])
def test_http_api_integration_timeouts_out_of_range_are_refused(
    tmp_path: Path, timeout: str, message: str
) -> None:
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html
    with pytest.raises(ConfigError, match=message):
        load_application(_write(tmp_path, V2.replace("TIMEOUT", timeout)))


def test_openapi_http_integration_without_uri_is_refused(tmp_path: Path) -> None:
    template = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: dev
      DefinitionBody:
        openapi: "3.0.1"
        info: {title: t, version: "1"}
        paths:
          /x:
            get:
              x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET}
"""
    with pytest.raises(ConfigError, match="needs a uri"):
        load_application(_write(tmp_path, template))
