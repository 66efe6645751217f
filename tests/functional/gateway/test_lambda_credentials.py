"""Lambda integrations with credentials through a real `lamina up`
(tests/fixtures/apps/lambda_credentials, which has no AWS::Lambda::Permission): API Gateway
invokes the function as the integration's role, or as the AWS_IAM caller, so their policies
decide rather than the function's resource policy.
https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from lamina.config.load import load_application
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "lambda_credentials"


@pytest.fixture(scope="module")
def lamina() -> Iterator[LaminaProcess]:
    process = LaminaProcess(APP, "--no-watch")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def ids() -> dict[str, str]:
    app = load_application(APP)
    return {api.logical_id: api.id for api in (*app.rest_apis, *app.http_apis)}


@pytest.fixture(scope="module")
def keys(lamina: LaminaProcess) -> dict[str, Credentials]:
    """user name -> its access key, read from the banner."""
    found = re.findall(r"arn:aws:iam::\d+:user/(\S+)  (AKIA\w+)  (\S+)", lamina.output())
    return {user: Credentials(key, secret) for user, key, secret in found}


def _get(
    lamina: LaminaProcess, api_id: str, path: str, signer: Credentials | None = None
) -> httpx.Response:
    url = f"http://{api_id}.execute-api.localhost:{lamina.port}{path}"
    request = AWSRequest(method="GET", url=url)
    if signer is not None:
        SigV4Auth(signer, "execute-api", "us-east-1").add_auth(request)
    prepared = request.prepare()
    headers = dict(prepared.headers)
    headers["Host"] = url.split("/")[2]
    local = f"http://127.0.0.1:{lamina.port}{path}"
    return httpx.get(local, headers=headers, timeout=20)


def _post(lamina: LaminaProcess, api_id: str, path: str) -> httpx.Response:
    headers = {"Host": f"{api_id}.execute-api.localhost:{lamina.port}"}
    return httpx.post(f"http://127.0.0.1:{lamina.port}{path}", json={}, headers=headers, timeout=20)


def test_lambda_credentials_role_invokes_without_a_permission(
    lamina: LaminaProcess, ids: dict[str, str]
) -> None:
    response = _get(lamina, ids["Api"], "/prod/me")
    assert response.status_code == 200, response.text
    assert response.json() == {"path": "/me"}


def test_lambda_credentials_absent_the_resource_policy_still_decides(
    lamina: LaminaProcess, ids: dict[str, str]
) -> None:
    response = _get(lamina, ids["Api"], "/prod/nocred")
    assert response.status_code == 500
    assert "Invalid permissions on Lambda function" in lamina.output()


def test_lambda_credentials_role_without_invoke_permission_answers_500(
    lamina: LaminaProcess, ids: dict[str, str]
) -> None:
    response = _get(lamina, ids["Api"], "/prod/other")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal server error"}
    assert "role arn:aws:iam::123456789012:role/other-function is not allowed" in (lamina.output())


def test_lambda_credentials_role_api_gateway_may_not_assume_answers_500(
    lamina: LaminaProcess, ids: dict[str, str]
) -> None:
    response = _get(lamina, ids["Api"], "/prod/untrusted")
    assert response.status_code == 500
    assert "does not have permission to assume the provided role" in lamina.output()


def test_lambda_credentials_custom_integration_invokes_as_the_role(
    lamina: LaminaProcess, ids: dict[str, str]
) -> None:
    response = _get(lamina, ids["Api"], "/prod/custom")
    assert response.status_code == 200, response.text
    assert response.json() == {"custom": {"greeting": "hello"}}


def test_lambda_credentials_event_invocation_is_queued_as_the_role(
    lamina: LaminaProcess, ids: dict[str, str]
) -> None:
    assert _post(lamina, ids["Api"], "/prod/event").status_code == 202
    refused = _post(lamina, ids["Api"], "/prod/other-event")
    assert refused.status_code == 500
    assert refused.json() == {"message": "Internal server error"}


def test_lambda_credentials_role_named_by_a_stage_variable(
    lamina: LaminaProcess, ids: dict[str, str]
) -> None:
    response = _get(lamina, ids["Api"], "/prod/staged")
    assert response.status_code == 200, response.text


def test_lambda_credentials_openapi_body_credentials(
    lamina: LaminaProcess, ids: dict[str, str]
) -> None:
    response = _get(lamina, ids["BodyApi"], "/prod/me")
    assert response.status_code == 200, response.text


def test_lambda_credentials_http_api_credentials_arn(
    lamina: LaminaProcess, ids: dict[str, str]
) -> None:
    assert _get(lamina, ids["HttpApi"], "/me").status_code == 200
    assert _get(lamina, ids["HttpApi"], "/other").status_code == 500


def test_lambda_credentials_caller_who_may_invoke_the_function(
    lamina: LaminaProcess, ids: dict[str, str], keys: dict[str, Credentials]
) -> None:
    response = _get(lamina, ids["Api"], "/prod/caller", keys["invoker"])
    assert response.status_code == 200, response.text


def test_lambda_credentials_caller_who_may_only_call_the_api_answers_500(
    lamina: LaminaProcess, ids: dict[str, str], keys: dict[str, Credentials]
) -> None:
    response = _get(lamina, ids["Api"], "/prod/caller", keys["api-only"])
    assert response.status_code == 500
    assert "user/api-only is not allowed lambda:InvokeFunction" in lamina.output()


def test_lambda_credentials_caller_credentials_on_a_method_without_aws_iam_answers_500(
    lamina: LaminaProcess, ids: dict[str, str]
) -> None:
    response = _get(lamina, ids["Api"], "/prod/anonymous")
    assert response.status_code == 500
    assert "only an AWS_IAM method has them" in lamina.output()


def test_lambda_credentials_caller_condition_sees_the_request_source_ip(
    lamina: LaminaProcess, ids: dict[str, str], keys: dict[str, Credentials]
) -> None:
    """The caller's policy allows lambda:InvokeFunction only from a network: the test's
    loopback address matches one user's condition and not the other's."""
    allowed = _get(lamina, ids["Api"], "/prod/caller", keys["loopback"])
    assert allowed.status_code == 200, allowed.text
    refused = _get(lamina, ids["Api"], "/prod/caller", keys["office"])
    assert refused.status_code == 500
    assert refused.json() == {"message": "Internal server error"}
    assert "user/office is not allowed lambda:InvokeFunction" in lamina.output()


def test_lambda_credentials_http_api_caller_who_may_invoke_the_function(
    lamina: LaminaProcess, ids: dict[str, str], keys: dict[str, Credentials]
) -> None:
    response = _get(lamina, ids["HttpApi"], "/caller", keys["invoker"])
    assert response.status_code == 200, response.text
    assert response.json() == {"path": "/caller"}


def test_lambda_credentials_http_api_caller_who_may_only_call_the_api_answers_500(
    lamina: LaminaProcess, ids: dict[str, str], keys: dict[str, Credentials]
) -> None:
    logged = "user/api-only is not allowed lambda:InvokeFunction"
    before = lamina.output().count(logged)
    response = _get(lamina, ids["HttpApi"], "/caller", keys["api-only"])
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert lamina.output().count(logged) > before


def test_lambda_credentials_http_api_caller_condition_sees_the_request_source_ip(
    lamina: LaminaProcess, ids: dict[str, str], keys: dict[str, Credentials]
) -> None:
    assert _get(lamina, ids["HttpApi"], "/caller", keys["loopback"]).status_code == 200
    assert _get(lamina, ids["HttpApi"], "/caller", keys["office"]).status_code == 500


def test_lambda_credentials_http_api_unsigned_caller_route_answers_403(
    lamina: LaminaProcess, ids: dict[str, str]
) -> None:
    """AWS_IAM refuses before the integration: HTTP APIs' 403 Forbidden."""
    response = _get(lamina, ids["HttpApi"], "/caller")
    assert response.status_code == 403
    assert response.json() == {"message": "Forbidden"}


def test_lambda_credentials_http_api_caller_credentials_without_aws_iam_answers_500(
    lamina: LaminaProcess, ids: dict[str, str]
) -> None:
    before = lamina.output().count("only an AWS_IAM method has them")
    response = _get(lamina, ids["HttpApi"], "/anonymous")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert lamina.output().count("only an AWS_IAM method has them") > before
