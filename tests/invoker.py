"""A scripted stand-in for FunctionService (the gateway's ``Invoker``), for unit tests
that need every outcome of an invocation without running a function."""

from __future__ import annotations

import asyncio

import orjson

from lamina.functions.model import InvokeResult
from lamina.functions.policy import InvokeRequest


class ScriptedInvoker:
    """Answers with a fixed result, raises, or sleeps; records what it was sent."""

    def __init__(self, result: InvokeResult | Exception | float) -> None:
        self.result = result
        self.events: list[dict[str, object]] = []
        self.sources: list[InvokeRequest | None] = []

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
        self.events.append(orjson.loads(payload))
        self.sources.append(source)
        if isinstance(self.result, Exception):
            raise self.result
        if isinstance(self.result, float):
            await asyncio.sleep(self.result)
            return InvokeResult(payload=b"{}")
        return self.result
