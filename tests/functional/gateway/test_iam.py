"""AWS_IAM authorization and REST resource policies through a real `lamina up`: requests
signed by botocore's SigV4 (as every AWS SDK signs them), keys from the template's
AWS::IAM::AccessKey as `lamina up` prints them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from lamina.config.load import load_application
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "iam"


@pytest.fixture(scope="module")
def iam_app() -> Iterator[LaminaProcess]:
    lamina = LaminaProcess(APP)
    yield lamina
    lamina.stop()


@pytest.fixture(scope="module")
def ids() -> dict[str, str]:
    app = load_application(APP)
    return {api.logical_id: api.id for api in (*app.rest_apis, *app.http_apis)}


@pytest.fixture(scope="module")
def keys(iam_app: LaminaProcess) -> dict[str, Credentials]:
    """user name -> its access key, read from the banner."""
    found = re.findall(r"arn:aws:iam::\d+:user/(\S+)  (AKIA\w+)  (\S+)", iam_app.output())
    return {user: Credentials(key, secret) for user, key, secret in found}


def _url(lamina: LaminaProcess, api_id: str, path: str) -> str:
    """Host-style URL (what the client signs); sent to the loopback port with that Host."""
    return f"http://{api_id}.execute-api.localhost:{lamina.port}{path}"


def _send(
    lamina: LaminaProcess,
    url: str,
    credentials: Credentials | None,
    *,
    presign: bool = False,
    method: str = "GET",
) -> httpx.Response:
    request = AWSRequest(method=method, url=url)
    if credentials is not None:
        if presign:
            SigV4QueryAuth(credentials, "execute-api", "us-east-1", expires=60).add_auth(request)
        else:
            SigV4Auth(credentials, "execute-api", "us-east-1").add_auth(request)
    prepared = request.prepare()
    headers = dict(prepared.headers)
    headers["Host"] = prepared.url.split("/")[2]
    local = re.sub(r"^http://[^/]+", f"http://127.0.0.1:{lamina.port}", prepared.url)
    return httpx.request(method, local, headers=headers, timeout=20)


def _event(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    event: dict[str, Any] = json.loads(response.text)
    return event


def test_banner_prints_each_users_key(keys: dict[str, Credentials]) -> None:
    assert "caller" in keys
    assert keys["caller"].access_key.startswith("AKIA")


def test_signed_request_admitted_with_identity_in_event(
    iam_app: LaminaProcess, ids: dict[str, str], keys: dict[str, Credentials]
) -> None:
    url = _url(iam_app, ids["IamRestApi"], "/dev/allowed?x=1")
    event = _event(_send(iam_app, url, keys["caller"]))
    identity = event["requestContext"]["identity"]
    assert identity["userArn"] == "arn:aws:iam::123456789012:user/caller"
    assert identity["accessKey"] == keys["caller"].access_key
    assert identity["accountId"] == "123456789012"
    assert identity["caller"] == identity["user"]
    assert identity["user"].startswith("AIDA")
    assert identity["sourceIp"] == "127.0.0.1"


def test_presigned_url_and_path_style_url_admitted(
    iam_app: LaminaProcess, ids: dict[str, str], keys: dict[str, Credentials]
) -> None:
    url = _url(iam_app, ids["IamRestApi"], "/dev/allowed")
    assert _send(iam_app, url, keys["caller"], presign=True).status_code == 200
    path_style = (
        f"http://127.0.0.1:{iam_app.port}/restapis/{ids['IamRestApi']}/dev/_user_request_/allowed"
    )
    assert _send(iam_app, path_style, keys["caller"]).status_code == 200


def test_session_credentials_sign_with_their_token_in_header_and_presigned_query(
    iam_app: LaminaProcess, ids: dict[str, str], keys: dict[str, Credentials]
) -> None:
    """GetSessionToken from Lamina's STS: the temporary key (ASIA...) signs with its
    session token, as X-Amz-Security-Token in the header or the presigned query; the
    identity is still the user's, and the token is required."""
    caller = keys["caller"]
    sts = boto3.client(
        "sts",
        endpoint_url=iam_app.base,
        region_name="us-east-1",
        aws_access_key_id=caller.access_key,
        aws_secret_access_key=caller.secret_key,
    )
    issued = sts.get_session_token()["Credentials"]
    session = Credentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])
    url = _url(iam_app, ids["IamRestApi"], "/dev/allowed")
    for presign in (False, True):
        identity = _event(_send(iam_app, url, session, presign=presign))["requestContext"][
            "identity"
        ]
        assert identity["accessKey"] == issued["AccessKeyId"]
        assert identity["accessKey"].startswith("ASIA")
        assert identity["userArn"] == "arn:aws:iam::123456789012:user/caller"
        assert identity["caller"] == identity["user"]
    # The caller's policies still decide: /dev/other is not in them.
    refused = _send(iam_app, _url(iam_app, ids["IamRestApi"], "/dev/other"), session, presign=True)
    assert refused.status_code == 403
    assert refused.headers["x-amzn-errortype"] == "AccessDeniedException"
    tokenless = Credentials(issued["AccessKeyId"], issued["SecretAccessKey"])
    response = _send(iam_app, url, tokenless, presign=True)
    assert response.status_code == 403
    assert response.headers["x-amzn-errortype"] == "UnrecognizedClientException"


def test_unsigned_request_is_missing_authentication_token(
    iam_app: LaminaProcess, ids: dict[str, str]
) -> None:
    response = _send(iam_app, _url(iam_app, ids["IamRestApi"], "/dev/allowed"), None)
    assert response.status_code == 403
    assert response.content == b'{"message":"Missing Authentication Token"}'
    assert response.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    assert "x-amzn-requestid" in response.headers


def test_policy_without_allow_is_access_denied(
    iam_app: LaminaProcess, ids: dict[str, str], keys: dict[str, Credentials]
) -> None:
    api = ids["IamRestApi"]
    response = _send(iam_app, _url(iam_app, api, "/dev/other"), keys["caller"])
    assert response.status_code == 403
    assert response.headers["x-amzn-errortype"] == "AccessDeniedException"
    assert response.json() == {
        "Message": "User: arn:aws:iam::123456789012:user/caller is not authorized to perform: "
        f"execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:{api}"
        "/dev/GET/other"
    }


def test_attached_deny_policy_wins_over_inline_allow(
    iam_app: LaminaProcess, ids: dict[str, str], keys: dict[str, Credentials]
) -> None:
    response = _send(iam_app, _url(iam_app, ids["IamRestApi"], "/dev/forbidden"), keys["caller"])
    assert response.status_code == 403
    assert response.json()["Message"].endswith("/dev/GET/forbidden with an explicit deny")


def test_managed_invoke_policy_and_test_pair_allow_everything(
    iam_app: LaminaProcess, ids: dict[str, str], keys: dict[str, Credentials]
) -> None:
    invoker = next(creds for user, creds in keys.items() if user != "caller")
    url = _url(iam_app, ids["IamRestApi"], "/dev/other")
    assert _send(iam_app, url, invoker).status_code == 200
    root = _event(_send(iam_app, url, Credentials("test", "test")))
    assert root["requestContext"]["identity"]["userArn"] == "arn:aws:iam::123456789012:root"


def test_wrong_secret_is_invalid_signature(
    iam_app: LaminaProcess, ids: dict[str, str], keys: dict[str, Credentials]
) -> None:
    forged = Credentials(keys["caller"].access_key, "not-the-secret")
    response = _send(iam_app, _url(iam_app, ids["IamRestApi"], "/dev/allowed"), forged)
    assert response.status_code == 403
    assert response.headers["x-amzn-errortype"] == "InvalidSignatureException"
    message = response.json()["message"]
    assert message.startswith("The request signature we calculated does not match")
    assert "The Canonical String for this request should have been\n'GET\n/dev/allowed\n" in message


def test_unknown_key_is_unrecognized(iam_app: LaminaProcess, ids: dict[str, str]) -> None:
    ghost = Credentials("AKIAGHOST00000000000", "ghost-secret")
    response = _send(iam_app, _url(iam_app, ids["IamRestApi"], "/dev/allowed"), ghost)
    assert response.status_code == 403
    assert response.json() == {"message": "The security token included in the request is invalid."}
    assert response.headers["x-amzn-errortype"] == "UnrecognizedClientException"


def test_resource_policy_allows_loopback_and_denies_a_path(
    iam_app: LaminaProcess, ids: dict[str, str]
) -> None:
    api = ids["GuardedRestApi"]
    assert _send(iam_app, _url(iam_app, api, "/prod/open"), None).status_code == 200
    response = _send(iam_app, _url(iam_app, api, "/prod/secret"), None)
    assert response.status_code == 403
    assert response.headers["x-amzn-errortype"] == "AccessDeniedException"
    assert response.json() == {
        "Message": "User: anonymous is not authorized to perform: execute-api:Invoke on "
        f"resource: arn:aws:execute-api:us-east-1:********9012:{api}/prod/GET/secret "
        "with an explicit deny"
    }


def test_resource_policy_for_another_network_denies_implicitly(
    iam_app: LaminaProcess, ids: dict[str, str]
) -> None:
    api = ids["ElsewhereRestApi"]
    response = _send(iam_app, _url(iam_app, api, "/live/"), None)
    assert response.status_code == 403
    assert response.json() == {
        "Message": "User: anonymous is not authorized to perform: execute-api:Invoke on "
        f"resource: arn:aws:execute-api:us-east-1:********9012:{api}/live/GET/"
    }


def test_http_api_iam_route_gets_authorizer_iam(
    iam_app: LaminaProcess, ids: dict[str, str], keys: dict[str, Credentials]
) -> None:
    event = _event(_send(iam_app, _url(iam_app, ids["IamHttpApi"], "/iam"), keys["caller"]))
    iam = event["requestContext"]["authorizer"]["iam"]
    assert iam["userArn"] == "arn:aws:iam::123456789012:user/caller"
    assert iam["accessKey"] == keys["caller"].access_key
    assert iam["callerId"] == iam["userId"]
    assert iam["cognitoIdentity"] is None
    assert iam["principalOrgId"] is None


def test_http_api_iam_refusals_are_forbidden(
    iam_app: LaminaProcess, ids: dict[str, str], keys: dict[str, Credentials]
) -> None:
    api = ids["IamHttpApi"]
    for credentials, path in ((None, "/iam"), (keys["caller"], "/other")):
        response = _send(iam_app, _url(iam_app, api, path), credentials)
        assert response.status_code == 403
        assert response.content == b'{"message":"Forbidden"}'
        assert "x-amzn-errortype" not in response.headers
        assert "apigw-requestid" in response.headers


def test_function_signs_as_its_execution_role(iam_app: LaminaProcess, ids: dict[str, str]) -> None:
    """A function calling an AWS_IAM method with the credentials Lamina gave it is its
    role's session (`assumed-role/{role}/{function}`), bound by that role's policies."""
    api = ids["GuardedRestApi"]
    probe = _event(_send(iam_app, _url(iam_app, api, "/prod/probe?path=/dev/allowed"), None))
    assert probe["status"] == 200, probe
    identity = json.loads(probe["body"])["requestContext"]["identity"]
    assert re.fullmatch(
        r"arn:aws:sts::123456789012:assumed-role/iam-ProberRole-\w+/Prober", identity["userArn"]
    )
    assert re.fullmatch(r"AROA\w{17}:Prober", identity["caller"])
    assert identity["accessKey"].startswith("ASIA")
    denied = _event(_send(iam_app, _url(iam_app, api, "/prod/probe?path=/dev/other"), None))
    assert denied["status"] == 403
    assert "assumed-role/iam-ProberRole-" in json.loads(denied["body"])["Message"]


def _with_token(lamina: LaminaProcess, api_id: str, path: str, token: str | None) -> httpx.Response:
    headers = {"Host": f"{api_id}.execute-api.localhost:{lamina.port}"}
    if token is not None:
        headers["Authorization"] = token
    return httpx.get(f"http://127.0.0.1:{lamina.port}{path}", headers=headers, timeout=20)


def test_lambda_authorizer_allow_without_policy_statement_admits(
    iam_app: LaminaProcess, ids: dict[str, str]
) -> None:
    event = _event(_with_token(iam_app, ids["AuthorizedRestApi"], "/v1/private", "allow"))
    assert event["requestContext"]["authorizer"]["principalId"] == "user-allow"


def test_lambda_authorizer_implicit_deny_stands_where_the_policy_is_silent(
    iam_app: LaminaProcess, ids: dict[str, str]
) -> None:
    response = _with_token(iam_app, ids["AuthorizedRestApi"], "/v1/private", "elsewhere")
    assert response.status_code == 403
    assert response.headers["x-amzn-errortype"] == "AccessDeniedException"


def test_resource_policy_allow_overrules_authorizer_implicit_deny(
    iam_app: LaminaProcess, ids: dict[str, str]
) -> None:
    """Table A: authorizer "neither allow nor deny" + resource policy Allow = Allow."""
    response = _with_token(iam_app, ids["AuthorizedRestApi"], "/v1/public", "elsewhere")
    assert response.status_code == 200, response.text


def test_resource_policy_allow_never_overrules_authorizer_explicit_deny(
    iam_app: LaminaProcess, ids: dict[str, str]
) -> None:
    response = _with_token(iam_app, ids["AuthorizedRestApi"], "/v1/public", "deny")
    assert response.status_code == 403
    assert response.json() == {
        "Message": "User is not authorized to access this resource with an explicit deny"
    }


def test_resource_policy_deny_refuses_before_the_authorizer(
    iam_app: LaminaProcess, ids: dict[str, str]
) -> None:
    api = ids["AuthorizedRestApi"]
    for token in ("allow", None):  # not even a token is asked for
        response = _with_token(iam_app, api, "/v1/blocked", token)
        assert response.status_code == 403
        assert response.json() == {
            "Message": "User: anonymous is not authorized to perform: execute-api:Invoke on "
            f"resource: arn:aws:execute-api:us-east-1:********9012:{api}/v1/GET/blocked "
            "with an explicit deny"
        }


def test_missing_token_is_unauthorized_even_where_the_policy_allows(
    iam_app: LaminaProcess, ids: dict[str, str]
) -> None:
    response = _with_token(iam_app, ids["AuthorizedRestApi"], "/v1/public", None)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}
