"""Integrations and integration responses through boto3: AWS's defaults, the URI rules per
type (Lambda proxy URIs with stage variables accepted verbatim), patch operations.

https://docs.aws.amazon.com/apigateway/latest/api/API_PutIntegration.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .test_rest_apis import _error

LAMBDA_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:pets:${stageVariables.alias}/invocations"
)


@pytest.fixture
def key(apigw: Any, api: dict[str, Any]) -> dict[str, str]:
    """A GET method on the API's root."""
    apigw.put_method(
        restApiId=api["id"],
        resourceId=api["rootResourceId"],
        httpMethod="GET",
        authorizationType="NONE",
    )
    return {"restApiId": api["id"], "resourceId": api["rootResourceId"], "httpMethod": "GET"}


def test_lambda_proxy_integration_defaults(apigw: Any, key: dict[str, str]) -> None:
    put = apigw.put_integration(
        **key, type="AWS_PROXY", integrationHttpMethod="POST", uri=LAMBDA_URI
    )
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 201
    got = apigw.get_integration(**key)
    for integration in (put, got):
        assert integration["type"] == "AWS_PROXY" and integration["httpMethod"] == "POST"
        assert integration["uri"] == LAMBDA_URI
        assert integration["timeoutInMillis"] == 29000
        assert integration["passthroughBehavior"] == "WHEN_NO_MATCH"
        assert integration["cacheNamespace"] == key["resourceId"]
        assert integration["cacheKeyParameters"] == []
        assert "connectionType" not in integration
    method = apigw.get_method(**key)
    assert method["methodIntegration"]["uri"] == LAMBDA_URI


def test_http_and_mock_integrations(apigw: Any, key: dict[str, str]) -> None:
    http = apigw.put_integration(
        **key,
        type="HTTP_PROXY",
        integrationHttpMethod="get",
        uri="https://example.com/{proxy}",
        requestParameters={"integration.request.path.proxy": "method.request.path.proxy"},
        timeoutInMillis=5000,
    )
    assert http["connectionType"] == "INTERNET" and http["httpMethod"] == "GET"
    assert http["timeoutInMillis"] == 5000
    mock = apigw.put_integration(
        **key, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}
    )
    assert mock["type"] == "MOCK" and "httpMethod" not in mock
    assert mock["requestTemplates"] == {"application/json": '{"statusCode": 200}'}


def test_put_integration_validation(apigw: Any, key: dict[str, str]) -> None:
    cases = [
        ({"type": "HTTP", "uri": "https://example.com"},
         "Enumeration value for HttpMethod must be non-empty"),
        ({"type": "HTTP", "integrationHttpMethod": "GET", "uri": "not a url"},
         "Invalid HTTP endpoint specified for URI"),
        ({"type": "AWS_PROXY", "integrationHttpMethod": "POST", "uri": "hello"},
         "Invalid ARN specified in the request"),
        ({"type": "AWS", "integrationHttpMethod": "POST",
          "uri": "arn:aws:apigateway:us-east-1:sqs:foo"},
         "AWS ARN for integration must contain path or action"),
        ({"type": "AWS_PROXY", "integrationHttpMethod": "POST",
          "uri": "arn:aws:apigateway:us-east-1:sqs:path/123/q"},
         "Integrations of type 'AWS_PROXY' currently only supports Lambda function and "
         "Firehose stream invocations."),
        ({"type": "MOCK", "timeoutInMillis": 10},
         "Timeout should be between 50 ms and 29000 ms"),
    ]  # fmt: skip
    for options, message in cases:
        with pytest.raises(ClientError) as info:
            apigw.put_integration(**key, **options)
        assert _error(info) == ("BadRequestException", message)
    with pytest.raises(ClientError) as info:
        apigw.put_integration(**key, type="HTTPS_PROXY")
    assert _error(info)[0] == "ValidationException"
    with pytest.raises(ClientError) as info:
        apigw.put_integration(**{**key, "httpMethod": "POST"}, type="MOCK")
    assert _error(info) == ("NotFoundException", "Invalid Method identifier specified")


def test_update_and_delete_integration(apigw: Any, key: dict[str, str]) -> None:
    apigw.put_integration(**key, type="AWS_PROXY", integrationHttpMethod="POST", uri=LAMBDA_URI)
    updated = apigw.update_integration(
        **key,
        patchOperations=[
            {"op": "replace", "path": "/timeoutInMillis", "value": "1000"},
            {"op": "add", "path": "/cacheKeyParameters/method.request.path.id"},
            {"op": "add", "path": "/requestTemplates/application~1json", "value": "{}"},
            {"op": "replace", "path": "/uri", "value": LAMBDA_URI.replace("pets", "cats")},
        ],
    )
    assert updated["timeoutInMillis"] == 1000
    assert updated["cacheKeyParameters"] == ["method.request.path.id"]
    assert updated["requestTemplates"] == {"application/json": "{}"}
    assert ":function:cats:" in updated["uri"]
    with pytest.raises(ClientError) as info:
        apigw.update_integration(
            **key, patchOperations=[{"op": "replace", "path": "/wrong", "value": "x"}]
        )
    assert _error(info) == ("BadRequestException", "Invalid patch path /wrong")
    apigw.delete_integration(**key)
    with pytest.raises(ClientError) as info:
        apigw.get_integration(**key)
    assert _error(info) == ("NotFoundException", "Invalid Integration identifier specified")


def test_integration_response_lifecycle(apigw: Any, key: dict[str, str]) -> None:
    with pytest.raises(ClientError) as info:
        apigw.get_integration_response(**key, statusCode="200")
    assert _error(info) == ("NotFoundException", "Invalid Integration identifier specified")
    apigw.put_integration(**key, type="MOCK")
    put = apigw.put_integration_response(
        **key,
        statusCode="200",
        selectionPattern="",
        responseTemplates={"application/json": '"created"'},
        responseParameters={"method.response.header.x-a": "'a'"},
    )
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert put["selectionPattern"] == "" and put["statusCode"] == "200"
    updated = apigw.update_integration_response(
        **key,
        statusCode="200",
        patchOperations=[{"op": "replace", "path": "/selectionPattern", "value": "2\\d{2}"}],
    )
    assert updated["selectionPattern"] == "2\\d{2}"
    integration = apigw.get_integration(**key)
    assert integration["integrationResponses"]["200"]["selectionPattern"] == "2\\d{2}"
    apigw.delete_integration_response(**key, statusCode="200")
    with pytest.raises(ClientError) as info:
        apigw.get_integration_response(**key, statusCode="200")
    assert _error(info) == ("NotFoundException", "Invalid Response status code specified")
    with pytest.raises(ClientError) as info:
        apigw.put_integration_response(**key, statusCode="wrong")
    assert _error(info)[1].endswith("Member must satisfy regular expression pattern: [1-5]\\d\\d")


def test_update_integration_keeps_the_put_rules(apigw: Any, key: dict[str, str]) -> None:
    apigw.put_integration(**key, type="HTTP", integrationHttpMethod="GET", uri="https://a.example")
    with pytest.raises(ClientError) as info:
        apigw.update_integration(
            **key, patchOperations=[{"op": "replace", "path": "/uri", "value": "ftp://x"}]
        )
    assert _error(info) == ("BadRequestException", "Invalid HTTP endpoint specified for URI")
    with pytest.raises(ClientError) as info:
        apigw.update_integration(
            **key, patchOperations=[{"op": "replace", "path": "/timeoutInMillis", "value": "1"}]
        )
    assert _error(info) == ("BadRequestException", "Timeout should be between 50 ms and 29000 ms")
    assert apigw.get_integration(**key)["uri"] == "https://a.example"
