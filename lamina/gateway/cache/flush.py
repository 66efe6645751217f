"""What FlushStageCache and FlushStageAuthorizersCache empty in the data plane
(the management API's `StageCaches`, lamina/services/apigateway/stage_cache.py)."""

from __future__ import annotations

from collections.abc import Callable

from lamina.gateway.auth.cache import AuthorizerCache
from lamina.gateway.cache import ResponseCache
from lamina.gateway.deployment import Deployment
from lamina.gateway.model import HttpApi, RestApi


class StageCacheFlusher:
    """`deployment` returns what the gateway serves now (its authorizers are looked up
    there)."""

    def __init__(
        self,
        responses: ResponseCache,
        authorizers: AuthorizerCache,
        deployment: Callable[[], Deployment],
    ) -> None:
        self._responses = responses
        self._authorizers = authorizers
        self._deployment = deployment

    async def flush_stage(self, rest_api_id: str, stage_name: str) -> None:
        await self._responses.flush(f"{rest_api_id}/{stage_name}")

    async def flush_authorizers(self, rest_api_id: str, stage_name: str) -> None:
        """The stage's cached authorizer answers: those of every authorizer the API's
        stages define (a stage may run another deployment's), on this stage only, as
        FlushStageAuthorizersCache "flushes all authorizer cache entries on a stage".
        https://docs.aws.amazon.com/apigateway/latest/api/API_FlushStageAuthorizersCache.html"""
        compiled = self._deployment().rest.get(rest_api_id)
        if compiled is None:
            return
        definitions: list[RestApi | HttpApi] = [compiled.api]
        for stage in compiled.api.stages:
            if stage.definition is not None:
                definitions.append(stage.definition)
            if stage.canary is not None and stage.canary.definition is not None:
                definitions.append(stage.canary.definition)
        ids = frozenset(
            authorizer.id for definition in definitions for authorizer in definition.authorizers
        )
        if ids:
            await self._authorizers.forget(ids, stage_name)
