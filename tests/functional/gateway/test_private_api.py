"""Private REST APIs through a real `lamina up`: reached only through an interface VPC
endpoint's host names, refused by their public names, with the endpoint's aws:SourceVpce /
aws:SourceVpc in the resource policy's condition context (fixture app
tests/fixtures/apps/private_api)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest

from lamina.config.load import load_application
from tests.clients import aws_client
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "private_api"
ACCOUNT_MASK = "********9012"


@pytest.fixture(scope="module")
def private_app() -> Iterator[LaminaProcess]:
    lamina = LaminaProcess(APP)
    yield lamina
    lamina.stop()


@pytest.fixture(scope="module")
def ids() -> dict[str, str]:
    """Logical id -> API id or VPC endpoint id (as Ref gives them)."""
    app = load_application(APP)
    found = {api.logical_id: api.id for api in app.rest_apis}
    endpoints = [endpoint.id for endpoint in app.vpc_endpoints]
    found["AppEndpoint"], found["OtherEndpoint"] = endpoints
    return found


def _get(
    lamina: LaminaProcess, host: str, path: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    """GET `path` on the loopback port with `host` as the Host header (what a client whose
    DNS resolves the host name to the endpoint sends)."""
    sent = {"Host": host, **(headers or {})}
    return httpx.get(f"http://127.0.0.1:{lamina.port}{path}", headers=sent, timeout=20)


def _alias(api_id: str, endpoint_id: str) -> str:
    return f"{api_id}-{endpoint_id}.execute-api.localhost"


def _endpoint_name(endpoint_id: str) -> str:
    return f"{endpoint_id}.execute-api.vpce.localhost"


def _assert_forbidden(response: httpx.Response) -> None:
    assert response.status_code == 403
    assert response.json() == {"message": "Forbidden"}
    assert response.headers["x-amzn-errortype"] == "ForbiddenException"


def _denied(api_id: str, path: str, *, explicit: bool) -> dict[str, str]:
    message = (
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
        f"arn:aws:execute-api:us-east-1:{ACCOUNT_MASK}:{api_id}/{path}"
    )
    return {"Message": message + (" with an explicit deny" if explicit else "")}


def test_private_api_through_associated_endpoint_alias_admits(
    private_app: LaminaProcess, ids: dict[str, str]
) -> None:
    api = ids["PrivateApi"]
    response = _get(private_app, _alias(api, ids["AppEndpoint"]), "/prod/hello")
    assert response.status_code == 200, response.text
    event = response.json()
    assert event["requestContext"]["apiId"] == api
    assert event["path"] == "/hello"
    # As captured private-API events carry them.
    identity = event["requestContext"]["identity"]
    assert identity["vpceId"] == ids["AppEndpoint"]
    assert identity["vpcId"].startswith("vpc-") and len(identity["vpcId"]) == 21
    assert identity["sourceIp"] == "127.0.0.1"
    assert event["requestContext"]["domainPrefix"] == f"{api}-{ids['AppEndpoint']}"


def test_private_api_through_endpoint_name_with_api_id_header_admits(
    private_app: LaminaProcess, ids: dict[str, str]
) -> None:
    response = _get(
        private_app,
        _endpoint_name(ids["AppEndpoint"]),
        "/prod/hello",
        {"x-apigw-api-id": ids["PrivateApi"]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["requestContext"]["apiId"] == ids["PrivateApi"]


def test_private_api_by_its_public_name_is_forbidden(
    private_app: LaminaProcess, ids: dict[str, str]
) -> None:
    api = ids["PrivateApi"]
    _assert_forbidden(_get(private_app, f"{api}.execute-api.localhost", "/prod/hello"))


def test_private_api_at_path_style_url_is_forbidden(
    private_app: LaminaProcess, ids: dict[str, str]
) -> None:
    path = f"/restapis/{ids['PrivateApi']}/prod/_user_request_/hello"
    _assert_forbidden(_get(private_app, "127.0.0.1", path))


def test_public_api_through_an_endpoint_is_forbidden(
    private_app: LaminaProcess, ids: dict[str, str]
) -> None:
    """VPC endpoints route traffic only to private APIs."""
    public = ids["PublicApi"]
    direct = _get(private_app, f"{public}.execute-api.localhost", "/open/hello")
    assert direct.status_code == 200
    assert "vpceId" not in direct.json()["requestContext"]["identity"]
    response = _get(
        private_app,
        _endpoint_name(ids["AppEndpoint"]),
        "/open/hello",
        {"x-apigw-api-id": public},
    )
    _assert_forbidden(response)


def test_policy_denying_another_endpoint_answers_explicit_deny(
    private_app: LaminaProcess, ids: dict[str, str]
) -> None:
    api = ids["PrivateApi"]
    response = _get(private_app, _alias(api, ids["OtherEndpoint"]), "/prod/hello")
    assert response.status_code == 403
    assert response.headers["x-amzn-errortype"] == "AccessDeniedException"
    assert response.json() == _denied(api, "prod/GET/hello", explicit=True)


def test_source_vpc_condition_admits_its_vpc_only(
    private_app: LaminaProcess, ids: dict[str, str]
) -> None:
    api = ids["VpcApi"]
    admitted = _get(private_app, _alias(api, ids["OtherEndpoint"]), "/live/vpc")
    assert admitted.status_code == 200, admitted.text
    refused = _get(
        private_app, _endpoint_name(ids["AppEndpoint"]), "/live/vpc", {"x-apigw-api-id": api}
    )
    assert refused.status_code == 403
    assert refused.json() == _denied(api, "live/GET/vpc", explicit=False)


def test_source_ip_is_absent_through_an_endpoint_and_vpc_source_ip_present(
    private_app: LaminaProcess, ids: dict[str, str]
) -> None:
    api = ids["VpcApi"]
    host = _alias(api, ids["OtherEndpoint"])
    refused = _get(private_app, host, "/live/ip")
    assert refused.status_code == 403
    assert refused.json() == _denied(api, "live/GET/ip", explicit=False)
    assert _get(private_app, host, "/live/vpcip").status_code == 200


def test_endpoint_not_associated_with_the_api_has_no_alias_name(
    private_app: LaminaProcess, ids: dict[str, str]
) -> None:
    """Only associated endpoints (VpcEndpointIds) get the {apiId}-{vpceId} name."""
    response = _get(private_app, _alias(ids["VpcApi"], ids["AppEndpoint"]), "/live/vpc")
    assert response.status_code == 404


def test_banner_prints_private_urls_that_work(
    private_app: LaminaProcess, ids: dict[str, str]
) -> None:
    api = ids["PrivateApi"]
    line = next(
        line
        for line in private_app.output().splitlines()
        if f"id={api}" in line and "/prod/" in line
    )
    assert "REST (PRIVATE)" in line
    assert f"{api}.execute-api.localhost" not in line  # no public URL is printed
    alias = f"http://{_alias(api, ids['AppEndpoint'])}:{private_app.port}/prod/"
    named = f"http://{_endpoint_name(ids['AppEndpoint'])}:{private_app.port}/prod/"
    assert alias in line
    assert f"{named} (header x-apigw-api-id: {api})" in line
    for url, headers in ((alias, {}), (named, {"x-apigw-api-id": api})):
        host = re.sub(r"^http://([^:/]+).*", r"\1", url)
        response = _get(private_app, host, "/prod/hello", headers)
        assert response.status_code == 200, (url, response.text)


def test_function_reaches_private_api_through_the_endpoint_host_name(
    private_app: LaminaProcess, ids: dict[str, str]
) -> None:
    response = _get(private_app, f"{ids['PublicApi']}.execute-api.localhost", "/open/call")
    assert response.status_code == 200, response.text
    called = response.json()
    assert called["status"] == 200, called
    assert json.loads(called["body"])["requestContext"]["apiId"] == ids["PrivateApi"]


def test_private_api_made_through_the_management_api(private_app: LaminaProcess) -> None:
    """CreateRestApi PRIVATE naming an endpoint, a MOCK method, a policy allowing that
    endpoint, CreateDeployment: served through the endpoint's alias only."""
    apigw = aws_client(private_app.base, "apigateway")
    endpoint = "vpce-0212a4ababd5b8c3e"
    api = apigw.create_rest_api(
        name="managed", endpointConfiguration={"types": ["PRIVATE"], "vpcEndpointIds": [endpoint]}
    )["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    method = {"restApiId": api, "resourceId": root, "httpMethod": "GET"}
    apigw.put_method(**method, authorizationType="NONE")
    apigw.put_integration(
        **method, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}
    )
    apigw.put_method_response(**method, statusCode="200")
    apigw.put_integration_response(
        **method, statusCode="200", responseTemplates={"application/json": '{"managed": true}'}
    )
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*",
                "Condition": {"StringEquals": {"aws:SourceVpce": endpoint}},
            }
        ]
    }
    apigw.update_rest_api(
        restApiId=api,
        patchOperations=[{"op": "replace", "path": "/policy", "value": json.dumps(policy)}],
    )
    apigw.create_deployment(restApiId=api, stageName="live")
    admitted = _get(private_app, _alias(api, endpoint), "/live/")
    assert admitted.status_code == 200, admitted.text
    assert admitted.json() == {"managed": True}
    _assert_forbidden(_get(private_app, f"{api}.execute-api.localhost", "/live/"))
