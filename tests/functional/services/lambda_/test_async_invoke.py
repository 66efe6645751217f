"""Event invocations and event invoke configs through boto3 → AwsApi → real workers.

https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionEventInvokeConfig.html
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lamina.functions.asynchronous.policy import RetryPolicy

from .conftest import ACCOUNT, REGION, LambdaServer, create

FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
RECORD = """
import json
def handler(event, context):
    print("KEPT " + json.dumps(event), flush=True)
    return {"kept": True}
"""
CONTEXT_ID = """
import json
def handler(event, context):
    print("KEPT " + json.dumps(context.aws_request_id), flush=True)
"""
FAIL = """
def handler(event, context):
    raise ValueError("no")
"""


class Logs:
    """The log sink: what each function's handler reported on a ``KEPT <json>`` line
    (workers have a private /tmp, so their log is the way out)."""

    def __init__(self) -> None:
        self.kept: dict[str, list[Any]] = {}

    def __call__(self, function: str, text: str) -> None:
        for line in text.splitlines():
            _, marker, rest = line.partition("KEPT ")
            if marker:
                self.kept.setdefault(function, []).append(json.loads(rest))


class AsyncServer(LambdaServer):
    """The Lambda API with its AsyncInvoker started."""

    def __init__(self, state_dir: Path, *, consume: bool = True) -> None:
        self.logs = Logs()
        self._consume = consume
        super().__init__(state_dir, log_sink=self.logs)

    def prepare(self) -> None:
        self.invoker = self.provider.state.async_invoker
        self.invoker.policy = RetryPolicy(time_scale=0.001)
        if self._consume:
            self.run(self.invoker.start())

    def settle(self) -> None:
        self.run(asyncio.wait_for(self.invoker.wait_idle(), 25))

    def close(self) -> None:
        self.run(self.invoker.close())
        super().close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[AsyncServer]:
    lamina = AsyncServer(tmp_path / "state")
    yield lamina
    lamina.close()


@pytest.fixture
def client(server: AsyncServer) -> Any:
    return server.client()


def _code(raised: pytest.ExceptionInfo[ClientError]) -> str:
    return str(raised.value.response["Error"]["Code"])


def test_async_invoke_event_answers_202_and_the_handler_runs(
    server: AsyncServer, client: Any
) -> None:
    create(client, "fn", RECORD)
    answer = client.invoke(FunctionName="fn", InvocationType="Event", Payload=b'{"a": 1}')
    assert answer["StatusCode"] == 202
    assert answer["Payload"].read() == b""
    server.settle()
    assert server.logs.kept["fn"] == [{"a": 1}]


def test_async_invoke_request_id_is_the_records_request_id(
    server: AsyncServer, client: Any
) -> None:
    create(client, "fn", RECORD)
    create(client, "sink", RECORD)
    client.put_function_event_invoke_config(
        FunctionName="fn",
        DestinationConfig={"OnSuccess": {"Destination": FUNCTION_ARN + "sink"}},
    )
    answer = client.invoke(FunctionName="fn", InvocationType="Event", Payload=b'{"b": 2}')
    server.settle()
    (record,) = server.logs.kept["sink"]
    assert record["requestContext"]["requestId"] == answer["ResponseMetadata"]["RequestId"]
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestPayload"] == {"b": 2}


def test_async_invoke_handler_sees_the_events_request_id(server: AsyncServer, client: Any) -> None:
    create(client, "fn", CONTEXT_ID)
    answer = client.invoke(FunctionName="fn", InvocationType="Event", Payload=b"{}")
    server.settle()
    assert server.logs.kept["fn"] == [answer["ResponseMetadata"]["RequestId"]]


def test_async_invoke_follows_maximum_retry_attempts(server: AsyncServer, client: Any) -> None:
    create(client, "fn", FAIL)
    create(client, "sink", RECORD)
    client.put_function_event_invoke_config(
        FunctionName="fn",
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": FUNCTION_ARN + "sink"}},
    )
    client.invoke(FunctionName="fn", InvocationType="Event", Payload=b"{}")
    server.settle()
    (record,) = server.logs.kept["sink"]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["responsePayload"]["errorType"] == "ValueError"


def test_async_invoke_dead_letter_config_receives_the_event(
    server: AsyncServer, client: Any
) -> None:
    create(client, "fn", FAIL)
    create(client, "dlq", RECORD)
    client.update_function_configuration(
        FunctionName="fn", DeadLetterConfig={"TargetArn": FUNCTION_ARN + "dlq"}
    )
    assert client.get_function_configuration(FunctionName="fn")["DeadLetterConfig"] == {
        "TargetArn": FUNCTION_ARN + "dlq"
    }
    client.put_function_event_invoke_config(FunctionName="fn", MaximumRetryAttempts=0)
    client.invoke(FunctionName="fn", InvocationType="Event", Payload=b'{"order": 7}')
    server.settle()
    # The dead-letter target gets the event itself, not an invocation record.
    assert server.logs.kept["dlq"] == [{"order": 7}]


def test_async_invoke_payload_not_json_is_invalid_request_content(client: Any) -> None:
    create(client, "fn", FAIL)
    with pytest.raises(ClientError) as raised:
        client.invoke(FunctionName="fn", InvocationType="Event", Payload=b"{not json")
    assert _code(raised) == "InvalidRequestContentException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize(
    "settings",
    [
        {"MaximumRetryAttempts": 3},
        {"MaximumEventAgeInSeconds": 21601},
        {"DestinationConfig": {"OnSuccess": {"Destination": "arn:aws:s3:::bucket"}}},
        {"DestinationConfig": {"OnFailure": {"Destination": "not-an-arn"}}},
        {},
    ],
)
def test_event_invoke_config_invalid_settings_are_refused(
    client: Any, settings: dict[str, Any]
) -> None:
    create(client, "fn", FAIL)
    with pytest.raises(ClientError) as raised:
        client.put_function_event_invoke_config(FunctionName="fn", **settings)
    assert _code(raised) == "InvalidParameterValueException"


def test_event_invoke_config_update_list_and_delete(client: Any) -> None:
    create(client, "fn", FAIL)
    with pytest.raises(ClientError) as raised:
        client.update_function_event_invoke_config(FunctionName="fn", MaximumRetryAttempts=0)
    assert _code(raised) == "ResourceNotFoundException"
    client.put_function_event_invoke_config(FunctionName="fn", MaximumRetryAttempts=1)
    updated = client.update_function_event_invoke_config(
        FunctionName="fn", MaximumEventAgeInSeconds=120
    )
    assert (updated["MaximumRetryAttempts"], updated["MaximumEventAgeInSeconds"]) == (1, 120)
    assert updated["FunctionArn"] == FUNCTION_ARN + "fn:$LATEST"
    replaced = client.put_function_event_invoke_config(FunctionName="fn", MaximumRetryAttempts=2)
    assert "MaximumEventAgeInSeconds" not in replaced
    listed = client.list_function_event_invoke_configs(FunctionName="fn")
    assert [c["MaximumRetryAttempts"] for c in listed["FunctionEventInvokeConfigs"]] == [2]
    client.delete_function_event_invoke_config(FunctionName="fn")
    with pytest.raises(ClientError) as raised:
        client.get_function_event_invoke_config(FunctionName="fn")
    assert _code(raised) == "ResourceNotFoundException"
    assert (
        client.list_function_event_invoke_configs(FunctionName="fn")["FunctionEventInvokeConfigs"]
        == []
    )


def test_async_invoke_event_survives_a_restart(tmp_path: Path) -> None:
    first = AsyncServer(tmp_path / "state", consume=False)
    create(first.client(), "fn", RECORD)
    answer = first.client().invoke(FunctionName="fn", InvocationType="Event", Payload=b"[7]")
    assert answer["StatusCode"] == 202
    first.close()
    assert first.logs.kept == {}
    # Functions created through the API live in memory: the new server deploys it again
    # (as a template would) before it starts consuming the queue it finds on disk.
    second = AsyncServer(tmp_path / "state", consume=False)
    try:
        create(second.client(), "fn", RECORD)
        second.run(second.invoker.start())
        second.settle()
        assert second.logs.kept == {"fn": [[7]]}
    finally:
        second.close()


def test_invoke_async_runs_the_event_and_keeps_its_256_kb_limit(
    server: AsyncServer, client: Any
) -> None:
    create(client, "fn", RECORD)
    assert client.invoke_async(FunctionName="fn", InvokeArgs=b'{"old": "api"}')["Status"] == 202
    server.settle()
    assert server.logs.kept["fn"] == [{"old": "api"}]
    big = b'{"pad": "' + b"x" * 262_144 + b'"}'
    with pytest.raises(ClientError) as raised:
        client.invoke_async(FunctionName="fn", InvokeArgs=big)
    assert _code(raised) == "RequestTooLargeException"
