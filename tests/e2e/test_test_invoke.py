"""TestInvokeMethod through boto3 against `lamina up`: a template method and methods made
through the API run from the API's current definition (no deployment), with stage
variables, authorization skipped, and an execution log in API Gateway's words.

https://docs.aws.amazon.com/apigateway/latest/api/API_TestInvokeMethod.html
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.conftest import FIXTURES, LaminaProcess


@pytest.fixture(scope="module")
def lamina() -> Iterator[LaminaProcess]:
    process = LaminaProcess(FIXTURES / "apps" / "proxy", "--no-watch")
    yield process
    process.stop()


def _client(lamina: LaminaProcess, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=lamina.base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def lambda_client(lamina: LaminaProcess) -> Any:
    return _client(lamina, "lambda")


@pytest.fixture(scope="module")
def apigw(lamina: LaminaProcess) -> Any:
    return _client(lamina, "apigateway")


@pytest.fixture(scope="module")
def api(apigw: Any) -> tuple[str, dict[str, str]]:
    """The template's REST API and its resource ids by path."""
    (found,) = [
        api
        for api in apigw.get_rest_apis()["items"]
        if api.get("tags", {}).get("aws:cloudformation:logical-id") == "Api"
    ]
    resources = apigw.get_resources(restApiId=found["id"], limit=500)["items"]
    return found["id"], {resource["path"]: resource["id"] for resource in resources}


def test_test_invoke_runs_a_template_method_with_path_query_headers_and_body(
    apigw: Any, api: tuple[str, dict[str, str]]
) -> None:
    api_id, ids = api
    answer = apigw.test_invoke_method(
        restApiId=api_id,
        resourceId=ids["/echo/{name}"],
        httpMethod="ANY",
        pathWithQueryString="/echo/alice?color=red&color=blue",
        body='{"hello": "world"}',
        headers={"X-One": "1"},
        multiValueHeaders={"X-Many": ["a", "b"]},
        stageVariables={"tier": "gold"},
    )
    assert answer["status"] == 200
    assert answer["headers"]["content-type"] == "application/json"
    assert answer["multiValueHeaders"]["content-type"] == ["application/json"]
    assert isinstance(answer["latency"], int)
    event = json.loads(answer["body"])["event"]
    assert event["pathParameters"] == {"name": "alice"}
    assert event["resource"] == "/echo/{name}"
    assert event["path"] == "/echo/alice"
    assert event["multiValueQueryStringParameters"] == {"color": ["red", "blue"]}
    assert event["headers"]["X-One"] == "1"
    assert event["multiValueHeaders"]["X-Many"] == ["a", "b"]
    assert event["body"] == '{"hello": "world"}'
    assert event["stageVariables"] == {"tier": "gold"}
    assert event["requestContext"]["stage"] == "test-invoke-stage"
    log = answer["log"]
    assert log.startswith("Execution log for request ")
    assert "Method request path: {name=alice}" in log
    assert "Method request query string: {color=red, color=blue}" in log
    assert "Endpoint request body after transformations: {" in log
    assert "Endpoint response body before transformations: {" in log
    assert " : Successfully completed execution\n" in log
    assert log.endswith(" : Method completed with status: 200\n")


def _echo_uri(apigw: Any, api_id: str, resource_id: str) -> str:
    return str(
        apigw.get_integration(restApiId=api_id, resourceId=resource_id, httpMethod="GET")["uri"]
    )


def test_test_invoke_runs_a_method_made_through_the_api_before_any_deployment(
    lamina: LaminaProcess, apigw: Any, api: tuple[str, dict[str, str]]
) -> None:
    api_id, ids = api
    uri = _echo_uri(apigw, api_id, ids["/"])  # the template's GET / is EchoFunction's
    made = apigw.create_rest_api(name="made-for-test-invoke")["id"]
    root = apigw.get_resources(restApiId=made)["items"][0]["id"]
    resource = apigw.create_resource(restApiId=made, parentId=root, pathPart="things")["id"]
    # AWS_IAM: a test invocation skips authorization, so the unsigned test still runs.
    apigw.put_method(
        restApiId=made, resourceId=resource, httpMethod="POST", authorizationType="AWS_IAM"
    )
    with pytest.raises(ClientError) as no_integration:
        apigw.test_invoke_method(restApiId=made, resourceId=resource, httpMethod="POST")
    assert no_integration.value.response["Error"]["Code"] == "BadRequestException"
    # The function is chosen by a stage variable: the test's stageVariables resolve it.
    function_arn = uri.split("/functions/")[1].removesuffix("/invocations")
    function_name = function_arn.rsplit(":", 1)[1]
    variable_uri = uri.replace(function_name, "${stageVariables.fn}")
    apigw.put_integration(
        restApiId=made,
        resourceId=resource,
        httpMethod="POST",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=variable_uri,
    )
    # As on AWS, API Gateway may invoke the function only once a permission says so.
    region, account = function_arn.split(":")[3:5]
    lambda_client(lamina).add_permission(
        FunctionName=function_name,
        StatementId=f"test-invoke-{made}",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{region}:{account}:{made}/*/POST/things",
    )
    answer = apigw.test_invoke_method(
        restApiId=made,
        resourceId=resource,
        httpMethod="POST",
        body="payload",
        stageVariables={"fn": function_name},
    )
    assert answer["status"] == 200, answer["log"]
    event = json.loads(answer["body"])["event"]
    assert (event["httpMethod"], event["path"], event["body"]) == ("POST", "/things", "payload")
    assert f"function:{function_name}/invocations" in answer["log"]
    assert "Resource Path: /things" in answer["log"]
    # Without the variable the method fails as a deployed one would: 500, said in the log.
    failed = apigw.test_invoke_method(restApiId=made, resourceId=resource, httpMethod="POST")
    assert failed["status"] == 500
    assert "Execution failed" in failed["log"]
    assert failed["log"].endswith(" : Method completed with status: 500\n")
    apigw.delete_rest_api(restApiId=made)


def test_test_invoke_unknown_resource_or_method_is_not_found(
    apigw: Any, api: tuple[str, dict[str, str]]
) -> None:
    api_id, ids = api
    with pytest.raises(ClientError) as resource:
        apigw.test_invoke_method(restApiId=api_id, resourceId="nosuch0000", httpMethod="GET")
    error = resource.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "NotFoundException",
        "Invalid Resource identifier specified",
    )
    with pytest.raises(ClientError) as method:
        apigw.test_invoke_method(restApiId=api_id, resourceId=ids["/"], httpMethod="DELETE")
    assert method.value.response["Error"]["Code"] == "NotFoundException"
