"""The CloudWatch Logs API's group, stream, retention and tag operations over a LogService
(events are in events.py).

https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_Operations.html
"""

from __future__ import annotations

from typing import Any

from lamina.aws.paging import offset_page
from lamina.aws.service import Operation, OperationInput, OperationOutput, ServiceError
from lamina.services.logs import events
from lamina.services.logs.service import (
    RETENTION_DAYS,
    LogService,
    group_name,
    invalid,
    no_group,
    no_stream,
)

# DescribeLogGroups / DescribeLogStreams: limit 1-50, default 50.
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogGroups.html
_MAX_DESCRIBE = 50
_MAX_TAGS = 50


def _page(entries: list[dict[str, Any]], name: str, params: OperationInput) -> OperationOutput:
    limit = int(params.get("limit", _MAX_DESCRIBE))
    if not 1 <= limit <= _MAX_DESCRIBE:
        raise invalid(
            f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
            f"constraint: Member must have value less than or equal to {_MAX_DESCRIBE}"
        )
    chunk, token = offset_page(entries, params.get("nextToken"), limit)
    output: dict[str, Any] = {name: list(chunk)}
    if token is not None:
        output["nextToken"] = token
    return output


def _create_group(logs: LogService, params: OperationInput) -> OperationOutput:
    logs.create_group(params["logGroupName"], dict(params.get("tags", {})))
    return {}


def _delete_group(logs: LogService, params: OperationInput) -> OperationOutput:
    if not logs.store.delete_group(params["logGroupName"]):
        raise no_group()
    return {}


def _describe_groups(logs: LogService, params: OperationInput) -> OperationOutput:
    prefix = params.get("logGroupNamePrefix")
    pattern = params.get("logGroupNamePattern")
    if prefix and pattern:
        # https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogGroups.html
        raise invalid("LogGroup name prefix and LogGroup name pattern are mutually exclusive")
    identifiers = params.get("logGroupIdentifiers")
    if identifiers and (prefix or pattern):
        raise invalid("logGroupIdentifiers cannot be used with a name prefix or pattern")
    named = {group_name(ref) for ref in identifiers} if identifiers else None
    # The pattern matches case-insensitively anywhere in the name.
    wanted = (pattern or "").lower()
    groups = [
        logs.describe_group(group)
        for group in logs.store.groups()
        if group.name.startswith(prefix or "")
        and wanted in group.name.lower()
        and (named is None or group.name in named)
    ]
    return _page(groups, "logGroups", params)


def _create_stream(logs: LogService, params: OperationInput) -> OperationOutput:
    logs.create_stream(params["logGroupName"], params["logStreamName"])
    return {}


def _delete_stream(logs: LogService, params: OperationInput) -> OperationOutput:
    group = params["logGroupName"]
    if logs.store.group(group) is None:
        raise no_group()
    if not logs.store.delete_stream(group, params["logStreamName"]):
        raise no_stream()
    return {}


def _describe_streams(logs: LogService, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogStreams.html
    group = logs.group(params)
    prefix = params.get("logStreamNamePrefix")
    order = params.get("orderBy", "LogStreamName")
    if order == "LastEventTime" and prefix:
        raise invalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
    streams = [s for s in logs.store.streams(group.name) if s.name.startswith(prefix or "")]
    if order == "LastEventTime":
        streams.sort(key=lambda s: (s.last_event_ms or 0, s.name))
    else:
        streams.sort(key=lambda s: s.name)
    if params.get("descending", False):
        streams.reverse()
    return _page([logs.describe_stream(s) for s in streams], "logStreams", params)


def _put_retention(logs: LogService, params: OperationInput) -> OperationOutput:
    days = int(params["retentionInDays"])
    if days not in RETENTION_DAYS:
        raise invalid(
            f"1 validation error detected: Value '{days}' at 'retentionInDays' failed to "
            "satisfy constraint: Member must satisfy enum value set: "
            f"[{', '.join(str(d) for d in RETENTION_DAYS)}]"
        )
    if not logs.store.set_retention(params["logGroupName"], days):
        raise no_group()
    return {}


def _delete_retention(logs: LogService, params: OperationInput) -> OperationOutput:
    if not logs.store.set_retention(params["logGroupName"], None):
        raise no_group()
    return {}


def _set_tags(logs: LogService, name: str, tags: dict[str, str], code: str) -> None:
    if len(tags) > _MAX_TAGS:
        # A resource has at most 50 tags.
        # https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_TagResource.html
        raise ServiceError(code, f"A resource can have no more than {_MAX_TAGS} tags.")
    logs.store.set_tags(name, tags)


def _tag(logs: LogService, params: OperationInput) -> OperationOutput:
    group = logs.group_by_arn(params["resourceArn"])
    _set_tags(logs, group.name, {**group.tags, **params["tags"]}, "TooManyTagsException")
    return {}


def _untag(logs: LogService, params: OperationInput) -> OperationOutput:
    group = logs.group_by_arn(params["resourceArn"])
    tags = {k: v for k, v in group.tags.items() if k not in set(params["tagKeys"])}
    logs.store.set_tags(group.name, tags)
    return {}


def _list_tags(logs: LogService, params: OperationInput) -> OperationOutput:
    return {"tags": dict(logs.group_by_arn(params["resourceArn"]).tags)}


def _tag_group(logs: LogService, params: OperationInput) -> OperationOutput:
    group = logs.group({"logGroupName": params["logGroupName"]})
    _set_tags(logs, group.name, {**group.tags, **params["tags"]}, "InvalidParameterException")
    return {}


def _untag_group(logs: LogService, params: OperationInput) -> OperationOutput:
    group = logs.group({"logGroupName": params["logGroupName"]})
    removed = set(params["tags"])
    logs.store.set_tags(group.name, {k: v for k, v in group.tags.items() if k not in removed})
    return {}


def _list_group_tags(logs: LogService, params: OperationInput) -> OperationOutput:
    return {"tags": dict(logs.group({"logGroupName": params["logGroupName"]}).tags)}


OPERATIONS: dict[str, Operation[LogService]] = {
    "CreateLogGroup": _create_group,
    "DeleteLogGroup": _delete_group,
    "DescribeLogGroups": _describe_groups,
    "CreateLogStream": _create_stream,
    "DeleteLogStream": _delete_stream,
    "DescribeLogStreams": _describe_streams,
    "PutLogEvents": events.put_log_events,
    "GetLogEvents": events.get_log_events,
    "FilterLogEvents": events.filter_log_events,
    "PutRetentionPolicy": _put_retention,
    "DeleteRetentionPolicy": _delete_retention,
    "TagResource": _tag,
    "UntagResource": _untag,
    "ListTagsForResource": _list_tags,
    "TagLogGroup": _tag_group,
    "UntagLogGroup": _untag_group,
    "ListTagsLogGroup": _list_group_tags,
}
