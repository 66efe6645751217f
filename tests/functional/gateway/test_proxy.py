"""The gateway and real worker processes behind `lamina up`, over HTTP.

Error bodies and status codes: API Gateway's gateway responses and Lambda's
"Handling errors with an API Gateway API":
https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html
"""

from __future__ import annotations

import base64
import time

import httpx
import pytest

from tests.conftest import LaminaProcess

PNG_MAGIC = bytes([137, 80, 78, 71, 13, 10, 26, 10])


@pytest.fixture
def client(proxy_app: LaminaProcess) -> httpx.Client:
    return httpx.Client(base_url=proxy_app.base, timeout=20)


def test_rest_proxy_event_reaches_function(client: httpx.Client) -> None:
    response = client.get("/Prod/echo/world?a=1&a=2", headers={"X-Custom-Case": "v"})
    assert response.status_code == 200
    event = response.json()["event"]
    assert event["resource"] == "/echo/{name}"
    assert event["path"] == "/echo/world"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"name": "world"}
    assert event["queryStringParameters"] == {"a": "2"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert event["headers"]["X-Custom-Case"] == "v"
    assert event["requestContext"]["stage"] == "Prod"
    assert event["requestContext"]["path"] == "/Prod/echo/world"
    assert event["requestContext"]["requestId"] == response.headers["x-amzn-requestid"]


def test_rest_worker_state_survives_between_calls(client: httpx.Client) -> None:
    first = client.get("/Prod/echo/a").json()["calls"]
    second = client.get("/Prod/echo/b").json()["calls"]
    assert second == first + 1


def test_rest_greedy_proxy_and_root(client: httpx.Client) -> None:
    event = client.post("/Prod/proxy/a/b/c", content=b"hi").json()["event"]
    assert event["pathParameters"] == {"proxy": "a/b/c"}
    assert event["body"] == "hi"
    assert client.get("/Prod/").json()["event"]["resource"] == "/"


def test_rest_unknown_route_is_missing_authentication_token(client: httpx.Client) -> None:
    response = client.get("/Prod/nowhere")
    assert response.status_code == 403
    assert response.content == b'{"message":"Missing Authentication Token"}'
    assert response.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"


def test_rest_method_not_on_resource_is_missing_authentication_token(
    client: httpx.Client,
) -> None:
    assert client.post("/Prod/slow").status_code == 403


def test_http_unknown_route_is_not_found(client: httpx.Client) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.content == b'{"message":"Not Found"}'


@pytest.mark.parametrize("kind", ["raise", "malformed", "plain", "string", "huge", "exit"])
def test_rest_function_failures_are_502(client: httpx.Client, kind: str) -> None:
    response = client.get(f"/Prod/shape/{kind}")
    assert response.status_code == 502
    assert response.content == b'{"message": "Internal server error"}'


@pytest.mark.parametrize("kind", ["raise", "malformed", "huge", "exit"])
def test_http_function_failures_are_500(client: httpx.Client, kind: str) -> None:
    response = client.get(f"/shape/{kind}")
    assert response.status_code == 500
    assert response.content == b'{"message":"Internal Server Error"}'


def test_http_plain_string_is_body_without_quotes(client: httpx.Client) -> None:
    response = client.get("/shape/string")
    assert (response.status_code, response.content) == (200, b"just text")


def test_http_plain_object_is_inferred_200_json(client: httpx.Client) -> None:
    response = client.get("/shape/plain")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"hello": "world"}


def test_http_cookies_become_set_cookie(client: httpx.Client) -> None:
    response = client.get("/shape/cookies")
    assert response.status_code == 204
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2; Path=/"]


def test_rest_binary_response_is_decoded_when_accept_matches(client: httpx.Client) -> None:
    response = client.get("/Prod/shape/binary", headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.content == PNG_MAGIC
    assert response.headers["content-type"] == "image/png"


def test_rest_binary_response_stays_base64_when_accept_does_not_match(
    client: httpx.Client,
) -> None:
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings-workflow.html
    response = client.get("/Prod/shape/binary", headers={"Accept": "text/html"})
    assert response.content == base64.b64encode(PNG_MAGIC)


def test_rest_binary_request_arrives_base64(client: httpx.Client) -> None:
    body = bytes(range(256))
    response = client.post(
        "/Prod/echo/bin", content=body, headers={"content-type": "application/octet-stream"}
    )
    event = response.json()["event"]
    assert event["isBase64Encoded"] is True


def test_worker_crash_is_replaced(client: httpx.Client) -> None:
    assert client.get("/Prod/shape/exit").status_code == 502
    assert client.get("/Prod/shape/binary", headers={"Accept": "image/png"}).status_code == 200
    assert client.get("/shape/exit").status_code == 500
    assert client.get("/shape/plain").status_code == 200


def test_function_timeout_is_502_on_rest_and_500_on_http(client: httpx.Client) -> None:
    assert client.get("/Prod/slow").status_code == 502
    assert client.get("/slow").status_code == 500


def test_integration_timeout_is_504(client: httpx.Client) -> None:
    response = client.get("/Prod/gateway-timeout")
    assert response.status_code == 504
    assert response.content == b'{"message": "Endpoint request timed out"}'


def test_request_over_10_mb_is_413(client: httpx.Client) -> None:
    response = client.post("/Prod/echo/big", content=b"x" * (10 * 1024 * 1024 + 1))
    assert response.status_code == 413
    assert response.content == b"HTTP content length exceeded 10485760 bytes."


def test_event_over_6_mb_is_500(client: httpx.Client) -> None:
    response = client.post("/Prod/echo/big", content=b"x" * (7 * 1024 * 1024))
    assert response.status_code == 500
    assert response.content == b'{"message": "Internal server error"}'


def test_http_v2_event_reaches_function(client: httpx.Client) -> None:
    response = client.get("/echo/there?x=1&x=2", headers={"Cookie": "c=1"})
    event = response.json()["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "ANY /echo/{name}"
    assert event["rawPath"] == "/echo/there"
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert event["cookies"] == ["c=1"]
    assert event["requestContext"]["http"]["method"] == "GET"
    assert response.headers["apigw-requestid"] == event["requestContext"]["requestId"]


def test_http_payload_v1_event(client: httpx.Client) -> None:
    event = client.get("/v1/echo").json()["event"]
    assert event["version"] == "1.0"
    assert event["httpMethod"] == "GET"


def test_path_style_and_host_style_urls(client: httpx.Client, proxy_app: LaminaProcess) -> None:
    root = client.get("/Prod/echo/x").json()["event"]
    api_id = root["requestContext"]["apiId"]
    path_style = client.get(f"/restapis/{api_id}/Prod/_user_request_/echo/x")
    assert path_style.json()["event"]["path"] == "/echo/x"
    host_style = client.get("/Prod/echo/x", headers={"Host": f"{api_id}.execute-api.localhost"})
    assert host_style.json()["event"]["requestContext"]["apiId"] == api_id


def test_health(client: httpx.Client) -> None:
    assert client.get("/_lamina/health").json() == {"status": "ok"}


def test_gateway_errors_are_explained_on_the_console(
    client: httpx.Client, proxy_app: LaminaProcess
) -> None:
    client.get("/Prod/not-a-route")
    client.get("/Prod/shape/malformed")
    output = ""
    for _ in range(50):
        output = proxy_app.output()
        if "Malformed Lambda proxy response" in output:
            break
        time.sleep(0.05)
    assert "warning: GET /Prod/not-a-route -> 403 MISSING_AUTHENTICATION_TOKEN" in output
    assert "-> 502 INTEGRATION_FAILURE (Malformed Lambda proxy response: body" in output


def test_function_sees_the_gateways_trace_id(client: httpx.Client) -> None:
    response = client.get("/Prod/shape/trace")
    assert response.status_code == 200
    assert response.text == response.headers["x-amzn-trace-id"]
    assert response.text.startswith("Root=1-")
