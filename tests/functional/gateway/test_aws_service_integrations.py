"""AWS service integrations through a real `lamina up` (tests/fixtures/apps/s3_proxy): a REST
API proxies GET / PUT /files/{key} to a template bucket (S3 path URI, the key mapped from the
method path) and POST /items to DynamoDB PutItem (action URI, the request template builds the
input), each called as its execution role; a role without s3:GetObject gets S3's 403, which
the integration responses map. https://docs.aws.amazon.com/apigateway/latest/developerguide/integrating-api-with-aws-services-s3.html
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3  # type: ignore[import-untyped]
import httpx
import pytest

from lamina.config.load import load_application
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "s3_proxy"


@pytest.fixture(scope="module")
def proxy() -> Iterator[LaminaProcess]:
    lamina = LaminaProcess(APP)
    yield lamina
    lamina.stop()


@pytest.fixture(scope="module")
def hosts(proxy: LaminaProcess) -> dict[str, str]:
    return {
        api.logical_id: f"{api.id}.execute-api.localhost:{proxy.port}"
        for api in load_application(APP).rest_apis
    }


@pytest.fixture(scope="module")
def host(hosts: dict[str, str]) -> str:
    return hosts["ProxyApi"]


def _client(proxy: LaminaProcess, service: str) -> object:
    return boto3.client(
        service,
        endpoint_url=proxy.base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _send(
    proxy: LaminaProcess, host: str, method: str, path: str, **kwargs: object
) -> httpx.Response:
    headers = {"Host": host, **dict(kwargs.pop("headers", {}) or {})}  # type: ignore[call-overload]
    with httpx.Client(timeout=30) as client:
        return client.request(method, f"{proxy.base}{path}", headers=headers, **kwargs)  # type: ignore[arg-type]


def test_put_then_get_an_object_through_the_s3_path_integration(
    proxy: LaminaProcess, host: str
) -> None:
    put = _send(
        proxy,
        host,
        "PUT",
        "/dev/files/notes.txt",
        content=b"hello s3",
        headers={"Content-Type": "text/plain"},
    )
    assert put.status_code == 200, put.text
    assert put.json() == {"stored": "notes.txt"}
    stored = _client(proxy, "s3").get_object(Bucket="s3-proxy-files", Key="notes.txt")  # type: ignore[attr-defined]
    assert stored["Body"].read() == b"hello s3"
    assert stored["ContentType"] == "text/plain"
    got = _send(proxy, host, "GET", "/dev/files/notes.txt")
    assert got.status_code == 200, got.text
    assert got.content == b"hello s3"
    assert got.headers["content-type"] == "text/plain"


def test_a_missing_object_is_s3s_404_mapped_by_its_integration_response(
    proxy: LaminaProcess, host: str
) -> None:
    got = _send(proxy, host, "GET", "/dev/files/absent.txt")
    assert got.status_code == 404, got.text
    assert got.json() == {"message": "no such file"}


def test_a_role_without_the_permission_gets_s3s_access_denied(
    proxy: LaminaProcess, host: str
) -> None:
    _send(proxy, host, "PUT", "/dev/files/secret.txt", content=b"x")
    got = _send(proxy, host, "GET", "/dev/denied/secret.txt")
    # S3's 403 AccessDenied selects `4\d{2}` -> 403; the body (S3's XML error) passes through.
    assert got.status_code == 403, got.text
    assert b"<Code>AccessDenied</Code>" in got.content


def test_dynamodb_put_item_action_with_a_request_template(proxy: LaminaProcess, host: str) -> None:
    got = _send(proxy, host, "POST", "/dev/items", json={"id": "i-1", "name": 'Tea "green"'})
    assert got.status_code == 200, got.text
    assert got.json() == {"stored": True}
    item = _client(proxy, "dynamodb").get_item(  # type: ignore[attr-defined]
        TableName="s3-proxy-items", Key={"id": {"S": "i-1"}}
    )["Item"]
    assert item == {"id": {"S": "i-1"}, "name": {"S": 'Tea "green"'}}


def test_a_put_item_the_service_refuses_maps_to_400(proxy: LaminaProcess, host: str) -> None:
    # An empty key value is DynamoDB's ValidationException (400), selected by `4\d{2}`.
    got = _send(proxy, host, "POST", "/dev/items", json={"id": "", "name": "x"})
    assert got.status_code == 400, got.text
    assert b"ValidationException" in got.content


def test_a_role_api_gateway_may_not_assume_is_a_500(proxy: LaminaProcess, host: str) -> None:
    # The role trusts lambda.amazonaws.com only: API Gateway cannot assume it ("Execution
    # failed due to configuration error"), whatever the role's policies allow.
    got = _send(proxy, host, "GET", "/dev/untrusted/notes.txt")
    assert got.status_code == 500, got.text
    assert got.json() == {"message": "Internal server error"}


def test_a_denied_call_with_only_a_default_response_is_a_200_with_the_error_body(
    proxy: LaminaProcess, host: str
) -> None:
    # Non-proxy integrations never pass the backend's status through: the default
    # integration response (200) catches S3's 403, whose XML error becomes the body.
    _send(proxy, host, "PUT", "/dev/files/other.txt", content=b"x")
    got = _send(proxy, host, "GET", "/dev/unmapped/other.txt")
    assert got.status_code == 200, got.text
    assert b"<Code>AccessDenied</Code>" in got.content


def test_the_cloudformation_method_with_credentials_proxies_s3_too(
    proxy: LaminaProcess, hosts: dict[str, str]
) -> None:
    _send(proxy, hosts["ProxyApi"], "PUT", "/dev/files/cfn.txt", content=b"from cfn")
    got = _send(proxy, hosts["CfnApi"], "GET", "/v1/files/cfn.txt")
    assert got.status_code == 200, got.text
    assert got.content == b"from cfn"
    missing = _send(proxy, hosts["CfnApi"], "GET", "/v1/files/none.txt")
    assert missing.status_code == 404, missing.text
    assert missing.json() == {"missing": "none.txt"}


def test_a_stage_variable_names_the_credentials_role(proxy: LaminaProcess, host: str) -> None:
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/aws-api-gateway-stage-variables-reference.html
    s3 = _client(proxy, "s3")
    s3.put_object(Bucket="s3-proxy-files", Key="staged.txt", Body=b"by variable")  # type: ignore[attr-defined]
    got = _send(proxy, host, "GET", "/dev/staged/staged.txt")
    assert (got.status_code, got.content) == (200, b"by variable")
    missing = _send(proxy, host, "GET", "/dev/unstaged/staged.txt")
    assert (missing.status_code, missing.json()) == (500, {"message": "Internal server error"})


def test_an_object_over_the_10_mb_payload_quota_is_a_500(proxy: LaminaProcess, host: str) -> None:
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html (10 MB payload)
    s3 = _client(proxy, "s3")
    s3.put_object(Bucket="s3-proxy-files", Key="big.bin", Body=b"x" * (10 * 1024 * 1024 + 1))  # type: ignore[attr-defined]
    got = _send(proxy, host, "GET", "/dev/files/big.bin")
    assert (got.status_code, got.json()) == (500, {"message": "Internal server error"})
    s3.put_object(Bucket="s3-proxy-files", Key="fits.bin", Body=b"y" * (10 * 1024 * 1024))  # type: ignore[attr-defined]
    fits = _send(proxy, host, "GET", "/dev/files/fits.bin")
    assert (fits.status_code, len(fits.content)) == (200, 10 * 1024 * 1024)
