"""Retention policies (and the sweeper that enforces them) and tags, through boto3.

https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_TagResource.html
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.clock import ManualClock as Clock

DAY_S = 86_400
ARN = "arn:aws:logs:us-east-1:123456789012:log-group:g"


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_retention_is_described_then_removed(logs: Any) -> None:
    logs.create_log_group(logGroupName="g")
    logs.put_retention_policy(logGroupName="g", retentionInDays=7)
    assert logs.describe_log_groups()["logGroups"][0]["retentionInDays"] == 7
    logs.delete_retention_policy(logGroupName="g")
    assert "retentionInDays" not in logs.describe_log_groups()["logGroups"][0]


def test_retention_with_a_value_aws_does_not_offer_is_invalid(logs: Any) -> None:
    logs.create_log_group(logGroupName="g")
    with pytest.raises(ClientError) as error:
        logs.put_retention_policy(logGroupName="g", retentionInDays=4)
    assert _code(error) == "InvalidParameterException"
    with pytest.raises(ClientError) as error:
        logs.put_retention_policy(logGroupName="missing", retentionInDays=1)
    assert _code(error) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as error:
        logs.delete_retention_policy(logGroupName="missing")
    assert _code(error) == "ResourceNotFoundException"


def test_sweeper_deletes_events_older_than_the_retention(logs: Any, clock: Clock) -> None:
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    now = int(clock.now * 1000)
    logs.put_log_events(
        logGroupName="g",
        logStreamName="s",
        logEvents=[
            {"timestamp": now - 1000, "message": "old"},
            {"timestamp": now, "message": "new"},
        ],
    )
    logs.put_retention_policy(logGroupName="g", retentionInDays=1)
    clock.advance(DAY_S - 0.5)  # "old" is now a day and half a second old, "new" is not
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        left = [
            e["message"] for e in logs.get_log_events(logGroupName="g", logStreamName="s")["events"]
        ]
        if left == ["new"]:
            break
        time.sleep(0.05)
    assert left == ["new"]


def test_tag_untag_and_list_tags_for_a_log_group(logs: Any) -> None:
    logs.create_log_group(logGroupName="g", tags={"team": "a"})
    logs.tag_resource(resourceArn=ARN, tags={"env": "dev"})
    assert logs.list_tags_for_resource(resourceArn=ARN)["tags"] == {"team": "a", "env": "dev"}
    logs.untag_resource(resourceArn=ARN, tagKeys=["team"])
    assert logs.list_tags_for_resource(resourceArn=ARN)["tags"] == {"env": "dev"}
    assert logs.list_tags_log_group(logGroupName="g")["tags"] == {"env": "dev"}
    with pytest.raises(ClientError) as error:
        logs.list_tags_for_resource(resourceArn=ARN + "nope")
    assert _code(error) == "ResourceNotFoundException"


def test_more_than_fifty_tags_is_too_many_tags(logs: Any) -> None:
    logs.create_log_group(logGroupName="g")
    with pytest.raises(ClientError) as error:
        logs.tag_resource(resourceArn=ARN, tags={f"k{i}": "v" for i in range(51)})
    assert _code(error) == "TooManyTagsException"
