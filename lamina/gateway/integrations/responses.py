"""What the REST non-proxy integrations (MOCK, Lambda custom `AWS`, HTTP) share: the
integration request's body (request template by Content-Type, passthrough rules), the choice
of integration response, and the method response it maps to (status, headers from
`responseParameters`, body from `responseTemplates`, `$context.responseOverride`).

    request template (chosen by Content-Type) → integration request body
    backend → integration response chosen by selectionPattern (else the default one)
    → method response: status, headers from responseParameters, body from responseTemplates

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-integration-settings-integration-response.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/request-response-data-mappings.html

Mapping templates are VTL, run by lamina.gateway.mapping with API Gateway's `$input`,
`$context`, `$stageVariables` and `$util`. A plain-text template (no VTL syntax) is used as
is, without the engine. A template the engine cannot run (a syntax error, an unsupported
construct, a failing `$util` call) answers 500 with the reason on the console, as API
Gateway's "Execution failed due to configuration error".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

import orjson

from lamina.gateway.error import GatewayError, GatewayResponse, ResponseType
from lamina.gateway.events.common import media_type, parse_query, with_forwarded_headers
from lamina.gateway.events.v1 import V1Target
from lamina.gateway.integrations.content_handling import (
    CONVERT_TO_TEXT,
    NO_BINARY_MEDIA,
    BinaryMedia,
    convert_request,
    convert_response,
)
from lamina.gateway.mapping import (
    MappingError,
    MappingInput,
    Rendered,
    RequestFacts,
    compile_template,
    render_request_template,
    render_response_template,
)
from lamina.gateway.mapping.input import MISSING, select
from lamina.gateway.model import (
    HttpIntegration,
    IntegrationResponse,
    LambdaCustomIntegration,
    MockIntegration,
    RestApi,
)
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
TRANSFORM_FAILED = "Execution failed due to configuration error: Unable to transform {}: {}"

_MAPPED = (MockIntegration, LambdaCustomIntegration, HttpIntegration)

log = logging.getLogger("lamina.gateway")


def precompile_templates(api: RestApi) -> None:
    """Parse every mapping template of `api`'s non-proxy integrations when the deployment is
    built, so requests never parse one; a template that does not parse is reported now (its
    requests answer 500 with the same reason)."""
    for resource in api.resources:
        for method in resource.methods.values():
            integration = method.integration
            if not isinstance(integration, _MAPPED):
                continue
            templates = [*integration.request_templates.values()]
            templates += [t for r in integration.responses for t in r.response_templates.values()]
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


class MappingSource:
    """The method request as templates and parameter mappings read it; the template
    variables are built on first use (a plain-text template needs none)."""

    __slots__ = (
        "_built",
        "_query",
        "binary",
        "facts",
        "path_params",
        "request",
        "stage_variables",
    )

    def __init__(
        self,
        request: GatewayRequest,
        path_params: Mapping[str, str],
        stage_variables: Mapping[str, str],
        facts: RequestFacts | None = None,
    ) -> None:
        self.request = request
        self.path_params = path_params
        self.stage_variables = stage_variables
        self.facts = facts or RequestFacts(account_id="", api_id="", stage="")
        self._built: MappingInput | None = None
        self._query: dict[str, str] | None = None
        self.binary: BinaryMedia = NO_BINARY_MEDIA
        """The API's binaryMediaTypes against this request (content_handling.py)."""

    def get(self) -> MappingInput:
        if self._built is None:
            request = self.request
            self._built = MappingInput(
                request,
                self.facts,
                path_params=self.path_params,
                query=lambda: parse_query(request.query_string),
                stage_variables=self.stage_variables,
                # As in the proxy event: the client's headers and the X-Forwarded-* ones.
                headers=lambda: with_forwarded_headers(request),
            )
        return self._built

    def query(self) -> dict[str, str]:
        if self._query is None:
            self._query = dict(parse_qsl(self.request.query_string, keep_blank_values=True))
        return self._query


def map_request_body(
    templates: Mapping[str, str],
    passthrough_behavior: str,
    mapping: MappingSource,
    content_handling: str | None = None,
) -> tuple[bytes, Rendered | None]:
    """The integration request body: the request template for the request's Content-Type
    (application/json when it has none), or the method request's body passed through as the
    passthrough behavior allows (else 415). The Rendered carries the template's
    `$context.requestOverride.*` (None when the body was passed through). The payload is
    first converted by `content_handling`; a binary one passes through unmapped.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html
    """
    request = mapping.request
    payload, binary = convert_request(
        request.body, binary=mapping.binary.request, handling=content_handling
    )
    if binary:
        return payload, None
    content_type = media_type(request.header("content-type")) or DEFAULT_MEDIA_TYPE
    template = templates.get(content_type)
    if template is None and templates:
        template = next((v for k, v in templates.items() if k.lower() == content_type), None)
    if template is not None:
        if is_literal_template(template):
            return template.encode(), None
        try:
            rendered = render_request_template(
                template, payload.decode("utf-8", errors="replace"), mapping.get()
            )
        except MappingError as error:
            raise GatewayError(
                ResponseType.DEFAULT_5XX, TRANSFORM_FAILED.format("request", error)
            ) from None
        return rendered.body.encode(), rendered
    if passthrough_behavior == "NEVER" or (
        passthrough_behavior == "WHEN_NO_TEMPLATES" and templates
    ):
        raise GatewayError(
            ResponseType.UNSUPPORTED_MEDIA_TYPE,
            f"no request template for {content_type} and passthroughBehavior "
            f"{passthrough_behavior}",
        )
    return payload, None


def select_integration_response(
    responses: Sequence[IntegrationResponse], selection: str, status: int | str
) -> IntegrationResponse:
    """The first response whose selection pattern matches all of `selection` (a Java regex
    `matches()`: `.` stops at a newline), else the one without a pattern. `selection` is the
    backend's status code, or for a Lambda function its `errorMessage` ("" on success);
    `status` names the endpoint response in the configuration error.
    https://docs.aws.amazon.com/apigateway/latest/api/API_IntegrationResponse.html
    """
    default = None
    for response in responses:
        if response.selection_pattern is None:
            default = default or response
        elif _matches(response.selection_pattern, selection):
            return response
    if default is None:
        # API Gateway's execution log says, before its 500:
        raise GatewayError(
            ResponseType.DEFAULT_5XX,
            "Execution failed due to configuration error: No match for output mapping and "
            f"no default output mapping specified. Endpoint Response Status Code: {status}",
        )
    return default


def _matches(pattern: str, selection: str) -> bool:
    try:
        return re.fullmatch(pattern, selection) is not None
    except re.error as error:
        raise GatewayError(
            ResponseType.DEFAULT_5XX, f"selectionPattern {pattern!r} is not a regex: {error}"
        ) from None


class IntegrationOutput:
    """What the backend answered: the payload and headers `responseParameters` and
    `$input` read in the integration response."""

    __slots__ = ("_document", "binary", "body", "headers")

    def __init__(
        self, body: bytes = b"", headers: Sequence[tuple[str, str]] = (), *, binary: bool = False
    ) -> None:
        self.body = body
        self.headers = headers
        self.binary = binary
        """Whether the payload is binary (its Content-Type is a binary media type)."""
        self._document: object = MISSING

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        found = [value for key, value in self.headers if key.lower() == lowered]
        return found[-1] if found else None

    def multivalue_header(self, name: str) -> str | None:
        lowered = name.lower()
        found = [value for key, value in self.headers if key.lower() == lowered]
        return ",".join(found) if found else None

    def body_value(self, expression: str) -> str | None:
        """`integration.response.body` (the whole body) or `.body.{JSON expression}`: a
        string as it is, any other JSON value as JSON text; None when absent."""
        if not expression:
            return self.body.decode("utf-8", errors="replace") if self.body else None
        if self._document is MISSING:
            try:
                self._document = orjson.loads(self.body) if self.body.strip() else None
            except orjson.JSONDecodeError:
                self._document = None
        found = select(self._document, "$" + expression)
        if found is MISSING or found is None:
            return None
        if isinstance(found, str):
            return found
        return orjson.dumps(found).decode()


_BODY = "integration.response.body"


def parameter_value(source: str, mapping: MappingSource, output: IntegrationOutput) -> str | None:
    """A response parameter's source value (None when it is absent, so the header is left
    out): a 'literal', the integration response's header / body / JSON expression, the
    method request's parameters, a stage variable or a `$context` variable.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/request-response-data-mappings.html
    """
    if len(source) >= 2 and source[0] == source[-1] == "'":
        return source[1:-1]
    if source == _BODY or source.startswith((_BODY + ".", _BODY + "[")):
        return output.body_value(source[len(_BODY) :])
    prefix, _, name = source.rpartition(".")
    if prefix == "integration.response.header":
        return output.header(name)
    if prefix == "integration.response.multivalueheader":
        return output.multivalue_header(name)
    if prefix == "method.request.header":
        return mapping.request.header(name)
    if prefix == "method.request.querystring":
        return mapping.query().get(name)
    if prefix == "method.request.path":
        return mapping.path_params.get(name)
    if prefix == "stageVariables":
        return mapping.stage_variables.get(name)
    if source.startswith("context."):
        value: object = mapping.get().context
        for step in source.split(".")[1:]:
            value = value.get(step) if isinstance(value, Mapping) else None
        return None if value is None or isinstance(value, Mapping) else str(value)
    raise GatewayError(
        ResponseType.DEFAULT_5XX, f"response parameter source {source!r} is not supported"
    )


_METHOD_HEADER = "method.response.header."


def method_response(
    chosen: IntegrationResponse,
    mapping: MappingSource,
    output: IntegrationOutput,
    *,
    passthrough_type: str = DEFAULT_MEDIA_TYPE,
) -> GatewayResponse:
    """The method response `chosen` maps `output` to: its status (or the template's
    `$context.responseOverride.status`), headers from its responseParameters (then the
    template's `responseOverride.header.*`), and the body its response template renders for
    the first media type of Accept, else application/json, else the first one; without a
    template the payload passes through as `passthrough_type`. The body is converted by
    `chosen.content_handling` (content_handling.py); a binary payload is mapped by a
    template only once CONVERT_TO_TEXT made it base64 text, else it passes through.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-override-request-response-parameters.html
    """
    named: dict[str, str] = {}
    for target, source in chosen.response_parameters.items():
        if not target.startswith(_METHOD_HEADER):
            raise GatewayError(
                ResponseType.DEFAULT_5XX, f"response parameter {target!r} is not a method header"
            )
        value = parameter_value(source, mapping, output)
        if value is not None:
            named[target.removeprefix(_METHOD_HEADER).lower()] = value
    templates = chosen.response_templates
    handling = chosen.content_handling
    accept = mapping.binary.accept
    if templates and (not output.binary or handling == CONVERT_TO_TEXT):
        payload = convert_response(
            output.body, binary=output.binary, accept=False, handling=handling
        )
        content_type, rendered = _render_response(templates, mapping, payload)
        body = convert_response(
            rendered.body.encode(), binary=False, accept=accept, handling=handling
        )
        named.update({name.lower(): value for name, value in rendered.headers.items()})
        status = rendered.status
    else:
        body = convert_response(output.body, binary=output.binary, accept=accept, handling=handling)
        content_type, status = passthrough_type, None
    # A mapped or overridden Content-Type replaces the template's media type.
    named.setdefault("content-type", content_type)
    headers = [(name.encode(), value.encode()) for name, value in named.items()]
    return GatewayResponse(status if status is not None else _status(chosen), headers, body)


def _render_response(
    templates: Mapping[str, str], mapping: MappingSource, payload: bytes
) -> tuple[str, Rendered]:
    by_type = {key.lower(): (key, value) for key, value in templates.items()}
    accept = media_type((mapping.request.header("accept") or "").split(",", 1)[0])
    key, template = (
        by_type.get(accept) or by_type.get(DEFAULT_MEDIA_TYPE) or next(iter(by_type.values()))
    )
    if is_literal_template(template):
        return key, Rendered(template)
    try:
        text = payload.decode("utf-8", errors="replace")
        return key, render_response_template(template, text, mapping.get())
    except MappingError as error:
        raise GatewayError(
            ResponseType.DEFAULT_5XX, TRANSFORM_FAILED.format("response", error)
        ) from None


def _status(chosen: IntegrationResponse) -> int:
    try:
        return int(chosen.status_code)
    except ValueError:
        raise GatewayError(
            ResponseType.DEFAULT_5XX, f"integration response statusCode {chosen.status_code!r}"
        ) from None
