"""Gateway responses: every error the gateway answers itself, rendered as API Gateway does.

The response types, their status codes and default bodies:
https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
Lambda-integration failures (502 / 500 / 504):
https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html
"""

from __future__ import annotations

import enum

import orjson

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
    WAF_FILTERED = "WAF_FILTERED"
    CLIENT_CERTIFICATE_DENIED = "CLIENT_CERTIFICATE_DENIED"
    """Not a gateway response type: mutual TLS refused at the custom domain (see below)."""
    SNI_MISMATCH = "SNI_MISMATCH"
    """Not a gateway response type: a custom domain with EndpointAccessMode STRICT reached
    over a connection whose TLS server name is another (gateway/stages/client_cert.py)."""
    DEFAULT_ENDPOINT_DISABLED = "DEFAULT_ENDPOINT_DISABLED"
    """Not a gateway response type: an API with DisableExecuteApiEndpoint reached other
    than through a custom domain name (gateway/stages/domain.py)."""
    PRIVATE_ENDPOINT_DENIED = "PRIVATE_ENDPOINT_DENIED"
    """Not a gateway response type: a private API reached other than through a VPC
    endpoint, or another API through one (gateway/private.py)."""
    ACCESS_DENIED = "ACCESS_DENIED"
    INVALID_SIGNATURE = "INVALID_SIGNATURE"
    UNAUTHORIZED = "UNAUTHORIZED"
    AUTHORIZER_CONFIGURATION_ERROR = "AUTHORIZER_CONFIGURATION_ERROR"
    BAD_REQUEST_PARAMETERS = "BAD_REQUEST_PARAMETERS"
    BAD_REQUEST_BODY = "BAD_REQUEST_BODY"
    REQUEST_URI_TOO_LONG = "REQUEST_URI_TOO_LONG"
    """Not a gateway response type: a method ARN over 1600 bytes where authorization (or a
    resource policy) needs it (lamina.gateway.stages.authorize)."""


class GatewayResponse:
    """A fully rendered response: status, headers, body bytes."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


class GatewayError(LaminaError):
    """Raised anywhere in the pipeline; the error stage renders it as AWS would."""

    def __init__(
        self,
        response_type: ResponseType,
        detail: str = "",
        *,
        message: str | None = None,
        error_type: str | None = None,
        headers: tuple[tuple[bytes, bytes], ...] = (),
        validation_error: str | None = None,
    ) -> None:
        super().__init__(detail or response_type.value)
        self.response_type = response_type
        self.detail = detail
        self.message = message
        """REST: replaces the default body's message ($context.error.messageString), for
        responses whose text names the request (IAM denials, signature mismatches)."""
        self.error_type = error_type
        """REST: replaces the response type's x-amzn-ErrorType (one type, several causes)."""
        self.headers = headers
        """Added to the rendered response (a JWT authorizer's www-authenticate)."""
        self.validation_error = validation_error
        """REST request validation: `$context.error.validationErrorString`."""


class _Rendering:
    __slots__ = ("body", "error_type", "message_key", "status")

    def __init__(
        self, status: int, body: bytes, error_type: bytes | None, message_key: str = "message"
    ) -> None:
        self.status = status
        self.body = body
        self.error_type = error_type
        self.message_key = message_key
        """The body's key when GatewayError.message replaces the text ("Message" for IAM
        and resource-policy denials, as AWS capitalises it there)."""


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
    # A request AWS WAF blocked (gateway response WAF_FILTERED, 403).
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
    ResponseType.WAF_FILTERED: _Rendering(403, b'{"message":"Forbidden"}', b"ForbiddenException"),
    # Mutual TLS: a custom domain refuses a missing or expired client certificate with 403
    # before any API is chosen (so no gateway response of the API applies on AWS).
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html
    ResponseType.CLIENT_CERTIFICATE_DENIED: _Rendering(
        403, b'{"message":"Forbidden"}', b"ForbiddenException"
    ),
    # A private API called by its public name, or a public API through a VPC endpoint:
    # 403 Forbidden, ForbiddenException.
    # https://repost.aws/knowledge-center/api-gateway-troubleshoot-403-forbidden
    # https://repost.aws/knowledge-center/api-gateway-vpc-connections
    ResponseType.PRIVATE_ENDPOINT_DENIED: _Rendering(
        403, b'{"message":"Forbidden"}', b"ForbiddenException"
    ),
    # "Clients can still connect to your default endpoint, but they will receive a 403
    # Forbidden status code."
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-disable-default-endpoint.html
    ResponseType.DEFAULT_ENDPOINT_DISABLED: _Rendering(
        403, b'{"message":"Forbidden"}', b"ForbiddenException"
    ),
    # EndpointAccessMode STRICT: "API Gateway will reject the request" (status not given).
    ResponseType.SNI_MISMATCH: _Rendering(403, b'{"message":"Forbidden"}', b"ForbiddenException"),
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
    # IAM authorization and resource policies (lamina.gateway.auth.iam, .resource_policy):
    # the messages name the caller and the method ARN, so raisers pass them as `message`.
    # Captured: {"Message":"User: anonymous is not authorized to perform: execute-api:Invoke
    # on resource: arn:aws:execute-api:us-west-2:********2543:vd2gh6uqw3/api/GET/"}
    # (https://github.com/ASFHyP3/hyp3/issues/2283); see docs/fidelity/gateway.md.
    ResponseType.ACCESS_DENIED: _Rendering(
        403,
        b'{"Message":"User is not authorized to access this resource"}',
        b"AccessDeniedException",
        message_key="Message",
    ),
    # Authorizers refusing a missing or invalid identity (Cognito, JWT, Lambda).
    ResponseType.UNAUTHORIZED: _Rendering(
        401, b'{"message":"Unauthorized"}', b"UnauthorizedException"
    ),
    # A Lambda authorizer that failed, timed out or answered something unusable: the
    # template's $context.error.messageString is null here (reported, e.g. aws/chalice#670;
    # x-amzn-ErrorType in serverless/examples#305). See docs/fidelity/gateway.md.
    ResponseType.AUTHORIZER_CONFIGURATION_ERROR: _Rendering(
        500, b'{"message": null}', b"AuthorizerConfigurationException"
    ),
    # Request validators (lamina.gateway.stages.validate): the parameter message names the
    # missing parameters, so the stage passes it as `message`.
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-validation-test.html
    ResponseType.BAD_REQUEST_PARAMETERS: _Rendering(
        400, b'{"message": "Missing required request parameters: []"}', b"BadRequestException"
    ),
    ResponseType.BAD_REQUEST_BODY: _Rendering(
        400, b'{"message": "Invalid request body"}', b"BadRequestException"
    ),
    # "When authorization is enabled on a method, the maximum length of the method's ARN
    # ... is 1600 bytes ... the API client receives a 414 Request URI too long response."
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
    # The body is Lamina's (AWS shows none); see docs/fidelity/gateway.md.
    ResponseType.REQUEST_URI_TOO_LONG: _Rendering(414, b'{"message":"Request URI too long"}', None),
    ResponseType.INVALID_SIGNATURE: _Rendering(
        403,
        b'{"message":"The request signature we calculated does not match the signature you '
        b"provided. Check your AWS Secret Access Key and signing method. Consult the service "
        b'documentation for details."}',
        b"InvalidSignatureException",
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
    # HTTP APIs cannot have a web ACL (AWS WAF protects REST API stages only); should one
    # ever answer, it is the HTTP API's plain 403.
    ResponseType.WAF_FILTERED: _Rendering(403, b'{"message":"Forbidden"}', None),
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-mutual-tls.html
    ResponseType.CLIENT_CERTIFICATE_DENIED: _Rendering(403, b'{"message":"Forbidden"}', None),
    # An HTTP API named through a VPC endpoint (VPC endpoints reach private REST APIs only).
    ResponseType.PRIVATE_ENDPOINT_DENIED: _Rendering(403, b'{"message":"Forbidden"}', None),
    # AWS does not say what a disabled HTTP API default endpoint answers; as REST's (above).
    ResponseType.DEFAULT_ENDPOINT_DISABLED: _Rendering(403, b'{"message":"Forbidden"}', None),
    ResponseType.SNI_MISMATCH: _Rendering(403, b'{"message":"Forbidden"}', None),
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
    ResponseType.THROTTLED: _Rendering(429, b'{"message":"Too Many Requests"}', None),
    # IAM authorization failures of any kind (reported: aws/aws-cdk#21182).
    ResponseType.ACCESS_DENIED: _Rendering(403, b'{"message":"Forbidden"}', None),
    ResponseType.INVALID_SIGNATURE: _Rendering(403, b'{"message":"Forbidden"}', None),
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-jwt.html
    ResponseType.UNAUTHORIZED: _Rendering(401, b'{"message":"Unauthorized"}', None),
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
    ResponseType.AUTHORIZER_CONFIGURATION_ERROR: _Rendering(
        500, b'{"message":"Internal Server Error"}', None
    ),
}


def render_error(kind: ApiKind, error: GatewayError) -> GatewayResponse:
    if kind is ApiKind.HTTP:
        rendering = _HTTP[error.response_type]
        return GatewayResponse(rendering.status, list(error.headers), rendering.body)
    if error.response_type is ResponseType.REQUEST_TOO_LARGE:
        return GatewayResponse(
            _REST_TOO_LARGE.status, list(_REST_TOO_LARGE.headers), _REST_TOO_LARGE.body
        )
    rendering = _REST[error.response_type]
    headers = [(b"content-type", b"application/json")]
    error_type = rendering.error_type
    if error.error_type is not None:
        error_type = error.error_type.encode()
    if error_type is not None:
        headers.append((b"x-amzn-errortype", error_type))
    body = rendering.body
    if error.message is not None:
        body = orjson.dumps({rendering.message_key: error.message})
        if error.response_type is ResponseType.BAD_REQUEST_PARAMETERS:  # AWS's spacing
            body = b'{"message": ' + orjson.dumps(error.message) + b"}"
    headers.extend(error.headers)
    return GatewayResponse(rendering.status, headers, body)
