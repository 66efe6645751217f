"""Access log lines in CloudWatch Logs through a real `lamina up`: the observe app's REST
stage (console CLF preset) and HTTP API stage (console JSON preset) log to groups that
`aws logs filter-log-events` then reads. AWS requires the destination group to exist
beforehand (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html):
the REST stage's group is the template's AWS::Logs::LogGroup, created at `lamina up`; the
HTTP API stage names a group only its ARN mentions, so the tests create it, and check that
lines for it are dropped until it exists."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from tests.conftest import FIXTURES, LaminaProcess

REST_GROUP = "observe-rest-access"
HTTP_GROUP = "/observe/http-access"


class App:
    def __init__(self, lamina: LaminaProcess) -> None:
        self.lamina = lamina
        self.http = httpx.Client(base_url=lamina.base, timeout=20)
        self.logs: Any = boto3.client(
            "logs",
            endpoint_url=lamina.base,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    def events(self, group: str, count: int, **kwargs: Any) -> list[dict[str, Any]]:
        """filter_log_events' events once there are ``count`` (ingest is batched)."""
        deadline = time.monotonic() + 10
        events: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            events = self.logs.filter_log_events(logGroupName=group, **kwargs)["events"]
            if len(events) >= count:
                return events
            time.sleep(0.1)
        raise AssertionError(f"{group} has {len(events)} events, not {count}")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    root = tmp_path_factory.mktemp("access-groups") / "app"
    shutil.copytree(FIXTURES / "apps" / "observe", root, ignore=shutil.ignore_patterns(".lamina"))
    lamina = LaminaProcess(root / "template.yaml")
    try:
        yield App(lamina)
    finally:
        lamina.stop()


def test_rest_access_log_lines_are_in_the_stage_log_group(app: App) -> None:
    # The template declares it (AWS::Logs::LogGroup): there from the start.
    groups = app.logs.describe_log_groups(logGroupNamePrefix=REST_GROUP)["logGroups"]
    assert [group["logGroupName"] for group in groups] == [REST_GROUP]
    ids = [app.http.get("/Prod/hello").headers["x-amzn-requestid"] for _ in range(2)]
    events = app.events(REST_GROUP, 2)
    assert [event["message"].rsplit(" ", 1)[1] for event in events] == ids
    assert '"GET /hello HTTP/1.1" 200' in events[0]["message"]
    # One stream holds the stage's lines; the events carry the request's time.
    assert len({event["logStreamName"] for event in events}) == 1
    assert abs(events[0]["timestamp"] / 1000 - time.time()) < 60
    streams = app.logs.describe_log_streams(logGroupName=REST_GROUP)["logStreams"]
    assert [stream["logStreamName"] for stream in streams] == [events[0]["logStreamName"]]


def test_http_api_access_log_lines_filter_by_json_pattern(app: App) -> None:
    app.logs.create_log_group(logGroupName=HTTP_GROUP)
    request_id = app.http.get("/hi").headers["apigw-requestid"]
    app.http.get("/hi")
    pattern = f'{{ $.requestId = "{request_id}" }}'
    events = app.events(HTTP_GROUP, 1, filterPattern=pattern)
    assert len(events) == 1
    line = json.loads(events[0]["message"])
    assert line["routeKey"] == "GET /hi"
    assert line["status"] == "200"


def test_access_log_lines_for_a_missing_group_are_dropped_with_a_warning(
    tmp_path: Path,
) -> None:
    root = tmp_path / "app"
    shutil.copytree(FIXTURES / "apps" / "observe", root, ignore=shutil.ignore_patterns(".lamina"))
    lamina = LaminaProcess(root / "template.yaml")
    try:
        fresh = App(lamina)
        assert fresh.http.get("/hi").status_code == 200
        deadline = time.monotonic() + 10
        while "does not exist" not in lamina.log_path.read_text():
            assert time.monotonic() < deadline, "no warning about the missing log group"
            time.sleep(0.1)
        assert f"log group {HTTP_GROUP} are dropped" in lamina.log_path.read_text()
        with pytest.raises(fresh.logs.exceptions.ResourceNotFoundException):
            fresh.logs.filter_log_events(logGroupName=HTTP_GROUP)
        # Created afterwards, the group gets the next requests' lines.
        fresh.logs.create_log_group(logGroupName=HTTP_GROUP)
        request_id = fresh.http.get("/hi").headers["apigw-requestid"]
        events = fresh.events(HTTP_GROUP, 1)
        assert [json.loads(event["message"])["requestId"] for event in events] == [request_id]
    finally:
        lamina.stop()
