"""CORS on the JSON-protocol endpoint: a page's preflight for a Cognito call is answered
for any origin, and the call's answer carries the headers that let the page read it."""

from __future__ import annotations

from lamina.aws.browser_cors import MAX_AGE_S, allowed, preflight
from lamina.http.message import HttpRequest, HttpResponse

PAGE = "http://d111111abcdef8.cloudfront.localhost:3000"


def _request(method: str, path: str = "/", **headers: str) -> HttpRequest:
    return HttpRequest(
        method=method,
        path=path,
        query_string="",
        headers=[(name.replace("_", "-"), value) for name, value in headers.items()],
        body=b"",
        client="127.0.0.1",
        http_version="1.1",
    )


def _headers(response: HttpResponse) -> dict[str, str]:
    return {name.decode().lower(): value.decode() for name, value in response.headers}


def test_preflight_naming_x_amz_target_is_allowed_for_any_origin() -> None:
    asked = "content-type,x-amz-target,x-amz-user-agent"
    answer = preflight(_request("OPTIONS", origin=PAGE, access_control_request_headers=asked))
    assert answer is not None and answer.status == 200 and answer.body == b""
    headers = _headers(answer)
    assert headers["access-control-allow-origin"] == "*"
    assert headers["access-control-allow-methods"] == "POST"
    assert headers["access-control-allow-headers"] == asked
    assert headers["access-control-max-age"] == str(MAX_AGE_S) == "172800"
    assert "x-amzn-ErrorType" in headers["access-control-expose-headers"]


def test_other_preflights_are_left_to_the_gateway() -> None:
    # A preflight for an API's own route, or without Origin, or on another path.
    assert (
        preflight(_request("OPTIONS", origin=PAGE, access_control_request_headers="authorization"))
        is None
    )
    assert preflight(_request("OPTIONS", access_control_request_headers="x-amz-target")) is None
    assert (
        preflight(
            _request(
                "OPTIONS", "/api/items", origin=PAGE, access_control_request_headers="X-Amz-Target"
            )
        )
        is None
    )
    assert (
        preflight(_request("POST", origin=PAGE, access_control_request_headers="x-amz-target"))
        is None
    )


def test_a_pages_call_is_answered_readably_and_others_unchanged() -> None:
    target = "AWSCognitoIdentityProviderService.SignUp"
    answered = allowed(
        _request("POST", origin=PAGE, x_amz_target=target), HttpResponse(400, [], b"{}")
    )
    assert _headers(answered)["access-control-allow-origin"] == "*"
    unsigned_sdk = allowed(_request("POST", x_amz_target=target), HttpResponse(200, [], b"{}"))
    assert unsigned_sdk.headers == []
    s3_call = allowed(_request("PUT", "/bucket/key", origin=PAGE), HttpResponse(200, [], b""))
    assert s3_call.headers == []
    own = HttpResponse(200, [(b"Access-Control-Allow-Origin", PAGE.encode())], b"")
    kept = allowed(_request("POST", origin=PAGE, x_amz_target=target), own)
    assert kept.headers == [(b"Access-Control-Allow-Origin", PAGE.encode())]
