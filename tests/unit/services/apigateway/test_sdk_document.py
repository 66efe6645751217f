"""The document GetSdk generates from: an export completed with path parameters, bodies
and responses where it declares none, and left as it is where it does."""

from __future__ import annotations

import copy
from typing import Any

from lamina.services.apigateway.sdk.catalog import AWS_TYPES, KINDS
from lamina.services.apigateway.sdk.document import sdk_document

JSON_ANY = {"application/json": {"schema": {}}}


def _export(paths: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": paths}


def test_path_templates_become_required_string_parameters() -> None:
    doc = sdk_document(_export({"/users/{id}/files/{proxy+}": {"get": {"responses": {}}}}))
    parameters = doc["paths"]["/users/{id}/files/{proxy+}"]["get"]["parameters"]
    assert [(p["name"], p["in"], p["required"]) for p in parameters] == [
        ("id", "path", True),
        ("proxy", "path", True),
    ]
    assert parameters[0]["schema"] == {"type": "string"}


def test_declared_parameters_are_kept_and_not_repeated() -> None:
    declared = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    query = {"name": "q", "in": "query", "required": False, "schema": {"type": "string"}}
    doc = sdk_document(
        _export({"/users/{id}": {"get": {"parameters": [declared, query], "responses": {}}}})
    )
    assert doc["paths"]["/users/{id}"]["get"]["parameters"] == [declared, query]


def test_path_level_parameters_count_as_declared() -> None:
    shared = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    doc = sdk_document(
        _export({"/users/{id}": {"parameters": [shared], "delete": {"responses": {}}}})
    )
    assert "parameters" not in doc["paths"]["/users/{id}"]["delete"]


def test_bodies_for_post_put_patch_only_where_missing() -> None:
    model_body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/M"}}}}
    doc = sdk_document(
        _export(
            {
                "/a": {
                    "post": {"responses": {}},
                    "put": {"requestBody": model_body, "responses": {}},
                    "patch": {"responses": {}},
                    "get": {"responses": {}},
                    "delete": {"responses": {}},
                }
            }
        )
    )
    item = doc["paths"]["/a"]
    assert item["post"]["requestBody"] == {"content": JSON_ANY}
    assert item["patch"]["requestBody"] == {"content": JSON_ANY}
    assert item["put"]["requestBody"] == model_body
    assert "requestBody" not in item["get"]
    assert "requestBody" not in item["delete"]


def test_missing_responses_become_json_200() -> None:
    doc = sdk_document(_export({"/a": {"get": {"responses": {}}}}))
    assert doc["paths"]["/a"]["get"]["responses"] == {
        "200": {"description": "200 response", "content": JSON_ANY}
    }


def test_success_responses_without_a_model_carry_json_and_others_stay() -> None:
    model = {"application/json": {"schema": {"$ref": "#/components/schemas/Out"}}}
    declared = {
        "201": {"description": "201 response"},
        "202": {"description": "202 response", "content": model},
        "404": {"description": "404 response"},
    }
    doc = sdk_document(_export({"/a": {"post": {"responses": declared}}}))
    assert doc["paths"]["/a"]["post"]["responses"] == {
        "201": {"description": "201 response", "content": JSON_ANY},
        "202": {"description": "202 response", "content": model},
        "404": {"description": "404 response"},
    }


def test_the_export_itself_is_left_unchanged() -> None:
    exported = _export({"/a/{b}": {"post": {"responses": {}}}})
    before = copy.deepcopy(exported)
    sdk_document(exported)
    assert exported == before


def test_any_method_extension_is_not_an_operation() -> None:
    doc = sdk_document(_export({"/f/{proxy+}": {"x-amazon-apigateway-any-method": {}}}))
    assert doc["paths"]["/f/{proxy+}"] == {"x-amazon-apigateway-any-method": {}}


def test_catalog_lists_lamina_types_as_sdk_type_shapes() -> None:
    assert sorted(KINDS) == ["javascript", "python", "typescript"]
    assert "javascript" in AWS_TYPES and "python" not in AWS_TYPES
    python = KINDS["python"].wire()
    assert python["id"] == "python" and python["friendlyName"] == "Python"
    names = [p["name"] for p in python["configurationProperties"]]
    assert names == ["projectName", "packageName", "baseUrl"]
    assert all(p["required"] is False for p in python["configurationProperties"])
