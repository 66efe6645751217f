"""ImportApi, ReimportApi and ExportApi through boto3: OpenAPI 3 with API Gateway's
extensions in, the same definition out.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-open-api.html
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from .conftest import FUNCTION_ARN, ApiGatewayV2Server
from .errors import error_of

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"
AUTHORIZER_URI = (
    f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FUNCTION_ARN}/invocations"
)


def _definition() -> dict[str, Any]:
    lambda_integration = {
        "type": "aws_proxy",
        "httpMethod": "POST",
        "uri": FUNCTION_ARN,
        "payloadFormatVersion": "2.0",
        "timeoutInMillis": 10000,
    }
    return {
        "openapi": "3.0.1",
        "info": {"title": "pets-api", "version": "2024-01-01"},
        "servers": [{"url": "https://api.example.com/v1"}],
        "paths": {
            "/pets": {
                "get": {
                    "operationId": "listPets",
                    "security": [{"cognito": ["pets/read"]}],
                    "x-amazon-apigateway-integration": lambda_integration,
                },
                "post": {
                    "security": [{"lambdaAuth": []}],
                    "x-amazon-apigateway-integration": {
                        "$ref": "#/components/x-amazon-apigateway-integrations/shared"
                    },
                },
            },
            "/pets/{id}": {
                "x-amazon-apigateway-any-method": {
                    "security": [{"iam": []}],
                    "x-amazon-apigateway-integration": {
                        "type": "http_proxy",
                        "httpMethod": "ANY",
                        "uri": "https://backend.example.com/pets/{id}",
                        "payloadFormatVersion": "1.0",
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "cognito": {
                    "type": "oauth2",
                    "flows": {},
                    "x-amazon-apigateway-authorizer": {
                        "type": "jwt",
                        "identitySource": "$request.header.Authorization",
                        "jwtConfiguration": {"issuer": ISSUER, "audience": ["client"]},
                    },
                },
                "lambdaAuth": {
                    "type": "apiKey",
                    "name": "Unused",
                    "in": "header",
                    "x-amazon-apigateway-authorizer": {
                        "type": "request",
                        "identitySource": "$request.header.X-Token",
                        "authorizerUri": AUTHORIZER_URI,
                        "authorizerPayloadFormatVersion": "2.0",
                        "enableSimpleResponses": True,
                        "authorizerResultTtlInSeconds": 60,
                    },
                },
                "iam": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "awsSigv4",
                },
            },
            "x-amazon-apigateway-integrations": {"shared": lambda_integration},
        },
        "x-amazon-apigateway-cors": {"allowOrigins": ["https://a.example"], "maxAge": 10},
    }


def _routes(v2: Any, api_id: str) -> dict[str, dict[str, Any]]:
    return {route["RouteKey"]: route for route in v2.get_routes(ApiId=api_id)["Items"]}


def test_import_api_builds_routes_integrations_authorizers_and_cors(v2: Any) -> None:
    api = v2.import_api(Body=json.dumps(_definition()))
    assert api["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert api["Name"] == "pets-api" and api["Version"] == "2024-01-01"
    assert api["CorsConfiguration"] == {"AllowOrigins": ["https://a.example"], "MaxAge": 10}
    api_id = api["ApiId"]
    routes = _routes(v2, api_id)
    assert set(routes) == {"GET /pets", "POST /pets", "ANY /pets/{id}"}
    authorizers = {a["Name"]: a for a in v2.get_authorizers(ApiId=api_id)["Items"]}
    assert authorizers["cognito"]["JwtConfiguration"] == {"Audience": ["client"], "Issuer": ISSUER}
    assert authorizers["lambdaAuth"]["IdentitySource"] == ["$request.header.X-Token"]
    get = routes["GET /pets"]
    assert get["AuthorizationType"] == "JWT" and get["AuthorizationScopes"] == ["pets/read"]
    assert get["AuthorizerId"] == authorizers["cognito"]["AuthorizerId"]
    assert get["OperationName"] == "listPets"
    assert routes["POST /pets"]["AuthorizationType"] == "CUSTOM"
    assert routes["ANY /pets/{id}"]["AuthorizationType"] == "AWS_IAM"
    integration_id = get["Target"].removeprefix("integrations/")
    integration = v2.get_integration(ApiId=api_id, IntegrationId=integration_id)
    assert integration["IntegrationUri"] == FUNCTION_ARN
    assert integration["TimeoutInMillis"] == 10000
    assert len(v2.get_integrations(ApiId=api_id)["Items"]) == 3


def test_import_from_yaml_with_prepended_base_path(v2: Any) -> None:
    api = v2.import_api(Body=yaml.safe_dump(_definition()), Basepath="prepend")
    assert set(_routes(v2, api["ApiId"])) == {"GET /v1/pets", "POST /v1/pets", "ANY /v1/pets/{id}"}


def test_import_warnings_and_fail_on_warnings(v2: Any) -> None:
    definition = {"openapi": "3.0.1", "info": {"title": "t"}, "paths": {"/a": {"get": {}}}}
    api = v2.import_api(Body=json.dumps(definition))
    assert any("GET /a" in warning for warning in api["Warnings"])
    with pytest.raises(ClientError) as info:
        v2.import_api(Body=json.dumps(definition), FailOnWarnings=True)
    assert error_of(info)[:2] == (400, "BadRequestException")
    assert len(v2.get_apis()["Items"]) == 1


@pytest.mark.parametrize(
    "body",
    [
        "not: [valid",
        json.dumps({"openapi": "3.0.1", "info": {}}),
        json.dumps(
            {
                "openapi": "3.0.1",
                "paths": {
                    "/a": {
                        "get": {
                            "x-amazon-apigateway-integration": {"type": "aws_proxy", "uri": "nope"}
                        }
                    }
                },
            }
        ),
    ],
)
def test_invalid_definitions_are_bad_requests_and_create_nothing(v2: Any, body: str) -> None:
    with pytest.raises(ClientError) as info:
        v2.import_api(Body=body)
    assert error_of(info)[:2] == (400, "BadRequestException")
    assert v2.get_apis()["Items"] == []


def test_reimport_replaces_the_definition_and_redeploys(
    v2: Any, server: ApiGatewayV2Server
) -> None:
    api_id = v2.import_api(Body=json.dumps(_definition()))["ApiId"]
    v2.create_stage(ApiId=api_id, StageName="live", AutoDeploy=True)
    first = v2.get_stage(ApiId=api_id, StageName="live")["DeploymentId"]
    smaller = _definition()
    del smaller["paths"]["/pets/{id}"]
    del smaller["x-amazon-apigateway-cors"]
    smaller["info"]["title"] = "renamed"
    server.changes.clear()
    api = v2.reimport_api(ApiId=api_id, Body=json.dumps(smaller))
    assert api["ApiId"] == api_id and api["Name"] == "renamed"
    assert "CorsConfiguration" not in api
    assert set(_routes(v2, api_id)) == {"GET /pets", "POST /pets"}
    assert v2.get_stage(ApiId=api_id, StageName="live")["DeploymentId"] != first
    assert server.changes == [api_id]


def test_export_round_trips_through_import(v2: Any) -> None:
    api_id = v2.import_api(Body=json.dumps(_definition()))["ApiId"]
    exported = json.loads(
        v2.export_api(ApiId=api_id, Specification="OAS30", OutputType="JSON")["body"].read()
    )
    assert exported["openapi"] == "3.0.1" and exported["info"]["title"] == "pets-api"
    get = exported["paths"]["/pets"]["get"]
    assert get["security"] == [{"cognito": ["pets/read"]}]
    assert get["x-amazon-apigateway-integration"]["uri"] == FUNCTION_ARN
    assert get["responses"] == {"default": {"description": "Default response for GET /pets"}}
    any_method = exported["paths"]["/pets/{id}"]["x-amazon-apigateway-any-method"]
    assert any_method["parameters"][0]["name"] == "id"
    schemes = exported["components"]["securitySchemes"]
    assert schemes["cognito"]["type"] == "oauth2"
    assert exported["x-amazon-apigateway-cors"]["allowOrigins"] == ["https://a.example"]
    again = v2.import_api(Body=json.dumps(exported))["ApiId"]
    assert set(_routes(v2, again)) == set(_routes(v2, api_id))
    assert _routes(v2, again)["ANY /pets/{id}"]["AuthorizationType"] == "AWS_IAM"


def test_export_yaml_without_extensions_and_of_a_stage(v2: Any) -> None:
    api_id = v2.import_api(Body=json.dumps(_definition()))["ApiId"]
    v2.create_stage(ApiId=api_id, StageName="prod")
    v2.create_deployment(ApiId=api_id, StageName="prod")
    v2.delete_route(ApiId=api_id, RouteId=_routes(v2, api_id)["POST /pets"]["RouteId"])
    body = v2.export_api(
        ApiId=api_id,
        Specification="OAS30",
        OutputType="YAML",
        IncludeExtensions=False,
        StageName="prod",
    )["body"].read()
    document = yaml.safe_load(body)
    assert "post" in document["paths"]["/pets"]  # the deployed definition, not the current
    assert "x-amazon-apigateway-integration" not in document["paths"]["/pets"]["get"]
    assert document["servers"][0]["variables"]["basePath"]["default"] == "prod"
    assert "x-amazon-apigateway-importexport-version" not in document


def test_export_errors(v2: Any) -> None:
    api_id = v2.import_api(Body=json.dumps(_definition()))["ApiId"]
    for options in (
        {"Specification": "SWAGGER", "OutputType": "JSON"},
        {"Specification": "OAS30", "OutputType": "XML"},
    ):
        with pytest.raises(ClientError) as info:
            v2.export_api(ApiId=api_id, **options)
        assert error_of(info)[:2] == (400, "BadRequestException")
    with pytest.raises(ClientError) as info:
        v2.export_api(ApiId="missing", Specification="OAS30", OutputType="JSON")
    assert error_of(info)[:2] == (404, "NotFoundException")
