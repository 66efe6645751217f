"""The MOCK integration (REST APIs): API Gateway answers from the method's own configuration.

    request template (chosen by Content-Type) → its `statusCode`
    → integration response (selectionPattern against that status, else the default one)
    → method response: status, headers from responseParameters, body from responseTemplates

https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-mock-integration.html
This is what SAM `Cors` generates for each path's OPTIONS method, so a REST API's CORS
headers come from here (and from integration and gateway responses), never from a stage.

Mapping templates are VTL, run by lamina.gateway.mapping with API Gateway's `$input`,
`$context`, `$stageVariables` and `$util`. The request template sees the method request's
payload; the response template sees the mock's integration response, whose payload is empty
(so `$input.body` reads `{}`), and may set `$context.responseOverride.status` and
`.header.X`, which replace the method response's status and headers.
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-override-request-response-parameters.html
A plain-text template (no VTL syntax) is used as is, without the engine. A template the engine
cannot run (a syntax error, an unsupported construct, a failing `$util` call) answers 500 with
the reason on the console, as API Gateway's "Execution failed due to configuration error".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

import orjson

from lamina.gateway.error import GatewayError, GatewayResponse, ResponseType
from lamina.gateway.events.common import media_type, parse_query, with_forwarded_headers
from lamina.gateway.events.v1 import V1Target
from lamina.gateway.mapping import (
    MappingError,
    MappingInput,
    Rendered,
    RequestFacts,
    compile_template,
    render_request_template,
    render_response_template,
)
from lamina.gateway.model import IntegrationResponse, MockIntegration, RestApi
from lamina.gateway.request import GatewayRequest

if TYPE_CHECKING:
    from lamina.gateway.context import RequestContext

# API Gateway assumes application/json when a request has no Content-Type, and picks the
# response template for application/json when Accept names none it has.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html
DEFAULT_MEDIA_TYPE = "application/json"

# What makes VTL do something: a reference ($name, ${name}, $!name), a directive or
# comment (#if, #{if}, ##, #*, #[[), or an escape of either. Any other $ or # is text.
_VTL = re.compile(r"[$#][A-Za-z_{!*#\[@]|\\[$#]")
# What API Gateway's execution log says before the 500 for a template that fails.
_TRANSFORM_FAILED = "Execution failed due to configuration error: Unable to transform {}: {}"


log = logging.getLogger("lamina.gateway")


def precompile_templates(api: RestApi) -> None:
    """Parse every MOCK mapping template of `api` when the deployment is built, so requests
    never parse one; a template that does not parse is reported now (its requests answer
    500 with the same reason)."""
    for resource in api.resources:
        for method in resource.methods.values():
            mock = method.integration
            if not isinstance(mock, MockIntegration):
                continue
            templates = [*mock.request_templates.values()]
            templates += [t for r in mock.responses for t in r.response_templates.values()]
            for template in templates:
                if is_literal_template(template):
                    continue
                try:
                    compile_template(template)
                except MappingError as error:
                    log.warning(
                        "%s %s %s: mapping template: %s",
                        api.id,
                        method.http_method,
                        resource.path,
                        error,
                    )


def is_literal_template(template: str) -> bool:
    """Whether VTL would output `template` unchanged (no reference, directive or escape)."""
    return _VTL.search(template) is None


def answer_mock(
    integration: MockIntegration,
    request: GatewayRequest,
    path_params: Mapping[str, str],
    stage_variables: Mapping[str, str],
    facts: RequestFacts | None = None,
) -> GatewayResponse:
    """`facts`: what routing and the security stages found, for `$context`."""
    mapping = _MappingSource(request, path_params, stage_variables, facts)
    status = _integration_status(integration, request, mapping)
    chosen = select_integration_response(integration.responses, status)
    sources = _Sources(request, path_params, stage_variables)
    named = dict(_method_response_headers(chosen.response_parameters, sources))
    content_type, rendered = _response_body(chosen.response_templates, request, mapping)
    named.update({name.lower(): value for name, value in rendered.headers.items()})
    # A mapped or overridden Content-Type replaces the template's media type.
    named.setdefault("content-type", content_type)
    headers = [(name.encode(), value.encode()) for name, value in named.items()]
    status_code = rendered.status if rendered.status is not None else _method_status(chosen)
    return GatewayResponse(status_code, headers, rendered.body.encode())


def request_facts(ctx: RequestContext) -> RequestFacts:
    """What `$context` reports, from the pipeline's request context."""
    target = ctx.target
    stage = ctx.stage
    web_acl = stage.web_acl if stage is not None else None
    if not isinstance(target, V1Target):
        return RequestFacts(account_id=ctx.deployment.account_id, api_id="", stage="")
    return RequestFacts(
        account_id=target.account_id,
        api_id=target.api_id,
        stage=target.stage,
        resource_id=target.resource_id,
        resource_path=target.resource_path,
        stage_path_prefix=target.stage_path_prefix,
        authorizer=ctx.authorizer,
        identity=ctx.identity,
        client_cert=ctx.client_cert,
        web_acl_arn=web_acl.arn if web_acl is not None else None,
    )


class _MappingSource:
    """Builds the template variables on first use (a plain-text template needs none)."""

    __slots__ = ("_built", "facts", "path_params", "request", "stage_variables")

    def __init__(
        self,
        request: GatewayRequest,
        path_params: Mapping[str, str],
        stage_variables: Mapping[str, str],
        facts: RequestFacts | None,
    ) -> None:
        self.request = request
        self.path_params = path_params
        self.stage_variables = stage_variables
        self.facts = facts or RequestFacts(account_id="", api_id="", stage="")
        self._built: MappingInput | None = None

    def get(self) -> MappingInput:
        if self._built is None:
            self._built = MappingInput(
                self.request,
                self.facts,
                path_params=self.path_params,
                query=parse_query(self.request.query_string),
                stage_variables=self.stage_variables,
                # As in the proxy event: the client's headers and the X-Forwarded-* ones.
                headers=with_forwarded_headers(self.request),
            )
        return self._built


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


def _integration_status(
    integration: MockIntegration, request: GatewayRequest, mapping: _MappingSource
) -> int:
    """The `statusCode` of the integration request body: the request template's output, or
    the passed-through body. Without one the mock answers 200 (what the console's default
    mock template, `{"statusCode": 200}`, asks for)."""
    body = _integration_request(integration, request, mapping)
    try:
        doc = orjson.loads(body) if body.strip() else None
    except orjson.JSONDecodeError:
        doc = None
    status = doc.get("statusCode") if isinstance(doc, dict) else None
    if isinstance(status, bool) or not isinstance(status, int):
        return 200
    return status


def _integration_request(
    integration: MockIntegration, request: GatewayRequest, mapping: _MappingSource
) -> bytes:
    """Passthrough rules for a request whose Content-Type has no template.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html
    """
    templates = {key.lower(): value for key, value in integration.request_templates.items()}
    content_type = media_type(request.header("content-type")) or DEFAULT_MEDIA_TYPE
    template = templates.get(content_type)
    if template is not None:
        if is_literal_template(template):
            return template.encode()
        payload = request.body.decode("utf-8", errors="replace")
        try:
            rendered = render_request_template(template, payload, mapping.get())
        except MappingError as error:
            raise GatewayError(
                ResponseType.DEFAULT_5XX, _TRANSFORM_FAILED.format("request", error)
            ) from None
        return rendered.body.encode()
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


def _response_body(
    templates: Mapping[str, str], request: GatewayRequest, mapping: _MappingSource
) -> tuple[str, Rendered]:
    """The response template for the first media type of Accept, else application/json,
    else the first one; no template passes the (empty) mock body through."""
    if not templates:
        return DEFAULT_MEDIA_TYPE, Rendered("")
    by_type = {key.lower(): (key, value) for key, value in templates.items()}
    accept = media_type((request.header("accept") or "").split(",", 1)[0])
    key, template = (
        by_type.get(accept) or by_type.get(DEFAULT_MEDIA_TYPE) or next(iter(by_type.values()))
    )
    if is_literal_template(template):
        return key, Rendered(template)
    try:
        # A mock's integration response has no payload.
        return key, render_response_template(template, "", mapping.get())
    except MappingError as error:
        raise GatewayError(
            ResponseType.DEFAULT_5XX, _TRANSFORM_FAILED.format("response", error)
        ) from None
