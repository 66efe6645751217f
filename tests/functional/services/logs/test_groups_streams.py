"""Log groups and streams through boto3: create, describe (prefix, pattern, order,
paging), delete, and the errors CloudWatch Logs answers.

https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_Operations.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.clock import ManualClock as Clock


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_create_log_group_is_described_with_arns_and_creation_time(logs: Any, clock: Clock) -> None:
    logs.create_log_group(logGroupName="/app/web", tags={"team": "a"})
    (group,) = logs.describe_log_groups()["logGroups"]
    assert group["logGroupName"] == "/app/web"
    assert group["arn"] == "arn:aws:logs:us-east-1:123456789012:log-group:/app/web:*"
    assert group["logGroupArn"] == "arn:aws:logs:us-east-1:123456789012:log-group:/app/web"
    assert group["creationTime"] == int(clock.now * 1000)
    assert group["storedBytes"] == 0 and "retentionInDays" not in group


def test_create_log_group_twice_is_resource_already_exists(logs: Any) -> None:
    logs.create_log_group(logGroupName="g")
    with pytest.raises(ClientError) as error:
        logs.create_log_group(logGroupName="g")
    assert _code(error) == "ResourceAlreadyExistsException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_create_log_group_with_invalid_name_is_invalid_parameter(logs: Any) -> None:
    with pytest.raises(ClientError) as error:
        logs.create_log_group(logGroupName="bad name!")
    assert _code(error) == "InvalidParameterException"


def test_describe_log_groups_by_prefix_and_case_insensitive_pattern(logs: Any) -> None:
    for name in ("/aws/lambda/Echo", "/aws/lambda/Other", "/app/echo-worker"):
        logs.create_log_group(logGroupName=name)
    by_prefix = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"]
    assert [g["logGroupName"] for g in by_prefix] == ["/aws/lambda/Echo", "/aws/lambda/Other"]
    by_pattern = logs.describe_log_groups(logGroupNamePattern="ECHO")["logGroups"]
    assert [g["logGroupName"] for g in by_pattern] == ["/app/echo-worker", "/aws/lambda/Echo"]
    with pytest.raises(ClientError) as error:
        logs.describe_log_groups(logGroupNamePrefix="/a", logGroupNamePattern="b")
    assert _code(error) == "InvalidParameterException"


def test_describe_log_groups_by_identifiers_names_or_arns(logs: Any) -> None:
    for name in ("a", "b", "c"):
        logs.create_log_group(logGroupName=name)
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:c:*"
    found = logs.describe_log_groups(logGroupIdentifiers=["a", arn])["logGroups"]
    assert [g["logGroupName"] for g in found] == ["a", "c"]


def test_describe_log_groups_pages_with_next_token(logs: Any) -> None:
    for index in range(5):
        logs.create_log_group(logGroupName=f"g{index}")
    first = logs.describe_log_groups(limit=2)
    assert [g["logGroupName"] for g in first["logGroups"]] == ["g0", "g1"]
    paginator = logs.get_paginator("describe_log_groups")
    names = [g["logGroupName"] for page in paginator.paginate(limit=2) for g in page["logGroups"]]
    assert names == [f"g{index}" for index in range(5)]


def test_delete_log_group_then_it_is_gone(logs: Any) -> None:
    logs.create_log_group(logGroupName="g")
    logs.delete_log_group(logGroupName="g")
    assert logs.describe_log_groups()["logGroups"] == []
    with pytest.raises(ClientError) as error:
        logs.delete_log_group(logGroupName="g")
    assert _code(error) == "ResourceNotFoundException"
    assert error.value.response["Error"]["Message"] == "The specified log group does not exist."


def test_create_log_stream_errors(logs: Any) -> None:
    with pytest.raises(ClientError) as error:
        logs.create_log_stream(logGroupName="missing", logStreamName="s")
    assert _code(error) == "ResourceNotFoundException"
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    with pytest.raises(ClientError) as error:
        logs.create_log_stream(logGroupName="g", logStreamName="s")
    assert _code(error) == "ResourceAlreadyExistsException"
    with pytest.raises(ClientError) as error:
        logs.create_log_stream(logGroupName="g", logStreamName="a:b")
    assert _code(error) == "InvalidParameterException"


def test_describe_log_streams_orders_by_name_or_last_event_time(logs: Any, clock: Clock) -> None:
    logs.create_log_group(logGroupName="g")
    now = int(clock.now * 1000)
    for name, offset in (("b", 3), ("a", 1), ("c", 2)):
        logs.create_log_stream(logGroupName="g", logStreamName=name)
        logs.put_log_events(
            logGroupName="g",
            logStreamName=name,
            logEvents=[{"timestamp": now - 1000 + offset, "message": name}],
        )
    by_name = logs.describe_log_streams(logGroupName="g")["logStreams"]
    assert [s["logStreamName"] for s in by_name] == ["a", "b", "c"]
    newest = logs.describe_log_streams(logGroupName="g", orderBy="LastEventTime", descending=True)
    assert [s["logStreamName"] for s in newest["logStreams"]] == ["b", "c", "a"]
    stream = by_name[0]
    assert stream["arn"] == "arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:a"
    assert stream["firstEventTimestamp"] == stream["lastEventTimestamp"] == now - 999
    assert stream["lastIngestionTime"] == now


def test_describe_log_streams_prefix_paging_and_identifier(logs: Any) -> None:
    logs.create_log_group(logGroupName="g")
    for name in ("2024/01/01/[$LATEST]a", "2024/01/01/[$LATEST]b", "other"):
        logs.create_log_stream(logGroupName="g", logStreamName=name)
    page = logs.describe_log_streams(logGroupName="g", logStreamNamePrefix="2024/", limit=1)
    assert [s["logStreamName"] for s in page["logStreams"]] == ["2024/01/01/[$LATEST]a"]
    rest = logs.describe_log_streams(
        logGroupName="g", logStreamNamePrefix="2024/", nextToken=page["nextToken"]
    )
    assert [s["logStreamName"] for s in rest["logStreams"]] == ["2024/01/01/[$LATEST]b"]
    assert "nextToken" not in rest
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:g"
    by_arn = logs.describe_log_streams(logGroupIdentifier=arn)["logStreams"]
    assert len(by_arn) == 3
    with pytest.raises(ClientError) as error:
        logs.describe_log_streams(
            logGroupName="g", logStreamNamePrefix="2024", orderBy="LastEventTime"
        )
    assert _code(error) == "InvalidParameterException"
    with pytest.raises(ClientError) as error:
        logs.describe_log_streams(logGroupName="missing")
    assert _code(error) == "ResourceNotFoundException"


def test_delete_log_stream_removes_its_events(logs: Any, clock: Clock) -> None:
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    logs.put_log_events(
        logGroupName="g",
        logStreamName="s",
        logEvents=[{"timestamp": int(clock.now * 1000), "message": "x"}],
    )
    logs.delete_log_stream(logGroupName="g", logStreamName="s")
    assert logs.describe_log_streams(logGroupName="g")["logStreams"] == []
    assert logs.filter_log_events(logGroupName="g")["events"] == []
    with pytest.raises(ClientError) as error:
        logs.delete_log_stream(logGroupName="g", logStreamName="s")
    assert _code(error) == "ResourceNotFoundException"
    assert error.value.response["Error"]["Message"] == "The specified log stream does not exist."
