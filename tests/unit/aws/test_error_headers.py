"""A ServiceError's own headers reach the wire in every protocol's error answer, after
the protocol's request id and error code headers, which stay as they were."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from lamina.aws.fault import render_error
from lamina.aws.model import ModelLibrary
from lamina.aws.rest_xml import render_rest_xml_error
from lamina.aws.service import ServiceError

MARKER = {"x-amz-delete-marker": "true", "x-amz-version-id": "v1"}


@pytest.fixture(scope="module")
def library() -> ModelLibrary:
    return ModelLibrary()


def _names(headers: list[tuple[bytes, bytes]]) -> list[bytes]:
    return [name.lower() for name, _ in headers]


def test_rest_xml_error_carries_the_error_headers() -> None:
    error = ServiceError("NoSuchKey", "gone", status=404, fields={"Key": "k"}, headers=MARKER)
    response = render_rest_xml_error(error, 404, "rid", "/b/k")
    assert response.status == 404
    assert (b"x-amz-delete-marker", b"true") in response.headers
    assert (b"x-amz-version-id", b"v1") in response.headers
    names = _names(response.headers)
    assert names[:2] == [b"x-amz-request-id", b"x-amz-id-2"]
    assert b"<Code>NoSuchKey</Code>" in response.body


def test_rest_xml_error_without_headers_keeps_only_its_own() -> None:
    response = render_rest_xml_error(ServiceError("NoSuchKey", "gone"), 404, "rid")
    assert _names(response.headers) == [b"x-amz-request-id", b"x-amz-id-2", b"content-type"]


def test_a_304_keeps_the_error_headers() -> None:
    error = ServiceError("NotModified", "", status=304, headers={"ETag": '"e"'})
    response = render_rest_xml_error(error, 304, "rid")
    assert response.body == b"" and (b"ETag", b'"e"') in response.headers


def test_header_values_never_break_a_line() -> None:
    error = ServiceError("X", "m", headers={"x-note": "a\r\nb"})
    assert error.header_pairs() == [(b"x-note", b"a b")]


@pytest.mark.parametrize(
    ("service", "own"),
    [
        ("lambda", [b"x-amzn-requestid", b"x-amzn-errortype", b"content-type"]),
        ("dynamodb", [b"x-amzn-requestid", b"content-type"]),
        ("sts", [b"x-amzn-requestid", b"content-type"]),
    ],
)
def test_other_protocols_add_the_headers_to_their_own(
    library: ModelLibrary, service: str, own: list[bytes]
) -> None:
    spec: Any = library.spec(service)
    plain = render_error(spec, ServiceError("ResourceNotFoundException", "no"), "rid")
    assert _names(plain.headers) == own
    error = ServiceError("ResourceNotFoundException", "no", headers={"Retry-After": "3"})
    response = render_error(spec, error, "rid")
    assert (b"Retry-After", b"3") in response.headers
    assert sorted(_names(response.headers)) == sorted([*own, b"retry-after"])
    assert response.status == plain.status and response.body == plain.body
    if service == "lambda":
        assert (b"x-amzn-ErrorType", b"ResourceNotFoundException") in response.headers
        assert orjson.loads(response.body)["Message"] == "no"
