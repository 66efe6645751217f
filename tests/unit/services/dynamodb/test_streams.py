"""The stream record of one item change (streams.record) and StreamSpecification parsing."""

from __future__ import annotations

import pytest

from lamina.aws.service import ServiceError
from lamina.services.dynamodb import streams
from lamina.services.dynamodb.size import item_size
from lamina.services.dynamodb.store import TableMeta


def meta(view: str) -> TableMeta:
    return TableMeta(
        "t", "pk", "sk", {"pk": "S", "sk": "N"}, 0.0, "PAY_PER_REQUEST",
        stream_view_type=view, stream_label="2026-01-01T00:00:00.000",
    )  # fmt: skip


OLD = {"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"S": "old"}}
NEW = {"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"S": "new"}}
KEYS = {"pk": {"S": "a"}, "sk": {"N": "1"}}


def test_event_names_keys_and_size() -> None:
    view = meta("NEW_AND_OLD_IMAGES")
    insert = streams.record(view, None, NEW, item_size, by_service=False, now=5.0)
    modify = streams.record(view, OLD, NEW, item_size, by_service=False, now=5.0)
    remove = streams.record(view, OLD, None, item_size, by_service=True, now=5.0)
    assert insert is not None and modify is not None and remove is not None
    assert [r["eventName"] for r in (insert, modify, remove)] == ["INSERT", "MODIFY", "REMOVE"]
    assert modify["dynamodb"] == {
        "ApproximateCreationDateTime": 5.0,
        "Keys": KEYS,
        "NewImage": NEW,
        "OldImage": OLD,
        "SizeBytes": item_size(KEYS) + item_size(NEW) + item_size(OLD),
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    assert "OldImage" not in insert["dynamodb"] and "NewImage" not in remove["dynamodb"]
    assert "userIdentity" not in modify
    assert remove["userIdentity"] == {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


def test_unchanged_item_records_nothing() -> None:
    view = meta("KEYS_ONLY")
    assert streams.record(view, NEW, dict(NEW), item_size, by_service=False, now=0) is None
    assert streams.record(view, None, None, item_size, by_service=False, now=0) is None


def test_keys_only_has_no_images() -> None:
    record = streams.record(meta("KEYS_ONLY"), OLD, NEW, item_size, by_service=False, now=0)
    assert record is not None
    assert set(record["dynamodb"]) == {
        "ApproximateCreationDateTime", "Keys", "SizeBytes", "StreamViewType"
    }  # fmt: skip


def test_specification() -> None:
    assert streams.specification({}) is None
    assert streams.specification({"StreamSpecification": {"StreamEnabled": False}}) is None
    enabled = {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}}
    assert streams.specification(enabled) == "NEW_IMAGE"
    template = {"StreamSpecification": {"StreamViewType": "OLD_IMAGE"}}
    assert streams.specification(template) == "OLD_IMAGE"
    for wrong in ({"StreamEnabled": True}, {"StreamEnabled": True, "StreamViewType": "ALL"}):
        with pytest.raises(ServiceError) as raised:
            streams.specification({"StreamSpecification": wrong})
        assert raised.value.code == "ValidationException"


def test_sequence_numbers_order_as_strings_and_numbers() -> None:
    numbers = [streams.sequence_number(n) for n in (1, 9, 10, 123456)]
    assert numbers == sorted(numbers) and [int(n) for n in numbers] == [1, 9, 10, 123456]
    assert streams.parse_sequence_number(numbers[2]) == 10


def test_stream_arn_round_trip_and_shard_id() -> None:
    arn = streams.stream_arn("arn:aws:dynamodb:r:1:table/t", "2026-01-01T00:00:00.000")
    assert streams.split_stream_arn(arn) == ("t", "2026-01-01T00:00:00.000")
    assert streams.split_stream_arn("arn:aws:dynamodb:r:1:table/t") is None
    assert streams.shard_id(arn) == streams.shard_id(arn)
    assert streams.shard_id(arn).startswith("shardId-") and len(streams.shard_id(arn)) == 37
