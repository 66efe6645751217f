"""Payload conversions of REST non-proxy integrations: the API's `binaryMediaTypes` against
the request's Content-Type (request) or first Accept media type (response), and the
integration's or integration response's `contentHandling`.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings-workflow.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings.html

Integration request (AWS's first table):

    method payload  contentHandling      integration request payload
    text            unset / TEXT         the text as it is
    text            CONVERT_TO_BINARY    the text base64-decoded (a binary blob)
    binary          unset / BINARY       the binary as it is
    binary          CONVERT_TO_TEXT      the binary base64-encoded (text)

A request template then maps the payload only when it is text, so with CONVERT_TO_TEXT
`$input.body` is the base64 string; a binary payload passes through unmapped.

Method response (AWS's second table), `accept` being whether the first Accept media type
is a binary media type:

    CONVERT_TO_TEXT      binary → base64-encoded; text as it is
    CONVERT_TO_BINARY    text → base64-decoded; binary as it is
    unset                text with a binary Accept → base64-decoded;
                         binary with a text Accept → base64-encoded; otherwise as it is

A payload that is not base64 when it must be decoded answers 500, as AWS's "API
configuration error".
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import TYPE_CHECKING

from lamina.gateway.error import GatewayError, ResponseType
from lamina.gateway.events.common import media_type

if TYPE_CHECKING:
    from lamina.gateway.context import RequestContext

CONVERT_TO_BINARY = "CONVERT_TO_BINARY"
CONVERT_TO_TEXT = "CONVERT_TO_TEXT"


class BinaryMedia:
    """The API's binaryMediaTypes as one request meets them: whether its Content-Type and
    its first Accept media type are binary, and a test for the backend's Content-Type."""

    __slots__ = ("_is_binary", "accept", "request")

    def __init__(
        self,
        is_binary: Callable[[str], bool] | None = None,
        *,
        content_type: str | None = None,
        accept: str | None = None,
    ) -> None:
        self._is_binary = is_binary
        self.request = self.is_binary(content_type)
        # Only the first media type of Accept counts.
        self.accept = self.is_binary((accept or "").split(",", 1)[0])

    def is_binary(self, content_type: str | None) -> bool:
        if self._is_binary is None or not content_type:
            return False
        return self._is_binary(media_type(content_type))


NO_BINARY_MEDIA = BinaryMedia()
"""An API without binaryMediaTypes: every payload is text."""


def binary_media(ctx: RequestContext) -> BinaryMedia:
    """The request's BinaryMedia, from its REST API's binaryMediaTypes."""
    is_binary = getattr(ctx.api, "is_binary", None)
    compiled = getattr(ctx.api, "api", None)
    if is_binary is None or not getattr(compiled, "binary_media_types", ()):
        return NO_BINARY_MEDIA  # nothing is binary: no header to read
    request = ctx.request
    return BinaryMedia(
        is_binary, content_type=request.header("content-type"), accept=request.header("accept")
    )


def convert_request(body: bytes, *, binary: bool, handling: str | None) -> tuple[bytes, bool]:
    """The integration request payload and whether it is binary (AWS's request table)."""
    if handling == CONVERT_TO_BINARY and not binary:
        return decode(body), True
    if handling == CONVERT_TO_TEXT and binary:
        return base64.b64encode(body), False
    return body, binary


def convert_response(body: bytes, *, binary: bool, accept: bool, handling: str | None) -> bytes:
    """The method response payload (AWS's response table). `binary`: the integration
    response payload is binary; `accept`: the client's first Accept type is binary."""
    if handling == CONVERT_TO_TEXT:
        return base64.b64encode(body) if binary else body
    if handling == CONVERT_TO_BINARY:
        return body if binary else decode(body)
    if accept and not binary:
        return decode(body)
    if binary and not accept:
        return base64.b64encode(body)
    return body


def decode(body: bytes) -> bytes:
    """A text payload base64-decoded; one that is not base64 is a configuration error."""
    try:
        return base64.b64decode(body.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise GatewayError(
            ResponseType.DEFAULT_5XX,
            "Execution failed due to configuration error: Unable to convert the payload "
            "to binary: it is not a Base64-encoded string",
        ) from None
