"""Models, request validators and method request parameters / models read from templates:
OpenAPI 2.0 and 3.x bodies, SAM's RequestModel / RequestParameters (through
aws-sam-translator), and CloudFormation Model / RequestValidator / Method resources."""

from __future__ import annotations

import pytest

from lamina.config.error import ConfigError
from lamina.config.load import load_application
from lamina.config.request_validation import BodyValidation
from lamina.gateway.model import Method, RestApi
from tests.conftest import FIXTURES

API_ID = "abc123defg"


def _methods(api: RestApi) -> dict[str, Method]:
    return {f"{m.http_method} {r.path}": m for r in api.resources for m in r.methods.values()}


def test_swagger_body_parameters_consumes_and_shared_parameter_refs() -> None:
    body = {
        "swagger": "2.0",
        "x-amazon-apigateway-request-validators": {
            "all": {"validateRequestBody": True, "validateRequestParameters": True}
        },
        "parameters": {"Tenant": {"name": "X-Tenant", "in": "header", "required": True}},
        "paths": {
            "/pets/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": True}],
                "post": {
                    "x-amazon-apigateway-request-validator": "all",
                    "consumes": ["application/json", "application/vnd.pet+json"],
                    "parameters": [
                        {"$ref": "#/parameters/Tenant"},
                        {"name": "q", "in": "query"},
                        {"name": "Pet", "in": "body", "schema": {"$ref": "#/definitions/Pet"}},
                    ],
                },
            }
        },
        "definitions": {
            "Pet": {"type": "object", "properties": {"tag": {"$ref": "#/definitions/Tag"}}},
            "Tag": {"type": "string"},
        },
    }
    validation = BodyValidation(API_ID, body)
    path_item = body["paths"]["/pets/{id}"]  # type: ignore[index]
    checks = validation.method(path_item, path_item["post"], "POST /pets/{id}")
    assert checks.request_validator_id == validation.validators[0].id
    assert checks.request_parameters == {
        "method.request.path.id": True,
        "method.request.header.X-Tenant": True,
        "method.request.querystring.q": False,
    }
    assert checks.request_models == {
        "application/json": "Pet",
        "application/vnd.pet+json": "Pet",
    }
    pet = next(model for model in validation.models if model.name == "Pet")
    assert pet.schema["properties"]["tag"] == {
        "$ref": f"https://apigateway.amazonaws.com/restapis/{API_ID}/models/Tag"
    }


def test_openapi3_default_validator_inline_schema_and_request_body_ref() -> None:
    body = {
        "openapi": "3.0.1",
        "x-amazon-apigateway-request-validators": {"body": {"validateRequestBody": True}},
        "x-amazon-apigateway-request-validator": "body",
        "paths": {
            "/notes": {
                "post": {"requestBody": {"$ref": "#/components/requestBodies/Note"}},
                "put": {"requestBody": {"content": {"text/plain": {"schema": {"type": "string"}}}}},
            }
        },
        "components": {
            "requestBodies": {
                "Note": {
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/N"}}}
                }
            },
            "schemas": {"N": {"type": "object"}},
        },
    }
    validation = BodyValidation(API_ID, body)
    item = body["paths"]["/notes"]  # type: ignore[index]
    post = validation.method(item, item["post"], "POST /notes")
    put = validation.method(item, item["put"], "PUT /notes")
    assert post.request_validator_id == put.request_validator_id == validation.validators[0].id
    assert post.request_models == {"application/json": "N"}
    (inline,) = put.request_models.values()
    assert inline.startswith("Model")
    assert next(m for m in validation.models if m.name == inline).schema == {"type": "string"}


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        ({"x-amazon-apigateway-request-validator": "nope"}, "request validator 'nope'"),
        (
            {"parameters": [{"in": "body", "name": "b", "schema": {"$ref": "#/definitions/X"}}]},
            "names no definition",
        ),
    ],
)
def test_body_errors_name_the_operation(operation: dict[str, object], message: str) -> None:
    validation = BodyValidation(API_ID, {"swagger": "2.0", "paths": {}})
    with pytest.raises(ConfigError, match=message):
        validation.method({}, operation, "GET /x")


def test_sam_request_model_and_parameters_through_the_translator() -> None:
    app = load_application(FIXTURES / "apps" / "validation")
    sam = next(api for api in app.rest_apis if api.logical_id == "SamApi")
    validators = {v.id: v for v in sam.request_validators}
    methods = _methods(sam)
    create = methods["POST /pets"]
    assert create.request_validator_id is not None
    created_by = validators[create.request_validator_id]
    assert (created_by.validate_request_body, created_by.validate_request_parameters) == (
        True,
        True,
    )
    assert create.request_parameters == {
        "method.request.header.X-Client": True,
        "method.request.querystring.dryRun": False,
    }
    assert create.request_models == {"application/json": "pet"}  # SAM lowercases the name
    search = methods["GET /search"]
    assert search.request_validator_id is not None
    assert validators[search.request_validator_id].validate_request_body is False


def test_cloudformation_model_validator_and_method() -> None:
    app = load_application(FIXTURES / "templates" / "cfn_request_validation")
    (api,) = app.rest_apis
    (validator,) = api.request_validators
    assert validator.name == "body-and-params"
    models = {model.name: model for model in api.models}
    assert models["Customer"].description == "A customer with an address"
    assert models["Customer"].schema["properties"]["address"] == {
        "$ref": f"https://apigateway.amazonaws.com/restapis/{api.id}/models/Address"
    }
    method = _methods(api)["POST /customers"]
    assert method.request_validator_id == validator.id
    assert method.request_parameters == {
        "method.request.header.X-Region": True,
        "method.request.querystring.notify": False,
    }
    assert method.request_models == {"application/json": "Customer"}
