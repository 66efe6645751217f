"""`lamina up` serves the CloudWatch Logs API with the functions' logs: after an
invocation, boto3's FilterLogEvents and the AWS CLI (`aws logs filter-log-events`,
`describe-log-streams`, `get-log-events`) find its START / END / REPORT lines in
`/aws/lambda/<function name>`.

The AWS CLI installed here is v1, which has no `aws logs tail` (a v2 command that polls
FilterLogEvents); its `start-live-tail` needs the StartLiveTail event stream, not served.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import LaminaProcess

GROUP = "/aws/lambda/EchoFunction"
STREAM = re.compile(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}")


@pytest.fixture
def lamina(proxy_app: LaminaProcess) -> LaminaProcess:
    """The proxy fixture app under `lamina up` (tests/conftest.py), shared by the module."""
    return proxy_app


def _client(lamina: LaminaProcess, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=lamina.base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _invoked(lamina: LaminaProcess) -> str:
    """Invoke EchoFunction; its request id."""
    answer = _client(lamina, "lambda").invoke(FunctionName="EchoFunction", Payload=b"{}")
    body = json.loads(json.loads(answer["Payload"].read())["body"])
    return str(body["request_id"])


def _filtered(logs: Any, pattern: str, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 15
    while True:
        try:
            events: list[dict[str, Any]] = logs.filter_log_events(
                logGroupName=GROUP, filterPattern=pattern
            )["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        if len(events) >= count or time.monotonic() > deadline:
            return events
        time.sleep(0.1)


def test_filter_log_events_finds_the_invocation_start_and_report(lamina: LaminaProcess) -> None:
    request_id = _invoked(lamina)
    logs = _client(lamina, "logs")
    events = _filtered(logs, f'"{request_id}"', 3)
    messages = [e["message"] for e in events]
    assert messages[0] == f"START RequestId: {request_id} Version: $LATEST\n"
    assert messages[1] == f"END RequestId: {request_id}\n"
    assert messages[2].startswith(f"REPORT RequestId: {request_id}\tDuration: ")
    assert STREAM.fullmatch(events[0]["logStreamName"])
    groups = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"]
    assert GROUP in [group["logGroupName"] for group in groups]


def test_the_aws_cli_reads_the_function_logs(lamina: LaminaProcess, tmp_path: Path) -> None:
    request_id = _invoked(lamina)
    assert _filtered(_client(lamina, "logs"), f'"{request_id}"', 3)
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }

    def aws(*args: str) -> Any:
        command = [sys.executable, "-m", "awscli", "--endpoint-url", lamina.base, "logs", *args]
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    found = aws("filter-log-events", "--log-group-name", GROUP, "--filter-pattern", "REPORT")
    reports = [e["message"] for e in found["events"]]
    assert any(m.startswith(f"REPORT RequestId: {request_id}\t") for m in reports)
    streams = aws("describe-log-streams", "--log-group-name", GROUP, "--order-by",
                  "LastEventTime", "--descending")["logStreams"]  # fmt: skip
    stream = streams[0]["logStreamName"]
    assert STREAM.fullmatch(stream)
    read = aws("get-log-events", "--log-group-name", GROUP, "--log-stream-name", stream)
    assert f"START RequestId: {request_id} Version: $LATEST\n" in [
        e["message"] for e in read["events"]
    ]


def test_following_as_aws_logs_tail_does_sees_new_events_once(lamina: LaminaProcess) -> None:
    """`aws logs tail --follow` (AWS CLI v2) polls FilterLogEvents: interleaved, from
    `startTime` = the newest timestamp seen, skipping eventIds it already printed.
    https://github.com/aws/aws-cli/blob/v2/awscli/customizations/logs/tail.py"""
    logs = _client(lamina, "logs")
    first = _invoked(lamina)
    assert _filtered(logs, f'"{first}"', 3)
    since = int(time.time() * 1000) - 60_000
    seen: dict[str, int] = {}

    def poll() -> list[str]:
        start = max(seen.values(), default=since)
        events = logs.filter_log_events(logGroupName=GROUP, interleaved=True, startTime=start)
        fresh = [e for e in events["events"] if e["eventId"] not in seen]
        seen.update((e["eventId"], e["timestamp"]) for e in fresh)
        return [e["message"] for e in fresh]

    assert any(m.startswith(f"START RequestId: {first} ") for m in poll())
    assert poll() == []  # the newest events come back (same startTime) but are skipped
    second = _invoked(lamina)
    deadline = time.monotonic() + 15
    new: list[str] = []
    while not any(m.startswith(f"REPORT RequestId: {second}") for m in new):
        assert time.monotonic() < deadline, new
        new += poll()
        time.sleep(0.1)
    assert [m.split(" RequestId: ")[0] for m in new] == ["START", "END", "REPORT"]
