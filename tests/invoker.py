"""Stand-ins for FunctionService (the gateway's ``Invoker``) in unit tests: the ``invoke``
signature is written once here; each fake only says how it answers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import orjson

from lamina.functions.model import InvokeResult
from lamina.functions.policy import InvokeRequest


@dataclass(frozen=True, slots=True)
class Invocation:
    """One call the gateway made to its Invoker."""

    name: str
    payload: bytes
    qualifier: str | None
    source: InvokeRequest | None
    trace_id: str | None

    @property
    def event(self) -> Any:
        return orjson.loads(self.payload)


class FakeInvoker:
    """The Invoker protocol; subclasses implement ``reply``."""

    async def invoke(
        self,
        name: str,
        payload: bytes,
        *,
        qualifier: str | None = None,
        client_context: str | None = None,
        source: InvokeRequest | None = None,
        trace_id: str | None = None,
    ) -> InvokeResult:
        return await self.reply(Invocation(name, payload, qualifier, source, trace_id))

    async def reply(self, call: Invocation) -> InvokeResult:
        raise NotImplementedError


class ScriptedInvoker(FakeInvoker):
    """Answers with a fixed result, raises, or sleeps; records what it was sent."""

    def __init__(self, result: InvokeResult | Exception | float) -> None:
        self.result = result
        self.events: list[dict[str, object]] = []
        self.sources: list[InvokeRequest | None] = []

    async def reply(self, call: Invocation) -> InvokeResult:
        self.events.append(call.event)
        self.sources.append(call.source)
        if isinstance(self.result, Exception):
            raise self.result
        if isinstance(self.result, float):
            await asyncio.sleep(self.result)
            return InvokeResult(payload=b"{}")
        return self.result
