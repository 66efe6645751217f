"""DynamoDB Streams: what a table's StreamSpecification means and what each change records.

While a table's stream is enabled, every item change that changes the item appends one
record, in the store's transaction of the change (see `store.SqliteTableStore._change`).
A PutItem or UpdateItem that leaves the item as it was, or a DeleteItem of a missing item,
records nothing, as on AWS. Records are kept for RETENTION_S (24 hours) after they were
written, then removed by the TTL sweeper's passes (`TableStore.trim_streams`).
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_Record.html
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_StreamSpecification.html
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lamina.services.dynamodb.error import validation
from lamina.services.dynamodb.types import Item

if TYPE_CHECKING:
    from lamina.services.dynamodb.store import TableMeta

VIEW_TYPES = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
TTL_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
"""The userIdentity of a record of a TTL removal.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html"""
RETENTION_S = 24 * 3600
"""How long a stream record is kept: "data in a stream is retained for 24 hours".
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html"""


def record(
    meta: TableMeta,
    old: Item | None,
    new: Item | None,
    size: Callable[[Item], int],
    *,
    by_service: bool,
    now: float,
) -> dict[str, Any] | None:
    """The stream record of a change (without its sequence number, given when stored), or
    None when the change changed nothing."""
    if old == new:
        return None
    view = meta.stream_view_type or "KEYS_ONLY"
    either = new if new is not None else old
    assert either is not None
    keys = {name: either[name] for name in meta.key_names() if name in either}
    dynamodb: dict[str, Any] = {"ApproximateCreationDateTime": now, "Keys": keys}
    measured = size(keys)
    if new is not None and view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        dynamodb["NewImage"] = new
        measured += size(new)
    if old is not None and view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        dynamodb["OldImage"] = old
        measured += size(old)
    dynamodb["SizeBytes"] = measured
    dynamodb["StreamViewType"] = view
    name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
    stored: dict[str, Any] = {"eventName": name, "dynamodb": dynamodb}
    if by_service:
        stored["userIdentity"] = TTL_IDENTITY
    return stored


def sequence_number(sequence: int) -> str:
    """A record's SequenceNumber: a decimal string, increasing within the stream, of fixed
    width so that string and numeric order agree."""
    return f"{sequence:021d}"


def parse_sequence_number(value: str) -> int:
    if not value.isdigit() or len(value) > 40:
        raise validation(f"Invalid SequenceNumber: {value}")
    return int(value)


def new_label(now: float) -> str:
    """A stream label: the creation time, as AWS's e.g. 2015-05-11T21:21:33.291."""
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def stream_arn(table_arn: str, label: str) -> str:
    return f"{table_arn}/stream/{label}"


def split_stream_arn(arn: str) -> tuple[str, str] | None:
    """(table name, label) of a stream ARN, None if `arn` is not one."""
    head, marker, label = arn.partition("/stream/")
    if not marker or not label or ":table/" not in head:
        return None
    return head.rsplit(":table/", 1)[1], label


def shard_id(arn: str) -> str:
    """The stream's one shard's id, stable for the stream (AWS's format:
    shardId-<20 digits>-<8 hex>)."""
    digest = hashlib.sha256(arn.encode()).hexdigest()
    return f"shardId-{int(digest[:16], 16) % 10**20:020d}-{digest[16:24]}"


def event_id(arn: str, sequence: int) -> str:
    return hashlib.md5(f"{arn}#{sequence}".encode(), usedforsecurity=False).hexdigest()


def specification(params: Mapping[str, Any]) -> str | None:
    """The StreamViewType a StreamSpecification enables, None if it disables streams."""
    spec = params.get("StreamSpecification")
    if spec is not None and "StreamEnabled" not in spec and spec.get("StreamViewType"):
        # A template's AWS::DynamoDB::Table StreamSpecification has only StreamViewType.
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-dynamodb-table-streamspecification.html
        spec = {**spec, "StreamEnabled": True}
    if spec is None or not spec.get("StreamEnabled"):
        if spec is not None and spec.get("StreamViewType") is not None:
            raise validation(
                "One or more parameter values were invalid: StreamViewType may only be "
                "specified when StreamEnabled is true"
            )
        return None
    view = spec.get("StreamViewType")
    if view is None:
        raise validation(
            "One or more parameter values were invalid: StreamViewType is required when "
            "StreamEnabled is true"
        )
    if view not in VIEW_TYPES:
        raise validation(
            f"1 validation error detected: Value '{view}' at "
            "'streamSpecification.streamViewType' failed to satisfy constraint: Member must "
            f"satisfy enum value set: [{', '.join(VIEW_TYPES)}]"
        )
    return str(view)


def described(meta: TableMeta, table_arn: str) -> dict[str, Any]:
    """StreamSpecification, LatestStreamArn and LatestStreamLabel for DescribeTable."""
    if meta.stream_label is None:
        return {}
    fields: dict[str, Any] = {
        "LatestStreamLabel": meta.stream_label,
        "LatestStreamArn": stream_arn(table_arn, meta.stream_label),
    }
    if meta.stream_view_type is not None:
        fields["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": meta.stream_view_type,
        }
    return fields
