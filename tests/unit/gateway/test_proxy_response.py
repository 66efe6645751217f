import base64

import orjson
import pytest

from lamina.gateway.error import GatewayError, ResponseType
from lamina.gateway.integrations.proxy_response import map_v1_response, map_v2_response


def _dumps(doc: object) -> bytes:
    return orjson.dumps(doc)


def test_v1_response_maps_status_headers_and_body() -> None:
    response = map_v1_response(
        _dumps(
            {
                "statusCode": 201,
                "headers": {"X-One": "1", "Content-Type": "text/plain"},
                "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
                "body": "made",
            }
        )
    )
    assert response.status == 201
    assert response.body == b"made"
    assert (b"set-cookie", b"a=1") in response.headers
    assert (b"set-cookie", b"b=2") in response.headers
    assert (b"content-type", b"text/plain") in response.headers


def test_v1_response_without_content_type_defaults_to_json() -> None:
    response = map_v1_response(_dumps({"statusCode": 200, "body": "{}"}))
    assert (b"content-type", b"application/json") in response.headers


def test_v1_response_base64_body_is_decoded() -> None:
    raw = bytes(range(256))
    payload = {"statusCode": 200, "body": base64.b64encode(raw).decode(), "isBase64Encoded": True}
    assert map_v1_response(_dumps(payload)).body == raw


@pytest.mark.parametrize(
    "payload",
    [
        b'"just a string"',
        b"[1, 2]",
        b"not json",
        _dumps({"statusCode": 200, "body": {"an": "object"}}),
        _dumps({"statusCode": "abc"}),
        _dumps({"statusCode": 200, "extra": 1}),
        _dumps({"body": "no status"}),
    ],
)
def test_v1_response_malformed_is_integration_failure(payload: bytes) -> None:
    with pytest.raises(GatewayError) as raised:
        map_v1_response(payload)
    assert raised.value.response_type is ResponseType.INTEGRATION_FAILURE


def test_v2_response_without_status_code_infers_200_json() -> None:
    response = map_v2_response(b'{"hello": "world"}')
    assert response.status == 200
    assert response.body == b'{"hello": "world"}'
    assert (b"content-type", b"application/json") in response.headers


def test_v2_response_cookies_become_set_cookie_headers() -> None:
    response = map_v2_response(
        _dumps({"statusCode": 200, "cookies": ["a=1; Path=/", "b=2"], "body": "x"})
    )
    cookies = [v for k, v in response.headers if k == b"set-cookie"]
    assert cookies == [b"a=1; Path=/", b"b=2"]
