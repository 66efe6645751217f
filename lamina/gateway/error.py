"""Gateway responses: every error the gateway answers itself, rendered as API Gateway does.

The response types, their status codes and default bodies:
https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
Lambda-integration failures (502 / 500 / 504):
https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html
"""

from __future__ import annotations

import enum

from lamina.core.error import LaminaError


class ApiKind(enum.Enum):
    REST = "REST"
    HTTP = "HTTP"


class ResponseType(enum.Enum):
    """API Gateway's gateway response types used by the data plane so far."""

    MISSING_AUTHENTICATION_TOKEN = "MISSING_AUTHENTICATION_TOKEN"
    RESOURCE_NOT_FOUND = "RESOURCE_NOT_FOUND"
    INTEGRATION_FAILURE = "INTEGRATION_FAILURE"
    INTEGRATION_TIMEOUT = "INTEGRATION_TIMEOUT"
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    INVALID_API_KEY = "INVALID_API_KEY"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    THROTTLED = "THROTTLED"
    DEFAULT_5XX = "DEFAULT_5XX"


class GatewayResponse:
    """A fully rendered response: status, headers, body bytes."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


class GatewayError(LaminaError):
    """Raised anywhere in the pipeline; the error stage renders it as AWS would."""

    def __init__(self, response_type: ResponseType, detail: str = "") -> None:
        super().__init__(detail or response_type.value)
        self.response_type = response_type
        self.detail = detail


class _Rendering:
    __slots__ = ("body", "error_type", "status")

    def __init__(self, status: int, body: bytes, error_type: bytes | None) -> None:
        self.status = status
        self.body = body
        self.error_type = error_type


# REST APIs. Note the bodies differ in spacing: AWS renders MISSING_AUTHENTICATION_TOKEN from
# the gateway-response template `{"message":$context.error.messageString}`, while the Lambda
# failure bodies come with a space after the colon; clients compare bytes, so we copy both.
_REST: dict[ResponseType, _Rendering] = {
    ResponseType.MISSING_AUTHENTICATION_TOKEN: _Rendering(
        403, b'{"message":"Missing Authentication Token"}', b"MissingAuthenticationTokenException"
    ),
    ResponseType.RESOURCE_NOT_FOUND: _Rendering(
        404, b'{"message":"Not Found"}', b"NotFoundException"
    ),
    ResponseType.INTEGRATION_FAILURE: _Rendering(
        502, b'{"message": "Internal server error"}', b"InternalServerErrorException"
    ),
    ResponseType.INTEGRATION_TIMEOUT: _Rendering(
        504, b'{"message": "Endpoint request timed out"}', None
    ),
    ResponseType.DEFAULT_5XX: _Rendering(500, b'{"message": "Internal server error"}', None),
    # API keys, usage plan quotas and throttling (lamina.gateway.stages.meter).
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
    ResponseType.INVALID_API_KEY: _Rendering(
        403, b'{"message":"Forbidden"}', b"ForbiddenException"
    ),
    ResponseType.QUOTA_EXCEEDED: _Rendering(
        429, b'{"message":"Limit Exceeded"}', b"LimitExceededException"
    ),
    ResponseType.THROTTLED: _Rendering(
        429, b'{"message":"Too Many Requests"}', b"TooManyRequestsException"
    ),
    # A non-proxy integration refusing to pass an unmapped Content-Type through.
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html
    ResponseType.UNSUPPORTED_MEDIA_TYPE: _Rendering(
        415, b'{"message":"Unsupported Media Type"}', b"UnsupportedMediaTypeException"
    ),
}

# A body over 10 MB never reaches the REQUEST_TOO_LARGE gateway response: API Gateway's
# front end answers in plain text (captured; see docs/fidelity/gateway.md, section 5).
_REST_TOO_LARGE = GatewayResponse(
    413,
    [(b"content-type", b"text; charset=utf-8")],
    b"HTTP content length exceeded 10485760 bytes.",
)

# HTTP APIs answer with their own, shorter set, with no x-amzn-ErrorType and no
# Content-Type header (captured 401 / 503 responses carry neither).
# https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html
_HTTP: dict[ResponseType, _Rendering] = {
    ResponseType.MISSING_AUTHENTICATION_TOKEN: _Rendering(404, b'{"message":"Not Found"}', None),
    ResponseType.RESOURCE_NOT_FOUND: _Rendering(404, b'{"message":"Not Found"}', None),
    ResponseType.INTEGRATION_FAILURE: _Rendering(500, b'{"message":"Internal Server Error"}', None),
    ResponseType.INTEGRATION_TIMEOUT: _Rendering(503, b'{"message":"Service Unavailable"}', None),
    ResponseType.REQUEST_TOO_LARGE: _Rendering(
        413, b'{"message":"Request Entity Too Large"}', None
    ),
    ResponseType.DEFAULT_5XX: _Rendering(500, b'{"message":"Internal Server Error"}', None),
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
    ResponseType.THROTTLED: _Rendering(429, b'{"message":"Too Many Requests"}', None),
}


def render_error(kind: ApiKind, error: GatewayError) -> GatewayResponse:
    if kind is ApiKind.HTTP:
        rendering = _HTTP[error.response_type]
        return GatewayResponse(rendering.status, [], rendering.body)
    if error.response_type is ResponseType.REQUEST_TOO_LARGE:
        return GatewayResponse(
            _REST_TOO_LARGE.status, list(_REST_TOO_LARGE.headers), _REST_TOO_LARGE.body
        )
    rendering = _REST[error.response_type]
    headers = [(b"content-type", b"application/json")]
    if rendering.error_type is not None:
        headers.append((b"x-amzn-errortype", rendering.error_type))
    return GatewayResponse(rendering.status, headers, rendering.body)
