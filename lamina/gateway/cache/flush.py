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
        """Authorizer results are cached per authorizer, not per stage: those of every
        authorizer the API's stages use are dropped (the stage's among them)."""
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
            await self._authorizers.forget(ids)
