"""DynamoDbStreamsProvider: the botocore "dynamodbstreams" service over the tables' streams.

Each stream has one shard (its id stable for the stream), holding the records of the last
24 hours (older ones are trimmed, see `streams.RETENTION_S`; reading from before the trim
horizon is TrimmedDataAccessException, as on AWS, while event source mappings resume at
the oldest record kept): Lamina does not split shards, nor expire shard iterators after
15 minutes. Only a table's latest stream is
served. Both stores (SQLite, PostgreSQL) serve the same records through `TableStore`.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Operations_Amazon_DynamoDB_Streams.html
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from lamina.aws.service import (
    AwsRequestContext,
    Handler,
    OperationInput,
    OperationOutput,
    ServiceError,
)
from lamina.services.dynamodb import streams
from lamina.services.dynamodb.error import validation
from lamina.services.dynamodb.store import StreamRow, TableMeta
from lamina.services.dynamodb.tables import Database

GET_RECORDS_LIMIT = 1000
"""GetRecords' default and largest Limit."""


class StreamPosition:
    """Where a shard iterator reads from: the records of `arn` after sequence `after`."""

    __slots__ = ("after", "arn")

    def __init__(self, arn: str, after: int) -> None:
        self.arn = arn
        self.after = after

    def encode(self) -> str:
        raw = json.dumps({"arn": self.arn, "after": self.after}).encode()
        return base64.urlsafe_b64encode(raw).decode()

    @classmethod
    def decode(cls, iterator: str) -> StreamPosition:
        try:
            fields = json.loads(base64.urlsafe_b64decode(iterator.encode()))
            return cls(str(fields["arn"]), int(fields["after"]))
        except (binascii.Error, ValueError, KeyError, TypeError) as error:
            raise validation("Invalid ShardIterator") from error


class Streams:
    """The streams of a Database's tables, as the Streams API and event source mappings
    read them."""

    __slots__ = ("db",)

    def __init__(self, db: Database) -> None:
        self.db = db

    def arn(self, meta: TableMeta) -> str | None:
        if meta.stream_label is None:
            return None
        return streams.stream_arn(self.db.arn(meta.name), meta.stream_label)

    def require(self, arn: str) -> TableMeta:
        """The table whose latest stream `arn` is, or ResourceNotFoundException."""
        parts = streams.split_stream_arn(arn) if isinstance(arn, str) else None
        meta = None if parts is None else self.db.store.table(parts[0])
        if meta is None or parts is None or meta.stream_label != parts[1]:
            raise ServiceError(
                "ResourceNotFoundException",
                f"Requested resource not found: Stream: {arn} not found",
                status=400,
            )
        return meta

    def latest(self, meta: TableMeta) -> int:
        """The stream's latest sequence number, trimmed or not."""
        last = self.db.store.last_sequence(meta.name, meta.stream_label or "")
        return max(last, self.horizon(meta))

    def horizon(self, meta: TableMeta) -> int:
        """The highest sequence number trimmed from the stream (0 if none was)."""
        return self.db.store.trim_horizon(meta.name, meta.stream_label or "")

    def untrimmed(self, meta: TableMeta, after: int) -> None:
        """TrimmedDataAccessException if reading after `after` misses trimmed records (the
        horizon only rises: checked after a read, it covers that read).
        https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html"""
        if after < self.horizon(meta):
            raise ServiceError(
                "TrimmedDataAccessException",
                "The data you are trying to access has been trimmed.",
                status=400,
            )

    def read(self, meta: TableMeta, after: int, limit: int) -> list[StreamRow]:
        return self.db.store.stream_records(meta.name, meta.stream_label or "", after, limit)

    def current(self, arn: str) -> str | None:
        """The latest enabled stream of the table a stream ARN names, whatever its label (a
        template's Fn::GetAtt StreamArn cannot know it); None if that table streams nothing."""
        parts = streams.split_stream_arn(arn)
        meta = None if parts is None else self.db.store.table(parts[0])
        if meta is None or meta.stream_view_type is None:
            return None
        return self.arn(meta)

    def latest_of(self, arn: str) -> int:
        """For event source mappings: the stream's latest sequence number."""
        return self.latest(self.require(arn))

    def events_after(
        self, arn: str, after: int, limit: int
    ) -> list[tuple[int, dict[str, Any], float]]:
        """For event source mappings: (sequence, record, creation time) with the record as
        Lambda's event shape carries it (ApproximateCreationDateTime in epoch seconds).
        https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html"""
        rows = self.read(self.require(arn), after, limit)
        events = []
        for row in rows:
            event = self.event(arn, row)
            created = event["dynamodb"]["ApproximateCreationDateTime"]
            event["dynamodb"]["ApproximateCreationDateTime"] = int(created)
            events.append((row.sequence, event, float(created)))
        return events

    def event(self, arn: str, row: StreamRow) -> dict[str, Any]:
        """A record in the shape GetRecords and Lambda events share (wire form: the
        caller converts ApproximateCreationDateTime and userIdentity as its API needs)."""
        dynamodb = dict(row.record["dynamodb"])
        dynamodb["SequenceNumber"] = streams.sequence_number(row.sequence)
        ordered = {
            key: dynamodb[key]
            for key in (
                "ApproximateCreationDateTime",
                "Keys",
                "NewImage",
                "OldImage",
                "SequenceNumber",
                "SizeBytes",
                "StreamViewType",
            )
            if key in dynamodb
        }
        event: dict[str, Any] = {
            "eventID": streams.event_id(arn, row.sequence),
            "eventName": row.record["eventName"],
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": self.db.region,
            "dynamodb": ordered,
        }
        if "userIdentity" in row.record:
            event["userIdentity"] = dict(row.record["userIdentity"])
        return event


class DynamoDbStreamsProvider:
    error_namespace = "com.amazonaws.dynamodb.v20120810"

    def __init__(self, db: Database) -> None:
        self.streams = Streams(db)
        self._handlers: dict[str, Handler] = {
            "ListStreams": self._list_streams,
            "DescribeStream": self._describe_stream,
            "GetShardIterator": self._get_shard_iterator,
            "GetRecords": self._get_records,
        }

    @property
    def service_name(self) -> str:
        return "dynamodbstreams"

    def handlers(self) -> Mapping[str, Handler]:
        return self._handlers

    async def _list_streams(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        """https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_ListStreams.html"""
        db = self.streams.db
        names = [params["TableName"]] if "TableName" in params else db.store.table_names()
        listed = []
        for name in names:
            meta = db.store.table(name)
            arn = None if meta is None else self.streams.arn(meta)
            if meta is not None and arn is not None:
                listed.append(
                    {"StreamArn": arn, "TableName": name, "StreamLabel": meta.stream_label}
                )
        start = params.get("ExclusiveStartStreamArn")
        if start is not None:
            arns = [stream["StreamArn"] for stream in listed]
            listed = listed[arns.index(start) + 1 :] if start in arns else []
        limit = int(params.get("Limit", 100))
        output: OperationOutput = {"Streams": listed[:limit]}
        if len(listed) > limit:
            output["LastEvaluatedStreamArn"] = listed[limit - 1]["StreamArn"]
        return output

    async def _describe_stream(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        """https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_DescribeStream.html"""
        arn = params["StreamArn"]
        meta = self.streams.require(arn)
        first = self.streams.read(meta, 0, 1)
        latest = self.streams.latest(meta)
        numbers: dict[str, str] = {
            "StartingSequenceNumber": streams.sequence_number(
                first[0].sequence if first else latest + 1
            )
        }
        enabled = meta.stream_view_type is not None
        if not enabled:
            numbers["EndingSequenceNumber"] = streams.sequence_number(latest)
        schema = [{"AttributeName": meta.partition_key, "KeyType": "HASH"}]
        if meta.sort_key is not None:
            schema.append({"AttributeName": meta.sort_key, "KeyType": "RANGE"})
        label = meta.stream_label or ""
        created = datetime.strptime(label, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC)
        return {
            "StreamDescription": {
                "StreamArn": arn,
                "StreamLabel": label,
                "StreamStatus": "ENABLED" if enabled else "DISABLED",
                "StreamViewType": meta.stream_view_type or "KEYS_ONLY",
                "CreationRequestDateTime": created,
                "TableName": meta.name,
                "KeySchema": schema,
                "Shards": [{"ShardId": streams.shard_id(arn), "SequenceNumberRange": numbers}],
            }
        }

    async def _get_shard_iterator(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        """https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetShardIterator.html"""
        arn = params["StreamArn"]
        meta = self.streams.require(arn)
        if params["ShardId"] != streams.shard_id(arn):
            raise ServiceError(
                "ResourceNotFoundException",
                f"Requested resource not found: Shard does not exist: {params['ShardId']}",
                status=400,
            )
        kind = params["ShardIteratorType"]
        number = params.get("SequenceNumber")
        if kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
            if number is None:
                raise validation(f"SequenceNumber is required for ShardIteratorType {kind}")
            sequence = streams.parse_sequence_number(number)
            after = sequence - 1 if kind == "AT_SEQUENCE_NUMBER" else sequence
            self.streams.untrimmed(meta, after)
        elif kind == "TRIM_HORIZON":
            after = self.streams.horizon(meta)
        elif kind == "LATEST":
            after = self.streams.latest(meta)
        else:
            raise validation(
                f"1 validation error detected: Value '{kind}' at 'shardIteratorType' failed to "
                "satisfy constraint: Member must satisfy enum value set: "
                "[TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER]"
            )
        return {"ShardIterator": StreamPosition(arn, max(after, 0)).encode()}

    async def _get_records(self, ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
        """https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html"""
        position = StreamPosition.decode(params["ShardIterator"])
        meta = self.streams.require(position.arn)
        limit = int(params.get("Limit", GET_RECORDS_LIMIT))
        if not 1 <= limit <= GET_RECORDS_LIMIT:
            raise validation(
                f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
                f"constraint: Member must have value between 1 and {GET_RECORDS_LIMIT}"
            )
        rows = self.streams.read(meta, position.after, limit)
        self.streams.untrimmed(meta, position.after)
        records = [_api_record(self.streams.event(position.arn, row)) for row in rows]
        output: OperationOutput = {"Records": records}
        after = rows[-1].sequence if rows else position.after
        # A disabled stream's shard is closed: once read to its end there is no next iterator.
        if meta.stream_view_type is not None or rows:
            output["NextShardIterator"] = StreamPosition(position.arn, after).encode()
        return output


def _api_record(event: dict[str, Any]) -> dict[str, Any]:
    """The Streams API's Record: a timestamp, and Identity's members capitalised."""
    dynamodb = dict(event["dynamodb"])
    dynamodb["ApproximateCreationDateTime"] = datetime.fromtimestamp(
        dynamodb["ApproximateCreationDateTime"], UTC
    )
    event = {**event, "dynamodb": dynamodb}
    identity = event.get("userIdentity")
    if identity is not None:
        event["userIdentity"] = {"PrincipalId": identity["principalId"], "Type": identity["type"]}
    return event
