"""ImportRestApi, PutRestApi and GetExport through boto3: an OpenAPI 3 / Swagger 2 document
with API Gateway's extensions in, the same API out, and an export that re-imports to the
same resources, methods and integrations.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions.html
https://docs.aws.amazon.com/apigateway/latest/api/API_GetExport.html
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from .test_rest_apis import _error

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:pets"
LAMBDA_URI = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FUNCTION}/invocations"
STAGED_URI = LAMBDA_URI.replace(":pets/", ":pets:${stageVariables.alias}/")
POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_ABC123"
X = "x-amazon-apigateway-"

OAS30: dict[str, Any] = {
    "openapi": "3.0.1",
    "info": {"title": "PetStore", "description": "pets", "version": "1.0"},
    "paths": {
        "/pets": {
            "get": {
                "operationId": "ListPets",
                "parameters": [
                    {"name": "type", "in": "query", "schema": {"type": "string"}},
                    {"name": "x-trace", "in": "header", "required": True},
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "headers": {"Access-Control-Allow-Origin": {"schema": {"type": "string"}}},
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Pets"}}
                        },
                    }
                },
                "security": [{"token": []}, {"api_key": []}],
                f"{X}integration": {
                    "type": "aws_proxy",
                    "httpMethod": "POST",
                    "uri": STAGED_URI,
                    "passthroughBehavior": "when_no_match",
                    "timeoutInMillis": 10000,
                },
            },
            "post": {
                "operationId": "CreatePet",
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}
                    }
                },
                "responses": {"201": {"description": "created"}},
                "security": [{"pool": ["pets/write"]}],
                f"{X}request-validator": "body-only",
                f"{X}integration": {
                    "type": "aws",
                    "httpMethod": "POST",
                    "uri": LAMBDA_URI,
                    "requestTemplates": {"application/json": '{"pet": $input.json("$")}'},
                    "responses": {
                        "default": {"statusCode": "201"},
                        "4\\d{2}": {
                            "statusCode": "400",
                            "responseTemplates": {"application/json": '{"error": true}'},
                        },
                    },
                },
            },
        },
        "/pets/{petId}": {
            "get": {
                "parameters": [{"name": "petId", "in": "path", "required": True}],
                "responses": {"200": {"description": "ok"}},
                f"{X}integration": {
                    "type": "http_proxy",
                    "httpMethod": "GET",
                    "uri": "https://backend.example.com/pets/{petId}",
                    "requestParameters": {
                        "integration.request.path.petId": "method.request.path.petId"
                    },
                },
            }
        },
        "/{proxy+}": {
            f"{X}any-method": {
                "responses": {},
                f"{X}integration": {
                    "type": "mock",
                    "requestTemplates": {"application/json": '{"statusCode": 200}'},
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Pet": {"type": "object", "properties": {"name": {"type": "string"}}},
            "Pets": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}},
        },
        "securitySchemes": {
            "token": {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                f"{X}authtype": "custom",
                f"{X}authorizer": {
                    "type": "token",
                    "authorizerUri": LAMBDA_URI,
                    "authorizerResultTtlInSeconds": 60,
                },
            },
            "pool": {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                f"{X}authtype": "cognito_user_pools",
                f"{X}authorizer": {"type": "cognito_user_pools", "providerARNs": [POOL]},
            },
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
        },
    },
    f"{X}binary-media-types": ["image/png"],
    f"{X}api-key-source": "HEADER",
    f"{X}policy": {"Version": "2012-10-17", "Statement": []},
    f"{X}request-validators": {
        "body-only": {"validateRequestBody": True, "validateRequestParameters": False}
    },
    f"{X}gateway-responses": {
        "DEFAULT_4XX": {
            "statusCode": "400",
            "responseTemplates": {"application/json": '{"message": $context.error.messageString}'},
        }
    },
}


def _import(apigw: Any, document: dict[str, Any], **options: Any) -> dict[str, Any]:
    return apigw.import_rest_api(body=json.dumps(document).encode(), **options)  # type: ignore[no-any-return]


def _methods(apigw: Any, api_id: str) -> dict[str, dict[str, Any]]:
    """path -> verb -> the method, minus what differs between two APIs (ids)."""
    found: dict[str, dict[str, Any]] = {}
    for resource in apigw.get_resources(restApiId=api_id, embed=["methods"])["items"]:
        for verb, method in (resource.get("resourceMethods") or {}).items():
            method = json.loads(json.dumps(method))
            method.pop("authorizerId", None)
            method.pop("requestValidatorId", None)
            method.get("methodIntegration", {}).pop("cacheNamespace", None)
            found.setdefault(resource["path"], {})[verb] = method
    return found


def test_import_oas30_builds_the_api(apigw: Any) -> None:
    api = _import(apigw, OAS30)
    assert api["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (api["name"], api["description"], api["version"]) == ("PetStore", "pets", "1.0")
    assert api["binaryMediaTypes"] == ["image/png"]
    assert json.loads(api["policy"]) == {"Version": "2012-10-17", "Statement": []}
    methods = _methods(apigw, api["id"])
    assert set(methods) == {"/pets", "/pets/{petId}", "/{proxy+}"}
    listing = methods["/pets"]["GET"]
    assert listing["authorizationType"] == "CUSTOM" and listing["apiKeyRequired"] is True
    assert listing["operationName"] == "ListPets"
    assert listing["requestParameters"] == {
        "method.request.querystring.type": False,
        "method.request.header.x-trace": True,
    }
    assert listing["methodResponses"]["200"]["responseModels"] == {"application/json": "Pets"}
    integration = listing["methodIntegration"]
    assert integration["type"] == "AWS_PROXY" and integration["uri"] == STAGED_URI
    assert integration["passthroughBehavior"] == "WHEN_NO_MATCH"
    assert integration["timeoutInMillis"] == 10000
    create = methods["/pets"]["POST"]
    assert create["authorizationType"] == "COGNITO_USER_POOLS"
    assert create["authorizationScopes"] == ["pets/write"]
    assert create["requestModels"] == {"application/json": "Pet"}
    responses = create["methodIntegration"]["integrationResponses"]
    assert "selectionPattern" not in responses["201"]
    assert responses["400"]["selectionPattern"] == "4\\d{2}"
    assert methods["/{proxy+}"]["ANY"]["methodIntegration"]["type"] == "MOCK"
    assert methods["/pets/{petId}"]["GET"]["methodIntegration"]["connectionType"] == "INTERNET"
    authorizers = {a["name"]: a for a in apigw.get_authorizers(restApiId=api["id"])["items"]}
    assert authorizers["token"]["type"] == "TOKEN"
    assert authorizers["token"]["identitySource"] == "method.request.header.Authorization"
    assert authorizers["pool"]["providerARNs"] == [POOL]
    validators = apigw.get_request_validators(restApiId=api["id"])["items"]
    assert [(v["name"], v["validateRequestBody"]) for v in validators] == [("body-only", True)]
    models = {m["name"]: m for m in apigw.get_models(restApiId=api["id"])["items"]}
    assert set(models) == {"Pet", "Pets"}
    assert (
        f"https://apigateway.amazonaws.com/restapis/{api['id']}/models/Pet"
        in models["Pets"]["schema"]
    )
    response = apigw.get_gateway_response(restApiId=api["id"], responseType="DEFAULT_4XX")
    assert response["statusCode"] == "400" and response["defaultResponse"] is False


def test_import_swagger_yaml(apigw: Any) -> None:
    swagger = {
        "swagger": "2.0",
        "info": {"title": "Files", "version": "2"},
        "basePath": "/v1",
        "consumes": ["application/json"],
        "paths": {
            "/files/{name}": {
                "put": {
                    "parameters": [
                        {"name": "name", "in": "path", "required": True, "type": "string"},
                        {"in": "body", "name": "File", "schema": {"$ref": "#/definitions/File"}},
                    ],
                    "responses": {
                        "200": {"description": "ok", "schema": {"$ref": "#/definitions/File"}}
                    },
                    f"{X}integration": {"type": "mock"},
                }
            }
        },
        "definitions": {"File": {"type": "object"}},
    }
    api = apigw.import_rest_api(
        body=yaml.safe_dump(swagger).encode(), parameters={"basepath": "prepend"}
    )
    methods = _methods(apigw, api["id"])
    put = methods["/v1/files/{name}"]["PUT"]
    assert put["requestModels"] == {"application/json": "File"}
    assert put["requestParameters"] == {"method.request.path.name": True}
    assert put["methodResponses"]["200"]["responseModels"] == {"application/json": "File"}


def test_import_bad_documents(apigw: Any) -> None:
    for body in (b"{not json: [", b'{"openapi": "3.0.1"}', b"just text"):
        with pytest.raises(ClientError) as info:
            apigw.import_rest_api(body=body)
        assert _error(info) == ("BadRequestException", "Invalid OpenAPI input.")
    broken = json.loads(json.dumps(OAS30))
    broken["paths"]["/pets"]["get"][f"{X}integration"]["uri"] = "not-an-arn"
    with pytest.raises(ClientError) as info:
        _import(apigw, broken)
    assert _error(info) == ("BadRequestException", "Invalid ARN specified in the request")
    assert apigw.get_rest_apis()["items"] == []


def test_put_rest_api_merge_and_overwrite(apigw: Any) -> None:
    api = apigw.create_rest_api(name="old", binaryMediaTypes=["image/heif"])
    apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="keep")
    merged = apigw.put_rest_api(restApiId=api["id"], mode="merge", body=json.dumps(OAS30).encode())
    assert merged["name"] == "PetStore" and merged["id"] == api["id"]
    assert merged["binaryMediaTypes"] == ["image/heif", "image/png"]
    paths = [r["path"] for r in apigw.get_resources(restApiId=api["id"])["items"]]
    assert paths == ["/", "/keep", "/pets", "/pets/{petId}", "/{proxy+}"]
    overwritten = apigw.put_rest_api(
        restApiId=api["id"], mode="overwrite", body=json.dumps(OAS30).encode()
    )
    assert overwritten["binaryMediaTypes"] == ["image/png"]
    resources = apigw.get_resources(restApiId=api["id"])["items"]
    assert [r["path"] for r in resources] == ["/", "/pets", "/pets/{petId}", "/{proxy+}"]
    assert resources[0]["id"] == api["rootResourceId"]
    assert len(apigw.get_authorizers(restApiId=api["id"])["items"]) == 2
    with pytest.raises(ClientError) as info:
        apigw.put_rest_api(restApiId=api["id"], mode="replace", body=b"{}")
    assert _error(info)[0] == "BadRequestException"


def _deploy(apigw: Any, api_id: str) -> None:
    apigw.create_deployment(restApiId=api_id, stageName="prod")


@pytest.mark.parametrize("export_type", ["oas30", "swagger"])
def test_export_reimports_to_the_same_api(apigw: Any, export_type: str) -> None:
    api = _import(apigw, OAS30)
    _deploy(apigw, api["id"])
    exported = apigw.get_export(
        restApiId=api["id"],
        stageName="prod",
        exportType=export_type,
        parameters={"extensions": "apigateway"},
    )
    assert exported["contentType"] == "application/octet-stream"
    assert exported["contentDisposition"] == f'attachment; filename="{export_type}_1.0.json"'
    document = json.loads(exported["body"].read())
    assert ("swagger" in document) == (export_type == "swagger")
    again = apigw.import_rest_api(body=json.dumps(document).encode())
    assert _methods(apigw, again["id"]) == _methods(apigw, api["id"])
    assert again["binaryMediaTypes"] == ["image/png"]

    def authorizers(api_id: str) -> list[dict[str, Any]]:
        items = apigw.get_authorizers(restApiId=api_id)["items"]
        return sorted(({k: v for k, v in a.items() if k != "id"} for a in items), key=str)

    assert authorizers(again["id"]) == authorizers(api["id"])

    def models(api_id: str) -> dict[str, Any]:
        items = apigw.get_models(restApiId=api_id)["items"]
        return {m["name"]: json.loads(m["schema"].replace(api_id, "API")) for m in items}

    assert models(again["id"]) == models(api["id"])


def test_export_yaml_without_extensions(apigw: Any) -> None:
    api = _import(apigw, OAS30)
    _deploy(apigw, api["id"])
    exported = apigw.get_export(
        restApiId=api["id"], stageName="prod", exportType="oas30", accepts="application/yaml"
    )
    assert exported["contentDisposition"] == 'attachment; filename="oas30_1.0.yaml"'
    document = yaml.safe_load(exported["body"].read())
    assert document["openapi"] == "3.0.1"
    assert document["servers"][0]["variables"]["basePath"]["default"] == "prod"
    operation = document["paths"]["/pets"]["get"]
    assert f"{X}integration" not in operation
    assert operation["security"] == [{"token": []}, {"api_key": []}]
    assert f"{X}authorizer" not in document["components"]["securitySchemes"]["token"]


def test_export_serves_the_deployed_definition(apigw: Any) -> None:
    api = _import(apigw, OAS30)
    _deploy(apigw, api["id"])
    apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="later")
    exported = apigw.get_export(restApiId=api["id"], stageName="prod", exportType="swagger")
    assert "/later" not in json.loads(exported["body"].read())["paths"]


def test_export_errors(apigw: Any) -> None:
    api = _import(apigw, OAS30)
    _deploy(apigw, api["id"])
    with pytest.raises(ClientError) as info:
        apigw.get_export(restApiId=api["id"], stageName="nope", exportType="oas30")
    assert _error(info)[0] == "NotFoundException"
    with pytest.raises(ClientError) as info:
        apigw.get_export(restApiId=api["id"], stageName="prod", exportType="raml")
    assert _error(info)[0] == "BadRequestException"
    with pytest.raises(ClientError) as info:
        apigw.get_export(restApiId="nope000000", stageName="prod", exportType="oas30")
    assert _error(info)[0] == "NotFoundException"


def test_create_rest_api_clone_from_copies_the_definition(apigw: Any) -> None:
    source = _import(apigw, OAS30)
    clone = apigw.create_rest_api(name="copy", cloneFrom=source["id"])
    assert clone["id"] != source["id"]
    assert _methods(apigw, clone["id"]) == _methods(apigw, source["id"])
    source_ids = {r["id"] for r in apigw.get_resources(restApiId=source["id"])["items"]}
    clone_resources = apigw.get_resources(restApiId=clone["id"], embed=["methods"])["items"]
    assert source_ids.isdisjoint(r["id"] for r in clone_resources)
    authorizers = {
        a["id"]: a["name"] for a in apigw.get_authorizers(restApiId=clone["id"])["items"]
    }
    create = next(r for r in clone_resources if r["path"] == "/pets")["resourceMethods"]["POST"]
    assert authorizers[create["authorizerId"]] == "pool"
    models = {m["name"]: m for m in apigw.get_models(restApiId=clone["id"])["items"]}
    assert f"/restapis/{clone['id']}/models/Pet" in models["Pets"]["schema"]
    with pytest.raises(ClientError) as info:
        apigw.create_rest_api(name="x", cloneFrom="nope000000")
    assert _error(info)[0] == "NotFoundException"


def test_export_of_an_unversioned_api_is_versioned_by_its_creation_time(apigw: Any) -> None:
    api = apigw.create_rest_api(name="plain")
    key = {"restApiId": api["id"], "resourceId": api["rootResourceId"], "httpMethod": "GET"}
    apigw.put_method(**key, authorizationType="NONE")
    apigw.put_integration(**key, type="MOCK")
    _deploy(apigw, api["id"])
    exported = apigw.get_export(restApiId=api["id"], stageName="prod", exportType="oas30")
    created = api["createdDate"].strftime("%Y-%m-%dT%H:%M:%SZ")
    assert json.loads(exported["body"].read())["info"]["version"] == created
    assert exported["contentDisposition"] == f'attachment; filename="oas30_{created}.json"'
