"""snapshot(state, rest_api_id): the REST API's current definition as one AWS-shaped
document, what CreateDeployment freezes and lamina.config compiles for the data plane:

    {"restApi": {...}, "resources": [GetResources(embed=methods) items],
     "authorizers": [...], "gatewayResponses": [only the ones put], "models": [...],
     "requestValidators": [...]}

It is plain JSON (no timestamps), so a deployment can store it as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import msgspec

from lamina.core.store import Reader
from lamina.services.apigateway.records import (
    Authorizer,
    GatewayResponse,
    Model,
    RequestValidator,
    Resource,
    RestApi,
    wire,
)
from lamina.services.apigateway.resources import resource_output
from lamina.services.apigateway.state import ApiGatewayState

R = TypeVar("R", bound=msgspec.Struct)

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
    api = state.rest_api(rest_api_id, tx)
    prefix = f"{rest_api_id}/"
    return _document(
        api,
        state.api_resources(rest_api_id, tx),
        state.authorizers.all(prefix, tx),
        state.gateway_responses.all(prefix, tx),
        state.models.all(prefix, tx),
        state.validators.all(prefix, tx),
    )


def snapshots(state: ApiGatewayState, tx: Reader) -> dict[str, dict[str, Any]]:
    """Every API's snapshot by id, read with one scan a kind rather than several an API
    (the data plane's rebuild reads them all; on PostgreSQL each read is a round trip)."""
    resources = _by_api(state.resources.items("", tx))
    authorizers = _by_api(state.authorizers.items("", tx))
    responses = _by_api(state.gateway_responses.items("", tx))
    models = _by_api(state.models.items("", tx))
    validators = _by_api(state.validators.items("", tx))
    return {
        api.id: _document(
            api,
            sorted(resources.get(api.id, ()), key=lambda resource: resource.path),
            authorizers.get(api.id, []),
            responses.get(api.id, []),
            models.get(api.id, []),
            validators.get(api.id, []),
        )
        for api in state.rest_apis.all("", tx)
    }


def _by_api(items: Iterable[tuple[str, R]]) -> dict[str, list[R]]:
    """Records keyed `<restApiId>/...` grouped by API, each group in scan order."""
    grouped: dict[str, list[R]] = {}
    for key, record in items:
        grouped.setdefault(key.partition("/")[0], []).append(record)
    return grouped


def _document(
    api: RestApi,
    resources: Iterable[Resource],
    authorizers: Iterable[Authorizer],
    responses: Iterable[GatewayResponse],
    models: Iterable[Model],
    validators: Iterable[RequestValidator],
) -> dict[str, Any]:
    wired = wire(api)
    return {
        "restApi": {name: wired[name] for name in _API_MEMBERS if name in wired},
        "resources": [resource_output(resource, embed_methods=True) for resource in resources],
        "authorizers": [wire(a) for a in authorizers],
        "gatewayResponses": [wire(r) for r in responses],
        "models": [wire(m) for m in models],
        "requestValidators": [wire(v) for v in validators],
    }
