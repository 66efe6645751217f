"""AsyncInvoker over a scripted stand-in for FunctionService (no worker processes)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, cast

import pytest

from lamina.functions.asynchronous.invoker import AsyncInvoker
from lamina.functions.asynchronous.model import EventConfig
from lamina.functions.asynchronous.policy import RetryPolicy
from lamina.functions.asynchronous.sqlite import SqliteInvocationQueue
from lamina.functions.error import (
    FunctionNotFoundError,
    FunctionThrottledError,
    RuntimeStartError,
)
from lamina.functions.model import InvokeResult
from lamina.functions.service import FunctionService

SINK = "arn:aws:lambda:eu-west-1:123456789012:function:sink"
OK = InvokeResult(payload=b'"done"')
FAILED = InvokeResult(payload=b'{"errorMessage": "no"}', function_error="Unhandled")


def throttled() -> FunctionThrottledError:
    return FunctionThrottledError("Rate Exceeded.", reason="ConcurrentInvocationLimitExceeded")


class ScriptedFunctions:
    """Answers each function's invocations from a list (the last answer repeats)."""

    def __init__(self, script: dict[str, list[InvokeResult | Exception]]) -> None:
        self.script = script
        self.calls: list[tuple[str, Any]] = []
        self.reserved: dict[str, int] = {}
        self.running: dict[str, int] = {}
        self.most_running: dict[str, int] = {}
        self.delay_s = 0.0

    async def invoke(self, name: str, payload: bytes, **options: Any) -> InvokeResult:
        self.calls.append((name, json.loads(payload)))
        self.running[name] = self.running.get(name, 0) + 1
        self.most_running[name] = max(self.most_running.get(name, 0), self.running[name])
        try:
            await asyncio.sleep(self.delay_s)
            answers = self.script.get(name, [OK])
            answer = answers.pop(0) if len(answers) > 1 else answers[0]
        finally:
            self.running[name] -= 1
        if isinstance(answer, Exception):
            raise answer
        return answer

    def reserved_concurrency(self, name: str) -> int | None:
        return self.reserved.get(name)

    def invoked(self, name: str) -> list[Any]:
        return [payload for called, payload in self.calls if called == name]


Make = Callable[..., AsyncInvoker]


@pytest.fixture
async def make(tmp_path: Path) -> AsyncIterator[Make]:
    made: list[AsyncInvoker] = []

    def build(functions: ScriptedFunctions, config: EventConfig, **options: Any) -> AsyncInvoker:
        options.setdefault("policy", RetryPolicy(time_scale=0.001))
        invoker = AsyncInvoker(
            cast(FunctionService, functions),
            SqliteInvocationQueue.in_state_dir(tmp_path),
            region="eu-west-1",
            account_id="123456789012",
            configs=lambda name, qualifier: config if name != "sink" else EventConfig(),
            **options,
        )
        made.append(invoker)
        return invoker

    yield build
    for invoker in made:
        await invoker.close()


async def run(invoker: AsyncInvoker, *payloads: dict[str, Any], function: str = "fn") -> None:
    for index, payload in enumerate(payloads):
        data = json.dumps(payload).encode()
        await invoker.submit(function, None, data, request_id=f"req-{index}")
    await invoker.start()
    await asyncio.wait_for(invoker.wait_idle(), 10)


async def test_invoker_throttled_event_backs_off_then_succeeds(make: Make) -> None:
    functions = ScriptedFunctions({"fn": [throttled(), throttled(), OK]})
    await run(make(functions, EventConfig(on_success=SINK)), {"a": 1})
    assert functions.invoked("fn") == [{"a": 1}] * 3
    (record,) = functions.invoked("sink")
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["approximateInvokeCount"] == 3


async def test_invoker_system_error_is_retried_like_a_throttle(make: Make) -> None:
    functions = ScriptedFunctions({"fn": [RuntimeStartError("no interpreter"), OK]})
    await run(make(functions, EventConfig(maximum_retry_attempts=0)), {"a": 1})
    assert len(functions.invoked("fn")) == 2


async def test_invoker_throttled_past_max_age_ends_event_age_exceeded(make: Make) -> None:
    functions = ScriptedFunctions({"fn": [throttled()]})
    config = EventConfig(maximum_event_age_s=60, on_failure=SINK)
    # 60 s scaled to 600 ms of 10, 20, 40 ... ms backoffs (room for a loaded machine's
    # scheduling delays): several attempts, never answered.
    await run(make(functions, config, policy=RetryPolicy(time_scale=0.01)), {"a": 1})
    (record,) = functions.invoked("sink")
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    attempts = len(functions.invoked("fn"))
    assert attempts >= 2
    assert record["requestContext"]["approximateInvokeCount"] == attempts
    assert "responseContext" not in record


async def test_invoker_reserved_zero_fails_at_once_without_retries(make: Make) -> None:
    functions = ScriptedFunctions({"fn": [throttled()]})
    functions.reserved["fn"] = 0
    await run(make(functions, EventConfig(on_failure=SINK)), {"a": 1})
    assert len(functions.invoked("fn")) == 1
    (record,) = functions.invoked("sink")
    assert record["requestContext"]["condition"] == "RetriesExhausted"


async def test_invoker_function_gone_drops_event(make: Make) -> None:
    functions = ScriptedFunctions({"fn": [FunctionNotFoundError("gone")]})
    invoker = make(functions, EventConfig(on_failure=SINK))
    await run(invoker, {"a": 1})
    assert functions.invoked("sink") == []
    assert await invoker.queue.pending() == 0


async def test_invoker_function_error_retries_then_dead_letter_gets_event(make: Make) -> None:
    functions = ScriptedFunctions({"fn": [FAILED]})
    config = EventConfig(maximum_retry_attempts=1, dead_letter=SINK)
    await run(make(functions, config), {"order": 7})
    assert len(functions.invoked("fn")) == 2
    # A dead-letter queue receives the event itself, without the response.
    assert functions.invoked("sink") == [{"order": 7}]


async def test_invoker_runs_at_most_per_function_at_once(make: Make) -> None:
    functions = ScriptedFunctions({})
    functions.delay_s = 0.05
    invoker = make(functions, EventConfig(), per_function=2, concurrency=10)
    await run(invoker, *({"n": n} for n in range(6)))
    assert len(functions.invoked("fn")) == 6
    assert functions.most_running["fn"] == 2


async def test_invoker_reserved_concurrency_lowers_the_cap(make: Make) -> None:
    functions = ScriptedFunctions({})
    functions.delay_s = 0.05
    functions.reserved["fn"] = 1
    await run(make(functions, EventConfig(), per_function=4), *({"n": n} for n in range(3)))
    assert functions.most_running["fn"] == 1


async def test_invoker_runs_several_functions_concurrently(make: Make) -> None:
    functions = ScriptedFunctions({})
    functions.delay_s = 0.1
    invoker = make(functions, EventConfig(), per_function=1, concurrency=3)
    for index, name in enumerate(("a", "b", "c")):
        await invoker.submit(name, None, b"{}", request_id=f"r{index}")
    await invoker.start()
    await asyncio.sleep(0.05)
    assert sum(functions.running.values()) == 3
    await asyncio.wait_for(invoker.wait_idle(), 10)


async def test_invoker_not_started_keeps_events_queued(make: Make) -> None:
    functions = ScriptedFunctions({})
    invoker = make(functions, EventConfig())
    await invoker.submit("fn", None, b"{}", request_id="r")
    await asyncio.sleep(0.05)
    assert functions.calls == []
    assert await invoker.queue.pending() == 1
