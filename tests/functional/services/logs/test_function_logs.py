"""Functions' logs reach the logs API: a real FunctionService whose record sink is the
LogsProvider, its function created and invoked through the Lambda API.

Group `/aws/lambda/<name>`, one stream per execution environment named
`YYYY/MM/DD/[$LATEST]<32 hex>`, one event per line:
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from lamina.functions.service import FunctionService
from lamina.services.lambda_ import LambdaProvider
from lamina.services.logs.provider import LogsProvider
from tests.functional.services.lambda_.conftest import create
from tests.loopback import ACCOUNT, REGION, LoopbackServer

SOURCE = """
def handler(event, context):
    print("hello from", event["who"])
    return {"ok": True}
"""
STREAM = re.compile(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}")


class FunctionLogsServer(LoopbackServer):
    def __init__(self, state_dir: Path) -> None:
        super().__init__()
        self.logs = LogsProvider(state_dir=state_dir, region=REGION, account_id=ACCOUNT)
        self.functions = FunctionService(
            [], region=REGION, account_id=ACCOUNT, state_dir=state_dir, log_records=self.logs.record
        )
        self.lambda_ = LambdaProvider(
            self.functions, region=REGION, account_id=ACCOUNT, state_dir=state_dir
        )
        self.serve(self.lambda_, self.logs)

    def client(self, service: str) -> Any:
        return boto3.client(service, **self.client_options())

    def release(self) -> None:
        self.run(self.functions.close())
        self.logs.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[FunctionLogsServer]:
    served = FunctionLogsServer(tmp_path)
    yield served
    served.close()


def _events(logs: Any, group: str, count: int) -> list[dict[str, Any]]:
    """The group's events once there are `count` of them (ingest is asynchronous)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            events: list[dict[str, Any]] = logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        if len(events) >= count or time.monotonic() > deadline:
            return events
        time.sleep(0.05)


def test_invocations_log_to_the_function_group_in_one_stream_per_environment(
    server: FunctionLogsServer, tmp_path: Path
) -> None:
    lambda_, logs = server.client("lambda"), server.client("logs")
    create(lambda_, "greeter", SOURCE)
    for who in ("ada", "bob"):
        answer = lambda_.invoke(FunctionName="greeter", Payload=f'{{"who": "{who}"}}')
        assert answer["StatusCode"] == 200
    events = _events(logs, "/aws/lambda/greeter", 8)
    messages = [e["message"] for e in events]
    assert messages[0].startswith("START RequestId: ") and messages[0].endswith(
        "Version: $LATEST\n"
    )
    assert "hello from ada\n" in messages and "hello from bob\n" in messages
    assert sum(m.startswith("END RequestId: ") for m in messages) == 2
    reports = [m for m in messages if m.startswith("REPORT RequestId: ")]
    assert len(reports) == 2 and all("\tBilled Duration: " in m for m in reports)
    # The warm environment served both invocations: one stream.
    (stream,) = {e["logStreamName"] for e in events}
    assert STREAM.fullmatch(stream)
    described = logs.describe_log_streams(logGroupName="/aws/lambda/greeter")["logStreams"]
    assert [s["logStreamName"] for s in described] == [stream]
    # The log files `lamina logs` reads are still written.
    files = list((tmp_path / "logs" / "greeter").rglob("*.log"))
    deadline = time.monotonic() + 5
    while not files and time.monotonic() < deadline:
        time.sleep(0.05)
        files = list((tmp_path / "logs" / "greeter").rglob("*.log"))
    assert "hello from ada" in files[0].read_text()


def test_filter_finds_report_lines_of_a_function(server: FunctionLogsServer) -> None:
    lambda_, logs = server.client("lambda"), server.client("logs")
    create(lambda_, "greeter", SOURCE)
    lambda_.invoke(FunctionName="greeter", Payload='{"who": "ada"}')
    _events(logs, "/aws/lambda/greeter", 4)
    found = logs.filter_log_events(logGroupName="/aws/lambda/greeter", filterPattern="REPORT")
    (report,) = found["events"]
    assert "\tMax Memory Used: " in report["message"]


def test_logging_config_json_format_into_a_custom_group_through_the_api(
    server: FunctionLogsServer,
) -> None:
    """LoggingConfig set by CreateFunction and UpdateFunctionConfiguration, reported by
    GetFunctionConfiguration, and honoured by the logs the function writes.
    https://docs.aws.amazon.com/lambda/latest/api/API_LoggingConfig.html"""
    lambda_, logs = server.client("lambda"), server.client("logs")
    created = create(
        lambda_,
        "greeter",
        SOURCE,
        LoggingConfig={"LogFormat": "JSON", "LogGroup": "/custom/greeter"},
    )
    # Under JSON both levels default to INFO.
    assert created["LoggingConfig"] == {
        "LogFormat": "JSON",
        "LogGroup": "/custom/greeter",
        "ApplicationLogLevel": "INFO",
        "SystemLogLevel": "INFO",
    }
    lambda_.invoke(FunctionName="greeter", Payload='{"who": "ada"}')
    events = _events(logs, "/custom/greeter", 4)
    found = logs.filter_log_events(
        logGroupName="/custom/greeter", filterPattern='{ $.type = "platform.report" }'
    )["events"]
    assert len(found) == 1 and '"status":"success"' in found[0]["message"]
    assert "hello from ada\n" in [e["message"] for e in events]
    assert not logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/greeter")["logGroups"]

    updated = lambda_.update_function_configuration(
        FunctionName="greeter", LoggingConfig={"SystemLogLevel": "WARN"}
    )
    assert updated["LoggingConfig"]["SystemLogLevel"] == "WARN"
    assert updated["LoggingConfig"]["LogGroup"] == "/custom/greeter"
    back = lambda_.update_function_configuration(
        FunctionName="greeter",
        LoggingConfig={"LogFormat": "Text", "LogGroup": "/aws/lambda/greeter"},
    )
    assert back["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/greeter"}


def test_logging_config_is_validated(server: FunctionLogsServer) -> None:
    lambda_ = server.client("lambda")
    with pytest.raises(lambda_.exceptions.InvalidParameterValueException) as raised:
        create(
            lambda_,
            "greeter",
            SOURCE,
            LoggingConfig={"LogFormat": "Text", "ApplicationLogLevel": "DEBUG"},
        )
    assert "requires the JSON log format" in str(raised.value)
    with pytest.raises(lambda_.exceptions.InvalidParameterValueException) as raised:
        create(lambda_, "greeter", SOURCE, LoggingConfig={"LogGroup": "bad group!"})
    assert "loggingConfig.logGroup" in str(raised.value)
