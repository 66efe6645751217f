"""Request validators through a real `lamina up` (tests/fixtures/apps/validation): a SAM
RequestModel / RequestParameters event, and an OpenAPI body with named validators, a default,
an override, models referencing each other, and a BAD_REQUEST_BODY template reading
$context.error.validationErrorString.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import boto3
import httpx
import pytest

from lamina.config.load import load_application
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "validation"
PET = {"name": "Tom", "kind": "cat"}
ORDER = {"items": [{"sku": "a", "quantity": 1}], "shipTo": {"city": "Oslo"}}


@pytest.fixture(scope="module")
def app() -> Iterator[LaminaProcess]:
    lamina = LaminaProcess(APP)
    yield lamina
    lamina.stop()


@pytest.fixture(scope="module")
def bases() -> dict[str, str]:
    """Each API's path-style prefix, `/restapis/{id}/{stage}/_user_request_`."""
    apis = load_application(APP).rest_apis
    stages = {"SamApi": "Prod", "BodyApi": "v1"}
    return {
        api.logical_id: f"/restapis/{api.id}/{stages[api.logical_id]}/_user_request_"
        for api in apis
    }


@pytest.fixture
def client(app: LaminaProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=app.base, timeout=20) as client:
        yield client


def _missing(*names: str) -> dict[str, str]:
    return {"message": f"Missing required request parameters: [{', '.join(names)}]"}


INVALID = {"message": "Invalid request body"}


@pytest.mark.parametrize(
    ("headers", "query", "body", "status", "answer"),
    [
        ({"X-Client": "c"}, {}, PET, 200, None),
        ({"X-Client": "c"}, {"dryRun": "1"}, PET, 200, None),
        ({}, {}, PET, 400, _missing("X-Client")),
        ({"X-Client": ""}, {}, PET, 400, _missing("X-Client")),
        ({"X-Client": "c"}, {}, {"name": "Tom"}, 400, INVALID),
        ({"X-Client": "c"}, {}, {"name": "", "kind": "cat"}, 400, INVALID),
        ({"X-Client": "c"}, {}, {"name": "Tom", "kind": "cow"}, 400, INVALID),
        ({}, {}, {"name": "Tom"}, 400, _missing("X-Client")),
    ],
)
def test_sam_request_model_and_parameters(
    client: httpx.Client,
    bases: dict[str, str],
    headers: dict[str, str],
    query: dict[str, str],
    body: object,
    status: int,
    answer: dict[str, str] | None,
) -> None:
    response = client.post(f"{bases['SamApi']}/pets", headers=headers, params=query, json=body)
    assert response.status_code == status, response.text
    if answer is None:
        assert response.json()["reached"] is True
    else:
        assert response.json() == answer
        assert response.headers["x-amzn-errortype"] == "BadRequestException"


def test_sam_parameters_only_validator_ignores_the_body(
    client: httpx.Client, bases: dict[str, str]
) -> None:
    url = f"{bases['SamApi']}/search"
    assert client.get(url).json() == _missing("page", "q")
    assert client.get(url, params={"q": "x"}).json() == _missing("page")
    response = client.request("GET", url, params={"q": "x", "page": "1"}, content=b"{bad")
    assert response.status_code == 200
    assert response.json()["reached"] is True


def test_openapi_default_validator_checks_path_header_and_nested_models(
    client: httpx.Client, bases: dict[str, str]
) -> None:
    url = f"{bases['BodyApi']}/orders/o1"
    ok = client.put(url, headers={"X-Tenant": "t"}, json=ORDER)
    assert ok.status_code == 200
    assert ok.json()["reached"] is True
    assert client.put(url, json=ORDER).json() == _missing("X-Tenant")
    bad = client.put(
        url,
        headers={"X-Tenant": "t"},
        json={"items": [{"sku": "a", "quantity": 0}], "shipTo": {}},
    )
    assert bad.status_code == 400
    # The API's BAD_REQUEST_BODY template reads the validator's findings.
    assert bad.text == (
        '{"message": "Invalid request body", "details": "['
        "numeric instance is lower than the required minimum (minimum: 1, found: 0), "
        'object has missing required properties (["city"])]"}'
    )
    # A content type without a model is not validated.
    xml = client.put(
        url, headers={"X-Tenant": "t", "Content-Type": "application/xml"}, content=b"<o/>"
    )
    assert xml.status_code == 200


def test_openapi_operation_overrides_the_default_validator(
    client: httpx.Client, bases: dict[str, str]
) -> None:
    url = f"{bases['BodyApi']}/notes"
    assert client.post(url, json={}).json() == _missing("author")
    response = client.post(url, params={"author": "a"}, json={"not": "an order"})
    assert response.status_code == 200
    assert response.json()["reached"] is True


def test_management_api_models_validator_and_method_then_deploy_and_call(
    app: LaminaProcess, client: httpx.Client
) -> None:
    """CreateModel (one model referencing another by model URL), CreateRequestValidator,
    PutMethod with requestValidatorId / requestParameters / requestModels, deploy, call."""
    apigw = boto3.client(
        "apigateway",
        endpoint_url=app.base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    api_id = apigw.create_rest_api(name="managed-validation")["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    resource = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="{item}")["id"]
    apigw.create_model(
        restApiId=api_id,
        name="Tag",
        contentType="application/json",
        schema=json.dumps({"type": "object", "required": ["key"], "properties": {"key": {}}}),
    )
    tag_url = f"https://apigateway.amazonaws.com/restapis/{api_id}/models/Tag"
    apigw.create_model(
        restApiId=api_id,
        name="Item",
        contentType="application/json",
        schema=json.dumps(
            {
                "$schema": "http://json-schema.org/draft-04/schema#",
                "type": "object",
                "required": ["tags"],
                "properties": {"tags": {"type": "array", "items": {"$ref": tag_url}}},
            }
        ),
    )
    validator = apigw.create_request_validator(
        restApiId=api_id,
        name="both",
        validateRequestBody=True,
        validateRequestParameters=True,
    )["id"]
    apigw.put_method(
        restApiId=api_id,
        resourceId=resource,
        httpMethod="POST",
        authorizationType="NONE",
        requestValidatorId=validator,
        requestParameters={
            "method.request.path.item": True,
            "method.request.querystring.version": True,
            "method.request.header.X-Owner": True,
        },
        requestModels={"application/json": "Item"},
    )
    apigw.put_integration(
        restApiId=api_id,
        resourceId=resource,
        httpMethod="POST",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    apigw.put_method_response(
        restApiId=api_id, resourceId=resource, httpMethod="POST", statusCode="200"
    )
    apigw.put_integration_response(
        restApiId=api_id,
        resourceId=resource,
        httpMethod="POST",
        statusCode="200",
        responseTemplates={"application/json": '{"stored": true}'},
    )
    apigw.create_deployment(restApiId=api_id, stageName="live")
    url = f"/restapis/{api_id}/live/_user_request_/i1"
    valid = {"tags": [{"key": "a"}]}
    response = _call_when_served(client, url, {"version": "2"}, {"X-Owner": "o"}, valid)
    assert (response.status_code, response.json()) == (200, {"stored": True})
    missing = client.post(url, json=valid)
    assert missing.status_code == 400
    assert missing.text == '{"message": "Missing required request parameters: [X-Owner, version]"}'
    invalid = client.post(
        url, params={"version": "2"}, headers={"X-Owner": "o"}, json={"tags": [{"value": 1}]}
    )
    assert invalid.status_code == 400
    assert invalid.text == '{"message": "Invalid request body"}'
    assert invalid.headers["x-amzn-errortype"] == "BadRequestException"


def _call_when_served(
    client: httpx.Client,
    url: str,
    query: dict[str, str],
    headers: dict[str, str],
    body: object,
) -> httpx.Response:
    """A deployment reaches the gateway asynchronously: retry a 403/404 for up to 10 s."""
    deadline = time.monotonic() + 10
    while True:
        response = client.post(url, params=query, headers=headers, json=body)
        if response.status_code not in (403, 404) or time.monotonic() > deadline:
            return response
        time.sleep(0.1)
