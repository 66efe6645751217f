"""CORS configuration read from templates: SAM `Cors` (through aws-sam-translator, the MOCK
OPTIONS methods it writes), SAM `GatewayResponses` / AWS::ApiGateway::GatewayResponse, and
HTTP API CorsConfiguration (SAM, CloudFormation property, OpenAPI extension)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lamina.config.error import ConfigError
from lamina.config.load import load_application
from lamina.gateway.model import (
    CorsConfiguration,
    GatewayResponseSetting,
    IntegrationResponse,
    MockIntegration,
)

_FUNCTION = """
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: app.handler
      CodeUri: src/
      Events:
{events}
"""


def _load(tmp_path: Path, template: str) -> object:
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (tmp_path / "template.yaml").write_text(textwrap.dedent(template))
    return load_application(tmp_path)


def _sam(tmp_path: Path, resources: str, events: str, globals_: str = "") -> object:
    body = (
        'AWSTemplateFormatVersion: "2010-09-09"\n'
        "Transform: AWS::Serverless-2016-10-31\n"
        f"{globals_}"
        "Resources:\n"
        f"{resources}"
        f"{_FUNCTION.format(events=events)}"
    )
    return _load(tmp_path, body)


def test_cors_config_sam_globals_cors_makes_a_mock_options_method_per_path(
    tmp_path: Path,
) -> None:
    app = _sam(
        tmp_path,
        "  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: Prod\n",
        "        A: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /a, Method: get}}\n"
        "        B: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /b, Method: post}}\n",
        "Globals:\n  Api:\n    Cors: \"'https://app.example'\"\n",
    )
    [api] = app.rest_apis  # type: ignore[attr-defined]
    options = {r.path: r.methods["OPTIONS"].integration for r in api.resources if r.methods}
    assert options["/a"] == MockIntegration(
        request_templates={"application/json": '{\n  "statusCode" : 200\n}\n'},
        responses=(
            IntegrationResponse(
                status_code="200",
                response_parameters={
                    "method.response.header.Access-Control-Allow-Origin": "'https://app.example'",
                    "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'",
                },
                response_templates={"application/json": "{}\n"},
            ),
        ),
    )
    b = options["/b"]
    assert isinstance(b, MockIntegration)
    parameters = b.responses[0].response_parameters
    assert parameters["method.response.header.Access-Control-Allow-Methods"] == "'OPTIONS,POST'"


def test_cors_config_sam_gateway_responses_reach_the_api(tmp_path: Path) -> None:
    app = _sam(
        tmp_path,
        """\
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      GatewayResponses:
        UNAUTHORIZED:
          StatusCode: "401"
          ResponseParameters:
            Headers:
              Access-Control-Allow-Origin: "'https://app.example'"
          ResponseTemplates:
            application/json: '{"message": "log in"}'
""",
        "        A: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /a, Method: get}}\n",
    )
    [api] = app.rest_apis  # type: ignore[attr-defined]
    assert api.gateway_responses == (
        GatewayResponseSetting(
            response_type="UNAUTHORIZED",
            status_code=401,
            response_parameters={
                "gatewayresponse.header.Access-Control-Allow-Origin": "'https://app.example'"
            },
            response_templates={"application/json": '{"message": "log in"}'},
        ),
    )


def test_cors_config_sam_http_api_cors_true_allows_every_origin(tmp_path: Path) -> None:
    app = _sam(
        tmp_path,
        "  Http:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n"
        "      CorsConfiguration: true\n",
        "        H: {Type: HttpApi, Properties: {ApiId: !Ref Http, Path: /h, Method: get}}\n",
    )
    [api] = app.http_apis  # type: ignore[attr-defined]
    assert api.cors == CorsConfiguration(allow_origins=("*",))


def test_cors_config_sam_http_api_object(tmp_path: Path) -> None:
    app = _sam(
        tmp_path,
        """\
  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration:
        AllowOrigins: [https://app.example]
        AllowMethods: [get, put]
        AllowHeaders: [x-custom]
        ExposeHeaders: [x-exposed]
        MaxAge: 600
        AllowCredentials: true
""",
        "        H: {Type: HttpApi, Properties: {ApiId: !Ref Http, Path: /h, Method: get}}\n",
    )
    [api] = app.http_apis  # type: ignore[attr-defined]
    assert api.cors == CorsConfiguration(
        allow_origins=("https://app.example",),
        allow_methods=("GET", "PUT"),
        allow_headers=("x-custom",),
        expose_headers=("x-exposed",),
        max_age=600,
        allow_credentials=True,
    )


_CFN = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
{resources}
"""


def test_cors_config_cloudformation_property_and_gateway_response_resource(
    tmp_path: Path,
) -> None:
    app = _load(
        tmp_path,
        _CFN.format(
            resources="""\
  Http:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: h
      ProtocolType: HTTP
      CorsConfiguration:
        AllowOrigins: ["http://*"]
        MaxAge: -1
  Rest:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: r}
  Options:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Rest
      ResourceId: !GetAtt Rest.RootResourceId
      HttpMethod: OPTIONS
      AuthorizationType: NONE
      Integration:
        Type: MOCK
        PassthroughBehavior: NEVER
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses:
          - StatusCode: "500"
            SelectionPattern: "5\\\\d{2}"
          - StatusCode: "200"
            ResponseParameters:
              method.response.header.Access-Control-Allow-Origin: "'*'"
  Denied:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref Rest
      ResponseType: ACCESS_DENIED
      StatusCode: "403"
      ResponseParameters:
        gatewayresponse.header.Access-Control-Allow-Origin: "'*'"
"""
        ),
    )
    [http] = app.http_apis  # type: ignore[attr-defined]
    assert http.cors == CorsConfiguration(allow_origins=("http://*",), max_age=-1)
    [rest] = app.rest_apis  # type: ignore[attr-defined]
    [root] = [r for r in rest.resources if r.path == "/"]
    assert root.methods["OPTIONS"].integration == MockIntegration(
        request_templates={"application/json": '{"statusCode": 200}'},
        passthrough_behavior="NEVER",
        responses=(
            IntegrationResponse(selection_pattern="5\\d{2}", status_code="500"),
            IntegrationResponse(
                status_code="200",
                response_parameters={"method.response.header.Access-Control-Allow-Origin": "'*'"},
            ),
        ),
    )
    assert rest.gateway_responses == (
        GatewayResponseSetting(
            response_type="ACCESS_DENIED",
            status_code=403,
            response_parameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
        ),
    )
    assert not [w for w in app.warnings if "GatewayResponse" in w]  # type: ignore[attr-defined]


def test_cors_config_openapi_extension(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        _CFN.format(
            resources="""\
  Http:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Body:
        openapi: "3.0.1"
        info: {title: h}
        paths: {}
        x-amazon-apigateway-cors:
          allowOrigins: [https://app.example]
          exposeHeaders: [date]
"""
        ),
    )
    [http] = app.http_apis  # type: ignore[attr-defined]
    assert http.cors == CorsConfiguration(
        allow_origins=("https://app.example",), expose_headers=("date",)
    )


@pytest.mark.parametrize(
    ("cors", "message"),
    [
        ('{AllowOrigins: ["*"], AllowCredentials: true}', "AllowCredentials"),
        ("{AllowOrigins: [a], MaxAge: 86401}", "MaxAge"),
        ("{AllowOrigins: [1]}", "list of strings"),
    ],
)
def test_cors_config_invalid_configuration_is_refused(
    tmp_path: Path, cors: str, message: str
) -> None:
    template = _CFN.format(
        resources=(
            "  Http:\n    Type: AWS::ApiGatewayV2::Api\n    Properties:\n"
            f"      Name: h\n      ProtocolType: HTTP\n      CorsConfiguration: {cors}\n"
        )
    )
    with pytest.raises(ConfigError, match=message):
        _load(tmp_path, template)


def test_cors_config_sam_rest_credentials_with_any_origin_is_refused(tmp_path: Path) -> None:
    """aws-sam-translator refuses AllowCredentials with AllowOrigin '*' (browsers would
    refuse the answer anyway), and so does `lamina up`."""
    api = (
        "  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: Prod\n"
        "      Cors: {AllowOrigin: \"'*'\", AllowCredentials: true}\n"
    )
    event = "        A: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /a, Method: get}}\n"
    with pytest.raises(ConfigError, match="'AllowCredentials' can not be true"):
        _sam(tmp_path, api, event)


@pytest.mark.parametrize(("add", "expected"), [(None, "CUSTOM"), (False, "NONE")])
def test_cors_config_sam_preflight_takes_the_default_authorizer_unless_told_not_to(
    tmp_path: Path, add: bool | None, expected: str
) -> None:
    """SAM Auth.AddDefaultAuthorizerToCorsPreflight (default true): the generated OPTIONS
    method gets the DefaultAuthorizer, so a preflight without the token is refused (401)."""
    flag = ""
    if add is not None:
        flag = f"        AddDefaultAuthorizerToCorsPreflight: {str(add).lower()}\n"
    api = (
        "  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: Prod\n"
        "      Cors: \"'https://app.example'\"\n"
        "      Auth:\n        DefaultAuthorizer: Tok\n"
        f"{flag}"
        "        Authorizers:\n          Tok: {FunctionArn: !GetAtt Fn.Arn}\n"
    )
    event = "        A: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /a, Method: get}}\n"
    app = _sam(tmp_path, api, event)
    [rest] = app.rest_apis  # type: ignore[attr-defined]
    (resource,) = [r for r in rest.resources if r.path == "/a"]
    assert resource.methods["GET"].authorization_type == "CUSTOM"
    assert resource.methods["OPTIONS"].authorization_type == expected


def test_cors_config_subdomain_wildcard_origin_is_warned(tmp_path: Path) -> None:
    """HTTP APIs take exact origins, '*', 'https://*' and 'http://*' only: a subdomain
    pattern matches nothing, and the user is told at load."""
    app = _sam(
        tmp_path,
        "  Http:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n"
        "      CorsConfiguration:\n"
        "        AllowOrigins: ['https://*.example.com', 'https://*', https://app.example]\n",
        "        H: {Type: HttpApi, Properties: {ApiId: !Ref Http, Path: /h, Method: get}}\n",
    )
    warnings = [w for w in app.warnings if "AllowOrigins" in w]  # type: ignore[attr-defined]
    assert len(warnings) == 1
    assert "'https://*.example.com' matches only an Origin spelled exactly so" in warnings[0]
