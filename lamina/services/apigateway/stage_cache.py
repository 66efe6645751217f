"""FlushStageCache and FlushStageAuthorizersCache: empty a stage's response cache, or the
authorizer results cached for its API, in the data plane.

The wiring sets the provider's `caches` to a `StageCaches` over the gateway's caches
(lamina/gateway/cache/flush.py); without one there is nothing cached to flush and both
succeed once the stage is found, as AWS answers a stage without a cache cluster.
https://docs.aws.amazon.com/apigateway/latest/api/API_FlushStageCache.html
https://docs.aws.amazon.com/apigateway/latest/api/API_FlushStageAuthorizersCache.html
"""

from __future__ import annotations

from typing import Protocol

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.services.apigateway.deploy_records import Records
from lamina.services.apigateway.stages import stage_record
from lamina.services.apigateway.state import ApiGatewayState


class StageCaches(Protocol):
    """The data plane's caches, as the management API empties them."""

    async def flush_stage(self, rest_api_id: str, stage_name: str) -> None: ...

    async def flush_authorizers(self, rest_api_id: str, stage_name: str) -> None: ...


def stage_caches(state: ApiGatewayState) -> StageCaches | None:
    """The provider's `caches` (ApiGatewayProvider.caches, set by the wiring)."""
    caches: StageCaches | None = getattr(state, "caches", None)
    return caches


def _found(state: ApiGatewayState, params: OperationInput) -> tuple[str, str]:
    api_id, name = params["restApiId"], params["stageName"]
    state.rest_api(api_id)
    stage_record(Records(state.store), api_id, name)  # NotFoundException as GetStage
    return api_id, name


async def _flush_stage_cache(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id, name = _found(state, params)
    caches = stage_caches(state)
    if caches is not None:
        await caches.flush_stage(api_id, name)
    return {}


async def _flush_authorizers_cache(
    state: ApiGatewayState, params: OperationInput
) -> OperationOutput:
    api_id, name = _found(state, params)
    caches = stage_caches(state)
    if caches is not None:
        await caches.flush_authorizers(api_id, name)
    return {}


OPERATIONS: dict[str, Operation[ApiGatewayState]] = {
    "FlushStageCache": _flush_stage_cache,
    "FlushStageAuthorizersCache": _flush_authorizers_cache,
}
