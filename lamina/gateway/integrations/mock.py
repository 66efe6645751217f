"""The MOCK integration (REST APIs): API Gateway answers from the method's own configuration.

    request template (chosen by Content-Type) → its `statusCode`
    → integration response (selectionPattern against that status, else the default one)
    → method response: status, headers from responseParameters, body from responseTemplates

https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-mock-integration.html
This is what SAM `Cors` generates for each path's OPTIONS method, so a REST API's CORS
headers come from here (and from integration and gateway responses), never from a stage.

Mapping templates are VTL. The full engine is issue #7; until it lands a template is run
only when it is plain text (which VTL outputs unchanged) and anything that needs the engine
answers 500 with the reason on the console, rather than a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl

import orjson

from lamina.gateway.error import GatewayError, GatewayResponse, ResponseType
from lamina.gateway.events.common import media_type
from lamina.gateway.model import IntegrationResponse, MockIntegration
from lamina.gateway.request import GatewayRequest

# API Gateway assumes application/json when a request has no Content-Type, and picks the
# response template for application/json when Accept names none it has.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html
DEFAULT_MEDIA_TYPE = "application/json"

# What makes VTL do something: a reference ($name, ${name}, $!name), a directive or
# comment (#if, #{if}, ##, #*, #[[), or an escape of either. Any other $ or # is text.
_VTL = re.compile(r"[$#][A-Za-z_{!*#\[@]|\\[$#]")
_NEEDS_VTL = "mapping templates with VTL are not supported yet (issue #7)"


def is_literal_template(template: str) -> bool:
    """Whether VTL would output `template` unchanged (no reference, directive or escape)."""
    return _VTL.search(template) is None


def answer_mock(
    integration: MockIntegration,
    request: GatewayRequest,
    path_params: Mapping[str, str],
    stage_variables: Mapping[str, str],
) -> GatewayResponse:
    status = _integration_status(integration, request)
    chosen = select_integration_response(integration.responses, status)
    sources = _Sources(request, path_params, stage_variables)
    headers = [
        (name.encode(), value.encode())
        for name, value in _method_response_headers(chosen.response_parameters, sources)
    ]
    content_type, body = _response_body(chosen.response_templates, request)
    headers.append((b"content-type", content_type.encode()))
    return GatewayResponse(_method_status(chosen), headers, body)


def select_integration_response(
    responses: tuple[IntegrationResponse, ...], status: int
) -> IntegrationResponse:
    """For integrations other than Lambda the selection pattern is a regex matched against
    the whole status code; the response without a pattern is the default.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-integration-response.html
    """
    default = None
    for response in responses:
        if response.selection_pattern is None:
            default = default or response
        elif re.fullmatch(response.selection_pattern, str(status)):
            return response
    if default is None:
        # API Gateway's execution log says, before its 500:
        raise GatewayError(
            ResponseType.DEFAULT_5XX,
            "Execution failed due to configuration error: No match for output mapping and "
            f"no default output mapping specified. Endpoint Response Status Code: {status}",
        )
    return default


def _integration_status(integration: MockIntegration, request: GatewayRequest) -> int:
    """The `statusCode` of the integration request body: the request template's output, or
    the passed-through body. Without one the mock answers 200 (what the console's default
    mock template, `{"statusCode": 200}`, asks for)."""
    body = _integration_request(integration, request)
    try:
        doc = orjson.loads(body) if body.strip() else None
    except orjson.JSONDecodeError:
        doc = None
    status = doc.get("statusCode") if isinstance(doc, dict) else None
    if isinstance(status, bool) or not isinstance(status, int):
        return 200
    return status


def _integration_request(integration: MockIntegration, request: GatewayRequest) -> bytes:
    """Passthrough rules for a request whose Content-Type has no template.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html
    """
    templates = {key.lower(): value for key, value in integration.request_templates.items()}
    content_type = media_type(request.header("content-type")) or DEFAULT_MEDIA_TYPE
    template = templates.get(content_type)
    if template is not None:
        if not is_literal_template(template):
            raise GatewayError(ResponseType.DEFAULT_5XX, f"MOCK request template: {_NEEDS_VTL}")
        return template.encode()
    behavior = integration.passthrough_behavior
    if behavior == "NEVER" or (behavior == "WHEN_NO_TEMPLATES" and templates):
        raise GatewayError(
            ResponseType.UNSUPPORTED_MEDIA_TYPE,
            f"no request template for {content_type} and passthroughBehavior {behavior}",
        )
    return request.body


def _method_status(chosen: IntegrationResponse) -> int:
    try:
        return int(chosen.status_code)
    except ValueError:
        raise GatewayError(
            ResponseType.DEFAULT_5XX, f"integration response statusCode {chosen.status_code!r}"
        ) from None


class _Sources:
    """The request values a response parameter may name."""

    __slots__ = ("path", "query", "request", "stage_variables")

    def __init__(
        self,
        request: GatewayRequest,
        path: Mapping[str, str],
        stage_variables: Mapping[str, str],
    ) -> None:
        self.request = request
        self.path = path
        self.query = dict(parse_qsl(request.query_string, keep_blank_values=True))
        self.stage_variables = stage_variables

    def value(self, source: str) -> str | None:
        """A source's value (None when the request lacks it, so the header is left out).
        https://docs.aws.amazon.com/apigateway/latest/developerguide/request-response-data-mappings.html
        """
        if len(source) >= 2 and source[0] == source[-1] == "'":
            return source[1:-1]
        prefix, _, name = source.rpartition(".")
        if prefix == "method.request.header":
            return self.request.header(name)
        if prefix == "method.request.querystring":
            return self.query.get(name)
        if prefix == "method.request.path":
            return self.path.get(name)
        if prefix == "stageVariables":
            return self.stage_variables.get(name)
        if prefix == "integration.response.header":
            return None  # a mock integration's response has no headers
        raise GatewayError(
            ResponseType.DEFAULT_5XX,
            f"response parameter source {source!r} is not supported yet (issue #7)",
        )


_METHOD_HEADER = "method.response.header."


def _method_response_headers(
    parameters: Mapping[str, str], sources: _Sources
) -> list[tuple[str, str]]:
    headers = []
    for target, source in parameters.items():
        if not target.startswith(_METHOD_HEADER):
            raise GatewayError(
                ResponseType.DEFAULT_5XX, f"response parameter {target!r} is not a method header"
            )
        value = sources.value(source)
        if value is not None:
            headers.append((target.removeprefix(_METHOD_HEADER).lower(), value))
    return headers


def _response_body(templates: Mapping[str, str], request: GatewayRequest) -> tuple[str, bytes]:
    """The response template for the first media type of Accept, else application/json,
    else the first one; no template passes the (empty) mock body through."""
    if not templates:
        return DEFAULT_MEDIA_TYPE, b""
    by_type = {key.lower(): (key, value) for key, value in templates.items()}
    accept = media_type((request.header("accept") or "").split(",", 1)[0])
    key, template = (
        by_type.get(accept) or by_type.get(DEFAULT_MEDIA_TYPE) or next(iter(by_type.values()))
    )
    if not is_literal_template(template):
        raise GatewayError(ResponseType.DEFAULT_5XX, f"MOCK response template: {_NEEDS_VTL}")
    return key, template.encode()
