"""Lambda custom integrations invoked asynchronously: the integration request header
X-Amz-Invocation-Type ('Event' static, or mapped from the method request) queues the event in
Lamina's durable asynchronous queue over a real FunctionService; the method answers at once
with the integration response for an empty payload.
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-integration-async.html
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from lamina.functions.asynchronous.invoker import AsyncInvoker
from lamina.functions.asynchronous.sqlite import SqliteInvocationQueue
from lamina.functions.model import FunctionConfig
from lamina.functions.service import FunctionService
from lamina.gateway.app import Gateway
from lamina.gateway.deployment import Deployment
from lamina.gateway.integrations.lambda_custom import QueuedEvents
from lamina.gateway.model import (
    IntegrationResponse,
    LambdaCustomIntegration,
    Method,
    Resource,
    RestApi,
    Stage,
)
from tests.gateway_request import gateway_request

ACCOUNT = "123456789012"
API_ID = "asyncapi01"
HOST = f"{API_ID}.execute-api.localhost"
CODE = str(Path(__file__).parents[2] / "fixtures" / "functions")
TEMPLATE = '{"order": "$input.params(\'id\')", "name": $input.json(\'$.name\')}'
INVOCATION_TYPE = "integration.request.header.X-Amz-Invocation-Type"


def _integration(source: str, function: str = "fn") -> LambdaCustomIntegration:
    return LambdaCustomIntegration(
        function_name=function,
        request_templates={"application/json": TEMPLATE},
        request_parameters={INVOCATION_TYPE: source},
        responses=(IntegrationResponse(status_code="200"),),
    )


API = RestApi(
    id=API_ID,
    logical_id="Async",
    name="Async",
    stages=(Stage(name="prod"),),
    resources=(
        Resource(
            id="r1",
            path="/always/{id}",
            methods={"POST": Method(http_method="POST", integration=_integration("'Event'"))},
        ),
        Resource(
            id="r2",
            path="/chosen/{id}",
            methods={
                "POST": Method(
                    http_method="POST",
                    integration=_integration("method.request.header.InvocationType"),
                )
            },
        ),
        Resource(
            id="r3",
            path="/missing/{id}",
            methods={
                "POST": Method(http_method="POST", integration=_integration("'Event'", "not-there"))
            },
        ),
    ),
)


class Logs:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, function: str, text: str) -> None:
        self.lines.extend(text.splitlines())

    def kept(self) -> list[Any]:
        return [json.loads(line[5:]) for line in self.lines if line.startswith("KEPT ")]


class Setup:
    def __init__(self, gateway: Gateway, events: AsyncInvoker | None, logs: Logs) -> None:
        self.gateway = gateway
        self.events = events
        self.logs = logs

    async def post(self, path: str, *headers: tuple[str, str]) -> tuple[int, bytes]:
        request = gateway_request(
            f"/prod{path}",
            method="POST",
            host=HOST,
            headers=[("Content-Type", "application/json"), *headers],
            body=b'{"name": "tea"}',
        )
        response = await self.gateway.handle(request, HOST)
        return response.status, response.body

    async def settle(self) -> None:
        assert self.events is not None
        await asyncio.wait_for(self.events.wait_idle(), 30)


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    logs = Logs()
    functions = FunctionService(
        [FunctionConfig(name="fn", handler="async_handlers.record", code_path=CODE)],
        region="us-east-1",
        account_id=ACCOUNT,
        state_dir=tmp_path / "state",
        log_sink=logs,
    )
    events = AsyncInvoker(
        functions,
        SqliteInvocationQueue.in_state_dir(tmp_path / "state"),
        region="us-east-1",
        account_id=ACCOUNT,
    )
    gateway = Gateway(Deployment((API,), (), account_id=ACCOUNT, region="us-east-1"), functions)
    gateway.use_event_queue(QueuedEvents(functions, events))
    await events.start()
    try:
        yield Setup(gateway, events, logs)
    finally:
        await events.close()
        await functions.close()


async def test_static_event_invocation_answers_empty_and_runs_the_function_later(
    setup: Setup,
) -> None:
    assert await setup.post("/always/o-1") == (200, b"")
    await setup.settle()
    assert setup.logs.kept() == [{"order": "o-1", "name": "tea"}]


async def test_client_chosen_invocation_type_runs_sync_or_async(setup: Setup) -> None:
    status, body = await setup.post("/chosen/o-2", ("InvocationType", "RequestResponse"))
    assert status == 200
    assert json.loads(body)["kept"]  # the function's own result
    assert await setup.post("/chosen/o-3", ("InvocationType", "Event")) == (200, b"")
    await setup.settle()
    assert setup.logs.kept() == [{"order": "o-2", "name": "tea"}, {"order": "o-3", "name": "tea"}]


async def test_without_the_header_the_invocation_is_synchronous(setup: Setup) -> None:
    status, body = await setup.post("/chosen/o-4")  # the mapped header is absent
    assert status == 200
    assert json.loads(body)["kept"]


async def test_dry_run_checks_the_function_without_running_it(setup: Setup) -> None:
    assert await setup.post("/chosen/o-5", ("InvocationType", "DryRun")) == (200, b"")
    await setup.settle()
    assert setup.logs.kept() == []


async def test_an_invalid_invocation_type_or_a_missing_function_answers_500(
    setup: Setup,
) -> None:
    status, body = await setup.post("/chosen/o-6", ("InvocationType", "Later"))
    assert (status, json.loads(body)) == (500, {"message": "Internal server error"})
    status, body = await setup.post("/missing/o-7")
    assert (status, json.loads(body)) == (500, {"message": "Internal server error"})
    await setup.settle()
    assert setup.logs.kept() == []


async def test_without_a_queue_event_invocations_run_in_the_background(tmp_path: Path) -> None:
    logs = Logs()
    functions = FunctionService(
        [FunctionConfig(name="fn", handler="async_handlers.record", code_path=CODE)],
        region="us-east-1",
        account_id=ACCOUNT,
        state_dir=tmp_path / "state",
        log_sink=logs,
    )
    gateway = Gateway(Deployment((API,), (), account_id=ACCOUNT, region="us-east-1"), functions)
    try:
        setup = Setup(gateway, None, logs)
        assert await setup.post("/always/o-8") == (200, b"")
        for _ in range(300):  # the function runs after the answer, within 30 s
            if logs.kept():
                break
            await asyncio.sleep(0.1)
        assert logs.kept() == [{"order": "o-8", "name": "tea"}]
    finally:
        await functions.close()
