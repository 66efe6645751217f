"""REST JWT authorizers in OpenAPI: ImportRestApi reads `x-amazon-apigateway-authorizer`
of type jwt (with its jwtConfiguration), CreateDeployment compiles it, and GetExport writes
it back so that the export re-imports to the same authorizer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .test_authorizers import JWT_CONFIGURATION


def _document(configuration: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.0.1",
        "info": {"title": "orders", "version": "1"},
        "components": {
            "securitySchemes": {
                "partners": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "jwt",
                    "x-amazon-apigateway-authorizer": {
                        "type": "jwt",
                        "identitySource": "method.request.header.Authorization",
                        "jwtConfiguration": configuration,
                    },
                }
            }
        },
        "paths": {
            "/orders": {
                "get": {
                    "security": [{"partners": ["orders:read"]}],
                    "x-amazon-apigateway-integration": {"type": "mock"},
                }
            }
        },
    }


def _authorizers(apigw: Any, api_id: str) -> list[dict[str, Any]]:
    items = apigw.get_authorizers(restApiId=api_id)["items"]
    return [{k: v for k, v in a.items() if k != "id"} for a in items]


def test_jwt_authorizer_imports_deploys_and_exports_back(apigw: Any) -> None:
    api = apigw.import_rest_api(body=json.dumps(_document(JWT_CONFIGURATION)).encode())
    (authorizer,) = apigw.get_authorizers(restApiId=api["id"])["items"]
    assert authorizer["type"] == "JWT" and authorizer["jwtConfiguration"] == JWT_CONFIGURATION
    resources = apigw.get_resources(restApiId=api["id"], embed=["methods"])["items"]
    (orders,) = [r for r in resources if r["path"] == "/orders"]
    method = orders["resourceMethods"]["GET"]
    assert method["authorizationType"] == "JWT"
    assert method["authorizerId"] == authorizer["id"]
    assert method["authorizationScopes"] == ["orders:read"]
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    exported = apigw.get_export(
        restApiId=api["id"],
        stageName="prod",
        exportType="oas30",
        parameters={"extensions": "authorizers"},
    )
    document = json.loads(exported["body"].read())
    scheme = document["components"]["securitySchemes"]["partners"]
    assert scheme["x-amazon-apigateway-authorizer"]["jwtConfiguration"] == JWT_CONFIGURATION
    again = apigw.import_rest_api(body=json.dumps(document).encode())
    assert _authorizers(apigw, again["id"]) == _authorizers(apigw, api["id"])


def test_jwt_authorizer_import_refuses_a_bad_configuration(apigw: Any) -> None:
    bad = {**JWT_CONFIGURATION, "defaultAlgorithms": ["HS256"]}
    with pytest.raises(ClientError):
        apigw.import_rest_api(body=json.dumps(_document(bad)).encode())
