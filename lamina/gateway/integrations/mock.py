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
Request and response mapping are shared with the other non-proxy integrations
(integrations/responses.py).
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from lamina.gateway.error import GatewayResponse
from lamina.gateway.integrations.content_handling import NO_BINARY_MEDIA, BinaryMedia
from lamina.gateway.integrations.responses import (
    DEFAULT_MEDIA_TYPE,
    IntegrationOutput,
    MappingSource,
    is_literal_template,
    map_request_body,
    method_response,
    precompile_templates,
    request_facts,
    select_integration_response,
)
from lamina.gateway.mapping import RequestFacts
from lamina.gateway.model import MockIntegration
from lamina.gateway.request import GatewayRequest

__all__ = [
    "DEFAULT_MEDIA_TYPE",
    "answer_mock",
    "is_literal_template",
    "precompile_templates",
    "request_facts",
]


def answer_mock(
    integration: MockIntegration,
    request: GatewayRequest,
    path_params: Mapping[str, str],
    stage_variables: Mapping[str, str],
    facts: RequestFacts | None = None,
    binary: BinaryMedia = NO_BINARY_MEDIA,
) -> GatewayResponse:
    """`facts`: what routing and the security stages found, for `$context`; `binary`: the
    API's binaryMediaTypes against the request (content_handling.py)."""
    mapping = MappingSource(request, path_params, stage_variables, facts)
    mapping.binary = binary
    status = _integration_status(integration, mapping)
    chosen = select_integration_response(integration.responses, str(status), status)
    # A mock's integration response has no payload and no headers.
    return method_response(chosen, mapping, IntegrationOutput())


def _integration_status(integration: MockIntegration, mapping: MappingSource) -> int:
    """The `statusCode` of the integration request body: the request template's output, or
    the passed-through body. Without one the mock answers 200 (what the console's default
    mock template, `{"statusCode": 200}`, asks for)."""
    body, _ = map_request_body(
        integration.request_templates,
        integration.passthrough_behavior,
        mapping,
        integration.content_handling,
    )
    try:
        doc = orjson.loads(body) if body.strip() else None
    except orjson.JSONDecodeError:
        doc = None
    status = doc.get("statusCode") if isinstance(doc, dict) else None
    if isinstance(status, bool) or not isinstance(status, int):
        return 200
    return status
