"""REST gateway responses the user configured, applied over API Gateway's defaults.

A setting for the error's own type wins; otherwise DEFAULT_4XX or DEFAULT_5XX applies by the
status class, as API Gateway documents:
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html
Its status code, `gatewayresponse.header.*` parameters and body template replace the
default's. This is how a REST API's 401/403 from the gateway carries CORS headers (SAM's
docs recommend a DEFAULT_4XX with Access-Control-Allow-Origin).

Parameter values may be 'literals' or `method.request.header|querystring|path.*` and
`stageVariables.*`. Body templates are VTL, run by the mapping engine with `$context`
(including `$context.error.message`, `.messageString`, `.responseType` and
`.validationErrorString`), `$stageVariables` and `$util`; a template that fails to render
keeps the default body and says so on the console.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import parse_qsl

import orjson

from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import CompiledRestApi
from lamina.gateway.error import GatewayError, GatewayResponse
from lamina.gateway.events.v1 import V1Target
from lamina.gateway.integrations.mock import DEFAULT_MEDIA_TYPE, is_literal_template
from lamina.gateway.integrations.responses import MappingSource, request_facts
from lamina.gateway.mapping import MappingError, RequestFacts, render_error_template
from lamina.gateway.model import GatewayResponseSetting
from lamina.gateway.request import GatewayRequest

log = logging.getLogger("lamina.gateway")

_HEADER = "gatewayresponse.header."


def configured_setting(
    settings: tuple[GatewayResponseSetting, ...], error: GatewayError, status: int
) -> GatewayResponseSetting | None:
    by_type = {setting.response_type: setting for setting in settings}
    found = by_type.get(error.response_type.value)
    if found is None and 400 <= status < 600:
        found = by_type.get("DEFAULT_4XX" if status < 500 else "DEFAULT_5XX")
    return found


def apply_gateway_response(
    response: GatewayResponse,
    error: GatewayError,
    setting: GatewayResponseSetting,
    request: GatewayRequest,
    path_params: Mapping[str, str],
    stage_variables: Mapping[str, str],
    facts: RequestFacts | None = None,
) -> None:
    """Rewrite the rendered default `response` in place with the user's setting; `facts`:
    what `$context` reports (API, stage, resource, authorizer)."""
    if setting.status_code is not None:
        response.status = setting.status_code
    for target, source in setting.response_parameters.items():
        value = _parameter(source, request, path_params, stage_variables)
        if value is not None:
            name = target.removeprefix(_HEADER).lower().encode()
            response.headers = [(n, v) for n, v in response.headers if n != name]
            response.headers.append((name, value.encode()))
    if setting.response_templates:
        mapping = MappingSource(request, path_params, stage_variables, facts)
        _apply_template(response, error, setting, mapping)


def _parameter(
    source: str,
    request: GatewayRequest,
    path_params: Mapping[str, str],
    stage_variables: Mapping[str, str],
) -> str | None:
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-gateway-responses.gatewayResponse.html
    if len(source) >= 2 and source[0] == source[-1] == "'":
        return source[1:-1]
    prefix, _, name = source.rpartition(".")
    if prefix == "method.request.header":
        return request.header(name)
    if prefix == "method.request.querystring":
        return dict(parse_qsl(request.query_string, keep_blank_values=True)).get(name)
    if prefix == "method.request.path":
        return path_params.get(name)
    if prefix == "stageVariables":
        return stage_variables.get(name)
    # Gateway responses take no other source (context variables are for integrations).
    log.warning("gateway response parameter source %r is not one API Gateway takes", source)
    return None


def _apply_template(
    response: GatewayResponse,
    error: GatewayError,
    setting: GatewayResponseSetting,
    mapping: MappingSource,
) -> None:
    templates = setting.response_templates
    content_type = DEFAULT_MEDIA_TYPE if DEFAULT_MEDIA_TYPE in templates else next(iter(templates))
    template = templates[content_type]
    if is_literal_template(template):
        body = template
    else:
        message = _default_message(response.body)
        variables = {
            "message": message,
            "messageString": orjson.dumps(message).decode(),
            "responseType": error.response_type.value,
            # Request validation's findings, e.g. `[object has missing required
            # properties (["name"])]`; empty for other errors.
            "validationErrorString": error.validation_error or "",
        }
        try:
            body = render_error_template(template, mapping.get(), variables)
        except MappingError as failure:
            log.warning(
                "gateway response %s: body template failed (%s); default body kept",
                setting.response_type,
                failure,
            )
            return
    response.body = body.encode()
    response.headers = [(n, v) for n, v in response.headers if n != b"content-type"]
    response.headers.append((b"content-type", content_type.encode()))


def _default_message(body: bytes) -> str:
    """`$context.error.message`: the message of the default body `{"message": ...}`."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body.decode(errors="replace")
    message = doc.get("message") if isinstance(doc, dict) else None
    return message if isinstance(message, str) else body.decode(errors="replace")


def apply_configured_response(
    ctx: RequestContext, error: GatewayError, response: GatewayResponse
) -> None:
    """REST APIs: apply the gateway response the user configured for this error, if any
    (the API is known once its address is, even when no resource matched)."""
    address = ctx.address
    api = address.api if address is not None else None
    if not isinstance(api, CompiledRestApi) or not api.api.gateway_responses:
        return
    setting = configured_setting(api.api.gateway_responses, error, response.status)
    if setting is None:
        return
    target = ctx.target
    path_params = target.path_params if isinstance(target, V1Target) else {}
    stage = ctx.stage or (address.stage if address is not None else None)
    variables = stage.variables if stage is not None else {}
    facts = request_facts(ctx)
    apply_gateway_response(response, error, setting, ctx.request, path_params, variables, facts)
