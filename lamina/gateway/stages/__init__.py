"""Pipeline stages: small classes with one async method over RequestContext."""

from __future__ import annotations

from typing import Protocol

from lamina.gateway.context import RequestContext


class Stage(Protocol):
    async def __call__(self, ctx: RequestContext) -> None: ...
