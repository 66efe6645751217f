"""Pipeline stages: small classes with one async method over RequestContext."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import Deployment


class Stage(Protocol):
    async def __call__(self, ctx: RequestContext) -> None: ...


@runtime_checkable
class OptionalStage(Protocol):
    """A stage that only some deployments need (Gateway leaves it out of the others)."""

    async def __call__(self, ctx: RequestContext) -> None: ...

    def needed(self, deployment: Deployment) -> bool: ...
