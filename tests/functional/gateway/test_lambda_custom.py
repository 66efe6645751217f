"""The Lambda custom (non-proxy) integration through a real `lamina up`
(tests/fixtures/apps/lambda_custom): a VTL request template builds the event a real Python
function receives; its errors map to 400 / 500 by selection patterns on errorMessage; an
unmatched error is the default 200 with the error object; a response header comes from the
result's body. The same method defined in an OpenAPI body and as AWS::ApiGateway::Method."""

from __future__ import annotations

import time
from collections.abc import Iterator

import boto3  # type: ignore[import-untyped]
import httpx
import pytest

from lamina.config.load import load_application
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "lambda_custom"


@pytest.fixture(scope="module")
def custom_app() -> Iterator[LaminaProcess]:
    lamina = LaminaProcess(APP)
    yield lamina
    lamina.stop()


@pytest.fixture(scope="module")
def ids() -> dict[str, str]:
    return {api.logical_id: api.id for api in load_application(APP).rest_apis}


def _post(
    lamina: LaminaProcess, api_id: str, path: str, body: object, **headers: str
) -> httpx.Response:
    host = f"{api_id}.execute-api.localhost:{lamina.port}"
    with httpx.Client(timeout=30) as client:
        return client.post(f"{lamina.base}{path}", json=body, headers={"Host": host, **headers})


def test_request_template_builds_the_event_and_the_response_template_maps_it(
    custom_app: LaminaProcess, ids: dict[str, str]
) -> None:
    response = _post(custom_app, ids["CustomApi"], "/dev/orders/o-7", {"name": 'Tea "green"'})
    assert response.status_code == 200, response.text
    assert response.json() == {"id": "o-7", "name": 'Tea "green"', "quantity": 1, "stage": "dev"}
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-order-version"] == "v1"
    assert response.headers["x-served-by"] == "lamina"


@pytest.mark.parametrize(
    ("name", "status", "body", "error_type"),
    [
        # "[400] Invalid order ..." matches `\[400\].*`; the template strips the prefix.
        ("", 400, {"message": "Invalid order o-8: a name is required"}, None),
        # "[500] ..." matches `\[500\].*`; X-Error-Type from the error object's errorType.
        ("explode", 500, {"message": "Try again later"}, "RuntimeError"),
    ],
)
def test_function_errors_map_to_status_codes_by_error_message(
    custom_app: LaminaProcess,
    ids: dict[str, str],
    name: str,
    status: int,
    body: dict[str, str],
    error_type: str | None,
) -> None:
    response = _post(custom_app, ids["CustomApi"], "/dev/orders/o-8", {"name": name})
    assert (response.status_code, response.json()) == (status, body)
    assert response.headers.get("x-error-type") == error_type


def test_an_error_no_pattern_matches_is_the_default_200_with_the_error_object(
    custom_app: LaminaProcess, ids: dict[str, str]
) -> None:
    response = _post(custom_app, ids["CfnApi"], "/v1/orders", {"name": "unmapped"})
    assert response.status_code == 200
    error = response.json()
    assert (error["errorMessage"], error["errorType"]) == ("'no pattern matches this'", "KeyError")
    assert isinstance(error["stackTrace"], list)
    assert "x-order-version" not in response.headers  # the error object has no meta.version


def test_when_no_templates_refuses_another_content_type(
    custom_app: LaminaProcess, ids: dict[str, str]
) -> None:
    host = f"{ids['CustomApi']}.execute-api.localhost:{custom_app.port}"
    with httpx.Client(timeout=30) as client:
        response = client.post(
            f"{custom_app.base}/dev/orders/o-1",
            content=b"name=x",
            headers={"Host": host, "Content-Type": "application/x-www-form-urlencoded"},
        )
    assert (response.status_code, response.text) == (415, '{"message":"Unsupported Media Type"}')


def test_cloudformation_method_with_integration_responses(
    custom_app: LaminaProcess, ids: dict[str, str]
) -> None:
    ok = _post(custom_app, ids["CfnApi"], "/v1/orders", {"name": "Coffee"})
    assert ok.status_code == 200, ok.text
    # No response template: the function's result as it returned it.
    assert ok.json() == {
        "order": {"id": "cfn", "name": "Coffee", "quantity": None},
        "meta": {"version": "v1", "stage": None, "requestId": None},
    }
    assert ok.headers["x-order-version"] == "v1"
    bad = _post(custom_app, ids["CfnApi"], "/v1/orders", {"name": ""})
    assert (bad.status_code, bad.json()) == (
        400,
        {"error": "[400] Invalid order cfn: a name is required"},
    )


def test_management_api_put_integration_type_aws_then_deploy_and_call(
    custom_app: LaminaProcess,
) -> None:
    """PutIntegration type AWS with a Lambda URI and a request template,
    PutIntegrationResponse with a selectionPattern, CreateDeployment, call the stage."""
    apigw = boto3.client(
        "apigateway",
        endpoint_url=custom_app.base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    function = next(f for f in load_application(APP).functions if "Orders" in f.name)
    arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function.name}"
    api_id = apigw.create_rest_api(name="managed-custom")["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    resource = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="{id}")["id"]
    where = {"restApiId": api_id, "resourceId": resource, "httpMethod": "POST"}
    apigw.put_method(**where, authorizationType="NONE")
    apigw.put_integration(
        **where,
        type="AWS",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations",
        requestTemplates={
            "application/json": '{"id": "$input.params(\'id\')", "name": $input.json(\'$.n\')}'
        },
    )
    for status in ("200", "422"):
        apigw.put_method_response(**where, statusCode=status)
    apigw.put_integration_response(
        **where,
        statusCode="200",
        selectionPattern="",
        responseTemplates={"application/json": '{"named": "$input.path(\'$.order.name\')"}'},
    )
    apigw.put_integration_response(
        **where,
        statusCode="422",
        selectionPattern=r"\[400\].*",
        responseTemplates={"application/json": '{"rejected": "$input.path(\'$.errorType\')"}'},
    )
    apigw.create_deployment(restApiId=api_id, stageName="live")
    url = f"{custom_app.base}/restapis/{api_id}/live/_user_request_/m-1"
    with httpx.Client(timeout=30) as client:
        ok = _when_served(client, url, {"n": "Juice"})
        assert (ok.status_code, ok.json()) == (200, {"named": "Juice"})
        bad = client.post(url, json={"n": ""})
        assert (bad.status_code, bad.json()) == (422, {"rejected": "ValueError"})


def _when_served(client: httpx.Client, url: str, body: object) -> httpx.Response:
    """A deployment reaches the gateway asynchronously: retry a 403/404 for up to 10 s."""
    deadline = time.monotonic() + 10
    while True:
        response = client.post(url, json=body)
        if response.status_code not in (403, 404) or time.monotonic() > deadline:
            return response
        time.sleep(0.1)
