"""AsyncInvoker over a real FunctionService: retries, destinations, event age, restart.

https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from lamina.functions.asynchronous.invoker import AsyncInvoker
from lamina.functions.asynchronous.model import EventConfig
from lamina.functions.asynchronous.policy import RetryPolicy
from lamina.functions.asynchronous.sqlite import SqliteInvocationQueue
from lamina.functions.service import FunctionService

from .conftest import ServiceFactory, function

REGION = "eu-west-1"
ACCOUNT = "123456789012"
SINK_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:sink"
SCALE = 0.001
"""Lambda's minutes as milliseconds: 1 min before the first retry becomes 60 ms."""


class Logs:
    """A FunctionService log sink that keeps the handlers' marked lines."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def __call__(self, function: str, text: str) -> None:
        self.lines.extend((function, line) for line in text.splitlines())

    def marked(self, function: str, marker: str) -> list[str]:
        found = (line.partition(marker + " ") for name, line in self.lines if name == function)
        return [rest for _, sep, rest in found if sep]

    def kept(self, function: str) -> list[Any]:
        return [json.loads(text) for text in self.marked(function, "KEPT")]


class Setup:
    def __init__(self, tmp_path: Path, make_service: ServiceFactory) -> None:
        self.state_dir = tmp_path / "state"
        self.logs = Logs()
        self._make_service = make_service
        self.invokers: list[AsyncInvoker] = []

    def service(self, handler: str) -> FunctionService:
        functions = [function("fn", handler), function("sink", "async_handlers.record")]
        return self._make_service(functions, log_sink=self.logs)

    def invoker(self, service: FunctionService, config: EventConfig) -> AsyncInvoker:
        invoker = AsyncInvoker(
            service,
            SqliteInvocationQueue.in_state_dir(self.state_dir),
            region=REGION,
            account_id=ACCOUNT,
            configs=lambda name, qualifier: config if name == "fn" else EventConfig(),
            policy=RetryPolicy(time_scale=SCALE),
        )
        self.invokers.append(invoker)
        return invoker

    def ran(self) -> list[Any]:
        return self.logs.kept("fn")

    def sunk(self) -> list[Any]:
        return self.logs.kept("sink")

    def attempts(self) -> list[str]:
        return self.logs.marked("fn", "ATTEMPT")


@pytest.fixture
async def setup(tmp_path: Path, make_service: ServiceFactory) -> AsyncIterator[Setup]:
    made = Setup(tmp_path, make_service)
    yield made
    for invoker in made.invokers:
        await invoker.close()


async def settle(invoker: AsyncInvoker) -> None:
    await asyncio.wait_for(invoker.wait_idle(), 30)


async def test_async_success_sends_record_to_on_success_function(setup: Setup) -> None:
    invoker = setup.invoker(
        setup.service("async_handlers.record"), EventConfig(on_success=SINK_ARN)
    )
    await invoker.start()
    await invoker.submit("fn", None, b'{"order": 1}', request_id="req-ok")
    await settle(invoker)
    assert setup.ran() == [{"order": 1}]
    (record,) = setup.sunk()
    assert record["version"] == "1.0"
    assert record["requestContext"] == {
        "requestId": "req-ok",
        "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fn:$LATEST",
        "condition": "Success",
        "approximateInvokeCount": 1,
    }
    assert record["requestPayload"] == {"order": 1}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"]["kept"]


async def test_async_failing_function_runs_three_times_then_on_failure(setup: Setup) -> None:
    invoker = setup.invoker(setup.service("async_handlers.fail"), EventConfig(on_failure=SINK_ARN))
    await invoker.start()
    await invoker.submit("fn", None, b'{"order": 2}', request_id="req-fail")
    await settle(invoker)
    assert len(setup.attempts()) == 3
    (record,) = setup.sunk()
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"order": 2}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "failed on purpose"
    assert record["responsePayload"]["errorType"] == "RuntimeError"


async def test_async_retry_waits_lambdas_scaled_delays(setup: Setup) -> None:
    invoker = setup.invoker(setup.service("async_handlers.fail"), EventConfig())
    await invoker.start()
    started = asyncio.get_running_loop().time()
    await invoker.submit("fn", None, b"{}", request_id="req-wait")
    await settle(invoker)
    # 1 minute, then 2 minutes, scaled: at least 180 ms between the first and last run.
    assert asyncio.get_running_loop().time() - started >= 0.18
    assert len(setup.attempts()) == 3


async def test_async_maximum_retry_attempts_zero_runs_once(setup: Setup) -> None:
    config = EventConfig(maximum_retry_attempts=0, on_failure=SINK_ARN)
    invoker = setup.invoker(setup.service("async_handlers.fail"), config)
    await invoker.start()
    await invoker.submit("fn", None, b"{}", request_id="req-once")
    await settle(invoker)
    assert len(setup.attempts()) == 1
    (record,) = setup.sunk()
    assert record["requestContext"]["approximateInvokeCount"] == 1


async def test_async_event_older_than_max_age_is_discarded_unrun(setup: Setup) -> None:
    config = EventConfig(maximum_event_age_s=60, on_failure=SINK_ARN)
    invoker = setup.invoker(setup.service("async_handlers.record"), config)
    await invoker.submit("fn", None, b'{"stale": true}', request_id="req-old")
    await asyncio.sleep(80 * SCALE)  # older than 60 s, scaled
    await invoker.start()
    await settle(invoker)
    assert setup.ran() == []
    (record,) = setup.sunk()
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert record["requestPayload"] == {"stale": True}


async def test_async_dead_letter_function_receives_the_event(setup: Setup) -> None:
    config = EventConfig(maximum_retry_attempts=0, dead_letter=SINK_ARN)
    invoker = setup.invoker(setup.service("async_handlers.fail"), config)
    await invoker.start()
    await invoker.submit("fn", None, b'{"order": 3}', request_id="req-dlq")
    await settle(invoker)
    assert setup.sunk() == [{"order": 3}]


async def test_async_queue_destination_is_logged_as_not_delivered(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:records"
    invoker = setup.invoker(
        setup.service("async_handlers.record"), EventConfig(on_success=queue_arn)
    )
    await invoker.start()
    await invoker.submit("fn", None, b"{}", request_id="req-sqs")
    await settle(invoker)
    assert f"Destination {queue_arn} is not delivered yet" in caplog.text
    assert '"condition":"Success"' in caplog.text


async def test_async_queued_events_run_after_restart(setup: Setup) -> None:
    first_service = setup.service("async_handlers.record")
    first = setup.invoker(first_service, EventConfig())
    for n in range(3):
        await first.submit("fn", None, json.dumps({"n": n}).encode(), request_id=f"req-{n}")
    await first.close()
    await first_service.close()
    assert setup.ran() == []
    second = setup.invoker(setup.service("async_handlers.record"), EventConfig())
    await second.start()
    await settle(second)
    assert sorted(event["n"] for event in setup.ran()) == [0, 1, 2]


async def test_async_events_run_in_parallel_within_the_cap(setup: Setup) -> None:
    invoker = setup.invoker(setup.service("async_handlers.slow"), EventConfig())
    invoker.per_function = 2
    await invoker.start()
    for n in range(4):
        await invoker.submit("fn", None, b'{"seconds": 0.3}', request_id=f"req-{n}")
    await settle(invoker)
    spans = [json.loads(text) for text in setup.logs.marked("fn", "SPAN")]
    assert len(spans) == 4
    # How many were running at the moment each one started.
    running = [sum(1 for s in spans if s[0] <= t[0] < s[1]) for t in spans]
    assert max(running) == 2
