"""LogService: log groups and streams over a LogStore, with CloudWatch Logs' names, ARNs,
validation and errors.

API reference: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/Welcome.html
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lamina.aws.service import ServiceError
from lamina.services.logs.store import GroupRecord, LogStore, StreamRecord

# Names: 1-512 characters of [.-_/#A-Za-z0-9] for groups; streams may not contain ':' or '*'.
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogStream.html
_GROUP_NAME = re.compile(r"[.\-_/#A-Za-z0-9]{1,512}")
_STREAM_NAME = re.compile(r"[^:*]{1,512}")
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)  # fmt: skip
_ARN_GROUP = re.compile(r"arn:[^:]+:logs:[^:]*:[^:]*:log-group:(?P<name>[^:]+)(?::\*)?")


def group_name(ref: str) -> str:
    """The group name a name or a log group ARN (with or without `:*`) gives."""
    match = _ARN_GROUP.fullmatch(ref)
    return match.group("name") if match else ref


def no_group() -> ServiceError:
    return ServiceError("ResourceNotFoundException", "The specified log group does not exist.")


def no_stream() -> ServiceError:
    return ServiceError("ResourceNotFoundException", "The specified log stream does not exist.")


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterException", message)


class LogService:
    def __init__(
        self,
        *,
        state_dir: Path,
        region: str,
        account_id: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = LogStore(state_dir / "logs.sqlite3")
        self.region = region
        self.account_id = account_id
        self.clock = clock

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def group_arn(self, name: str) -> str:
        return f"arn:aws:logs:{self.region}:{self.account_id}:log-group:{name}"

    def create_group(self, name: str, tags: dict[str, str]) -> None:
        if not _GROUP_NAME.fullmatch(name):
            raise invalid(
                "1 validation error detected: Value '"
                + name
                + "' at 'logGroupName' failed to satisfy constraint: Member must satisfy "
                "regular expression pattern: [\\.\\-_/#A-Za-z0-9]+"
            )
        if not self.store.create_group(GroupRecord(name=name, created_ms=self.now_ms(), tags=tags)):
            raise ServiceError(
                "ResourceAlreadyExistsException", "The specified log group already exists"
            )

    def group(self, params: dict[str, Any]) -> GroupRecord:
        """The group `logGroupName` or `logGroupIdentifier` (a name or an ARN) names."""
        name = params.get("logGroupName")
        identifier = params.get("logGroupIdentifier")
        if name and identifier:
            raise invalid("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
        ref = name or identifier
        if not ref:
            raise invalid("Either logGroupName or logGroupIdentifier must be specified.")
        found = self.store.group(group_name(str(ref)))
        if found is None:
            raise no_group()
        return found

    def group_by_arn(self, arn: str) -> GroupRecord:
        match = _ARN_GROUP.fullmatch(arn)
        found = self.store.group(match.group("name")) if match else None
        if found is None:
            raise ServiceError(
                "ResourceNotFoundException", f"The specified resource does not exist: {arn}"
            )
        return found

    def create_stream(self, group: str, name: str) -> None:
        if not _STREAM_NAME.fullmatch(name):
            raise invalid(
                "1 validation error detected: Value '"
                + name
                + "' at 'logStreamName' failed to satisfy constraint: Member must satisfy "
                "regular expression pattern: [^:*]*"
            )
        if self.store.group(group) is None:
            raise no_group()
        if not self.store.create_stream(
            StreamRecord(group=group, name=name, created_ms=self.now_ms())
        ):
            raise ServiceError(
                "ResourceAlreadyExistsException", "The specified log stream already exists"
            )

    def stream(self, group: str, name: str) -> StreamRecord:
        found = self.store.stream(group, name)
        if found is None:
            raise no_stream()
        return found

    def describe_group(self, group: GroupRecord) -> dict[str, Any]:
        arn = self.group_arn(group.name)
        described: dict[str, Any] = {
            "logGroupName": group.name,
            "creationTime": group.created_ms,
            "metricFilterCount": 0,
            "arn": f"{arn}:*",
            "logGroupArn": arn,
            "storedBytes": group.stored_bytes,
            "logGroupClass": "STANDARD",
            "deletionProtectionEnabled": False,
        }
        if group.retention_days is not None:
            described["retentionInDays"] = group.retention_days
        return described

    def describe_stream(self, stream: StreamRecord) -> dict[str, Any]:
        described: dict[str, Any] = {
            "logStreamName": stream.name,
            "creationTime": stream.created_ms,
            "arn": f"{self.group_arn(stream.group)}:log-stream:{stream.name}",
            "storedBytes": stream.stored_bytes,
        }
        for field, value in (
            ("firstEventTimestamp", stream.first_event_ms),
            ("lastEventTimestamp", stream.last_event_ms),
            ("lastIngestionTime", stream.last_ingestion_ms),
        ):
            if value is not None:
                described[field] = value
        return described
