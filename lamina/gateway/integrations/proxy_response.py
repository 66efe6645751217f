"""Lambda proxy responses back to HTTP responses, with AWS's validation.

Format 1.0 (REST, and HTTP APIs set to 1.0): statusCode, headers, multiValueHeaders, body,
isBase64Encoded; anything else is a "Malformed Lambda proxy response".
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-output-format
Format 2.0 (HTTP APIs): adds cookies, and infers a response when there is no statusCode.
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html#http-api-develop-integrations-lambda.response
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from lamina.gateway.error import GatewayError, GatewayResponse, ResponseType

_V1_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})
_V2_KEYS = _V1_KEYS | {"cookies"}
_JSON = b"application/json"


def _malformed(reason: str) -> GatewayError:
    return GatewayError(
        ResponseType.INTEGRATION_FAILURE, f"Malformed Lambda proxy response: {reason}"
    )


def _status(value: object) -> int:
    if isinstance(value, bool):
        raise _malformed("statusCode must be an integer")
    if isinstance(value, int):
        status = value
    elif isinstance(value, str) and value.isdigit():
        status = int(value)
    else:
        raise _malformed("statusCode must be an integer")
    if not 100 <= status <= 599:
        raise _malformed(f"statusCode {status} is out of range")
    return status


def _scalar(value: object) -> str:
    """Header values may be strings, numbers or booleans; API Gateway stringifies them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise _malformed("header values must be strings")


def _headers(doc: dict[str, Any]) -> list[tuple[bytes, bytes]]:
    pairs: list[tuple[bytes, bytes]] = []
    single = doc.get("headers") or {}
    multi = doc.get("multiValueHeaders") or {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise _malformed("headers must be an object")
    for name, values in multi.items():
        if not isinstance(values, list):
            raise _malformed("multiValueHeaders values must be lists")
        pairs.extend((name.lower().encode(), _scalar(v).encode()) for v in values)
    seen = {name for name, _ in pairs}
    for name, value in single.items():
        key = name.lower().encode()
        if key not in seen:  # multiValueHeaders win over headers for the same name
            pairs.append((key, _scalar(value).encode()))
    return pairs


def _body(doc: dict[str, Any], decode_base64: bool) -> bytes:
    body = doc.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise _malformed("body must be a string")
    if decode_base64 and doc.get("isBase64Encoded") is True:
        try:
            return base64.b64decode(body, validate=True)
        except binascii.Error as error:
            raise _malformed("body is not valid base64") from error
    return body.encode()


def _structured(
    doc: dict[str, Any], allowed: frozenset[str], decode_base64: bool
) -> GatewayResponse:
    unknown = doc.keys() - allowed
    if unknown:
        raise _malformed(f"unexpected field(s) {sorted(unknown)}")
    if "statusCode" not in doc:
        raise _malformed("statusCode is missing")
    status = _status(doc["statusCode"])
    headers = _headers(doc)
    if not any(name == b"content-type" for name, _ in headers):
        headers.append((b"content-type", _JSON))
    return GatewayResponse(status, headers, _body(doc, decode_base64))


def _parse(payload: bytes) -> object:
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        raise _malformed("not JSON") from error


def map_v1_response(payload: bytes, *, decode_base64: bool = True) -> GatewayResponse:
    """`decode_base64`: on REST APIs a base64 body is decoded only when the request's
    Accept matches binaryMediaTypes; otherwise the base64 text goes out as is.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings-workflow.html
    """
    doc = _parse(payload)
    if not isinstance(doc, dict):
        raise _malformed("not a JSON object")
    return _structured(doc, _V1_KEYS, decode_base64)


def map_v2_response(payload: bytes) -> GatewayResponse:
    doc = _parse(payload)
    if isinstance(doc, dict) and "statusCode" in doc:
        response = _structured(doc, _V2_KEYS, decode_base64=True)
        cookies = doc.get("cookies") or []
        if not isinstance(cookies, list):
            raise _malformed("cookies must be a list")
        response.headers.extend((b"set-cookie", _scalar(c).encode()) for c in cookies)
        return response
    # No statusCode: AWS assumes 200, application/json, and the payload as the body; the
    # docs' table shows a returned string as the body without its JSON quotes.
    body = doc.encode() if isinstance(doc, str) else payload
    return GatewayResponse(200, [(b"content-type", _JSON)], body)
