"""REST resource policies naming principals, through a real `lamina up` (fixture app
tests/fixtures/apps/resource_policy): with AWS_IAM, a policy allowing a user or a role
admits callers whose identity policies allow nothing (Table A of
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html),
a Deny refuses even the account root; without authorization a statement naming an IAM
principal never matches ("User: anonymous ...")."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from lamina.config.load import load_application
from tests.clients import client_from
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "resource_policy"
MASK = "arn:aws:execute-api:us-east-1:********9012"
ROOT = Credentials("test", "test")


@pytest.fixture(scope="module")
def policy_app() -> Iterator[LaminaProcess]:
    lamina = LaminaProcess(APP)
    yield lamina
    lamina.stop()


@pytest.fixture(scope="module")
def ids() -> dict[str, str]:
    return {api.logical_id: api.id for api in load_application(APP).rest_apis}


@pytest.fixture(scope="module")
def nobody(policy_app: LaminaProcess) -> Credentials:
    found = re.search(r"arn:aws:iam::\d+:user/nobody  (AKIA\w+)  (\S+)", policy_app.output())
    assert found is not None, policy_app.output()
    return Credentials(found.group(1), found.group(2))


def _get(
    lamina: LaminaProcess, api_id: str, path: str, credentials: Credentials | None
) -> httpx.Response:
    """GET `path` of the API by its host-style URL, signed (SigV4, execute-api) when given
    credentials, sent to the loopback port."""
    host = f"{api_id}.execute-api.localhost:{lamina.port}"
    request = AWSRequest(method="GET", url=f"http://{host}{path}")
    if credentials is not None:
        SigV4Auth(credentials, "execute-api", "us-east-1").add_auth(request)
    headers = {**dict(request.prepare().headers), "Host": host}
    return httpx.get(f"http://127.0.0.1:{lamina.port}{path}", headers=headers, timeout=20)


def _denied(caller: str, resource: str, *, explicit: bool) -> dict[str, str]:
    message = f"User: {caller} is not authorized to perform: execute-api:Invoke on resource: "
    message += f"{MASK}:{resource}"
    return {"Message": message + (" with an explicit deny" if explicit else "")}


def test_policy_naming_a_user_admits_what_its_identity_policy_does_not(
    policy_app: LaminaProcess, ids: dict[str, str], nobody: Credentials
) -> None:
    api = ids["SignedApi"]
    admitted = _get(policy_app, api, "/v1/granted", nobody)
    assert admitted.status_code == 200, admitted.text
    assert admitted.json()["requestContext"]["identity"]["userArn"].endswith(":user/nobody")
    refused = _get(policy_app, api, "/v1/other", nobody)
    assert refused.status_code == 403
    assert refused.headers["x-amzn-errortype"] == "AccessDeniedException"
    user = "arn:aws:iam::123456789012:user/nobody"
    assert refused.json() == _denied(user, f"{api}/v1/GET/other", explicit=False)


def test_policy_deny_refuses_even_the_account_root(
    policy_app: LaminaProcess, ids: dict[str, str]
) -> None:
    api = ids["SignedApi"]
    assert _get(policy_app, api, "/v1/other", ROOT).status_code == 200
    refused = _get(policy_app, api, "/v1/blocked", ROOT)
    assert refused.status_code == 403
    root = "arn:aws:iam::123456789012:root"
    assert refused.json() == _denied(root, f"{api}/v1/GET/blocked", explicit=True)


def test_policy_naming_a_role_admits_the_functions_role_session(
    policy_app: LaminaProcess, ids: dict[str, str]
) -> None:
    probed = _get(policy_app, ids["OpenApi"], "/open/probe", None)
    assert probed.status_code == 200, probed.text
    result = probed.json()
    assert result["status"] == 200, result
    identity = json.loads(result["body"])["requestContext"]["identity"]
    assert ":assumed-role/" in identity["userArn"] and identity["userArn"].endswith("/Prober")
    other = _get(policy_app, ids["OpenApi"], "/open/probe?path=/v1/other", None).json()
    assert other["status"] == 403, other


def test_unauthorized_method_never_matches_an_iam_principal(
    policy_app: LaminaProcess, ids: dict[str, str]
) -> None:
    """AwsAccountWhitelist on a method without AWS_IAM: the caller is anonymous."""
    api = ids["AnonymousApi"]
    for credentials in (None, ROOT):
        refused = _get(policy_app, api, "/v1/hello", credentials)
        assert refused.status_code == 403
        assert refused.json() == _denied("anonymous", f"{api}/v1/GET/hello", explicit=False)


@pytest.mark.parametrize(
    ("client_ip", "admitted"),
    [("127.0.0.1", True), ("127.0.0.3", False), ("127.0.0.9", False)],
)
def test_source_ip_allow_list_and_block_list(
    policy_app: LaminaProcess, ids: dict[str, str], client_ip: str, admitted: bool
) -> None:
    """Clients on other loopback addresses (Linux routes all of 127/8 to lo): inside the
    allow list, on the block list (IpAddress Deny), outside the allow list (NotIpAddress
    Deny)."""
    api = ids["NetworkApi"]
    host = f"{api}.execute-api.localhost:{policy_app.port}"
    with client_from(policy_app.base, client_ip) as client:
        response = client.get("/v1/hello", headers={"Host": host})
    if admitted:
        assert response.status_code == 200, response.text
        assert response.json()["requestContext"]["identity"]["sourceIp"] == client_ip
        return
    assert response.status_code == 403
    assert response.json() == _denied("anonymous", f"{api}/v1/GET/hello", explicit=True)
