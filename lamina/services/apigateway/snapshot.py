"""snapshot(state, rest_api_id): the REST API's current definition as one AWS-shaped
document, what CreateDeployment freezes and lamina.config compiles for the data plane:

    {"restApi": {...}, "resources": [GetResources(embed=methods) items],
     "authorizers": [...], "gatewayResponses": [only the ones put], "models": [...],
     "requestValidators": [...]}

It is plain JSON (no timestamps), so a deployment can store it as it is.
"""

from __future__ import annotations

from typing import Any

from lamina.core.store import Reader
from lamina.services.apigateway.records import wire
from lamina.services.apigateway.resources import resource_output
from lamina.services.apigateway.state import ApiGatewayState

_API_MEMBERS = (
    "id",
    "name",
    "description",
    "version",
    "binaryMediaTypes",
    "apiKeySource",
    "policy",
    "endpointConfiguration",
    "disableExecuteApiEndpoint",
    "minimumCompressionSize",
)


def snapshot(state: ApiGatewayState, rest_api_id: str, tx: Reader | None = None) -> dict[str, Any]:
    """Raises NotFoundException for an unknown API."""
    api = wire(state.rest_api(rest_api_id, tx))
    prefix = f"{rest_api_id}/"
    return {
        "restApi": {name: api[name] for name in _API_MEMBERS if name in api},
        "resources": [
            resource_output(resource, embed_methods=True)
            for resource in state.api_resources(rest_api_id, tx)
        ],
        "authorizers": [wire(a) for a in state.authorizers.all(prefix, tx)],
        "gatewayResponses": [wire(r) for r in state.gateway_responses.all(prefix, tx)],
        "models": [wire(m) for m in state.models.all(prefix, tx)],
        "requestValidators": [wire(v) for v in state.validators.all(prefix, tx)],
    }
