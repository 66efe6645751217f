"""DynamoDB Streams on PostgreSQL across nodes: two Lamina DynamoDB providers (two stores)
on one schema read each other's records, and concurrent writers on both never let a
reader following the shard skip a record or see an item's changes out of order."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from .backend import Backend
from .conftest import create_table
from .test_streams import StreamsServer, read_all, spec

WRITERS_PER_NODE = 6
WRITES_PER_WRITER = 20


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[tuple[StreamsServer, StreamsServer]]:
    """Two providers, each with its own PostgresTableStore, on one schema."""
    backend = Backend("postgresql")
    first = StreamsServer(tmp_path / "a", url=backend.url)
    second = StreamsServer(tmp_path / "b", url=backend.url)
    try:
        yield first, second
    finally:
        first.close()
        second.close()
        backend.drop()


def clients(node: StreamsServer) -> tuple[Any, Any]:
    options = node.client_options()
    return boto3.client("dynamodb", **options), boto3.client("dynamodbstreams", **options)


def test_a_consumer_on_one_node_reads_records_written_on_the_other(
    nodes: tuple[StreamsServer, StreamsServer],
) -> None:
    (dynamodb_a, streams_a), (dynamodb_b, streams_b) = clients(nodes[0]), clients(nodes[1])
    create_table(dynamodb_a, "events", sort_type=None, **spec("NEW_IMAGE"))
    arn = dynamodb_b.describe_table(TableName="events")["Table"]["LatestStreamArn"]
    assert [s["StreamArn"] for s in streams_b.list_streams()["Streams"]] == [arn]
    dynamodb_a.put_item(TableName="events", Item={"pk": {"S": "from-a"}})
    shard = streams_b.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
    iterator = streams_b.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    page = streams_b.get_records(ShardIterator=iterator)
    assert [r["dynamodb"]["NewImage"]["pk"]["S"] for r in page["Records"]] == ["from-a"]
    dynamodb_b.put_item(TableName="events", Item={"pk": {"S": "from-b"}})
    # An iterator from node B continues on node A: both serve the same shard.
    later = streams_a.get_records(ShardIterator=page["NextShardIterator"])["Records"]
    assert [r["dynamodb"]["NewImage"]["pk"]["S"] for r in later] == ["from-b"]
    assert read_all(streams_a, arn) == read_all(streams_b, arn)


def test_concurrent_writers_on_two_nodes_keep_the_shard_in_order(
    nodes: tuple[StreamsServer, StreamsServer],
) -> None:
    dynamodb, streams = clients(nodes[0])
    create_table(dynamodb, "events", sort_type=None, **spec("NEW_IMAGE"))
    arn = dynamodb.describe_table(TableName="events")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    total = 2 * WRITERS_PER_NODE * WRITES_PER_WRITER
    followed: list[Any] = []
    writing = threading.Event()
    writing.set()

    def follow() -> None:
        """Read the shard as a consumer does, while the writes go on."""
        nonlocal iterator
        reader = clients(nodes[1])[1]
        deadline = time.monotonic() + 30  # a skipped record leaves it short of `total`
        while (writing.is_set() or len(followed) < total) and time.monotonic() < deadline:
            page = reader.get_records(ShardIterator=iterator, Limit=7)
            followed.extend(page["Records"])
            iterator = page["NextShardIterator"]

    def write(node: StreamsServer, writer: str) -> None:
        own = clients(node)[0]
        for version in range(1, WRITES_PER_WRITER + 1):
            item = {"pk": {"S": writer}, "v": {"N": str(version)}}
            own.put_item(TableName="events", Item=item)

    reader = threading.Thread(target=follow)
    writers = [
        threading.Thread(target=write, args=(node, f"{n}-{w}"))
        for n, node in enumerate(nodes)
        for w in range(WRITERS_PER_NODE)
    ]
    reader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=60)
    writing.clear()
    reader.join(timeout=40)
    everything = read_all(streams, arn)
    assert len(everything) == total
    # The follower saw exactly what was committed, in the same order: nothing skipped.
    numbers = [r["dynamodb"]["SequenceNumber"] for r in followed]
    assert numbers == [r["dynamodb"]["SequenceNumber"] for r in everything]
    assert numbers == sorted(numbers) and len(set(numbers)) == total
    versions: dict[str, list[int]] = {}
    for record in followed:
        image = record["dynamodb"]["NewImage"]
        versions.setdefault(image["pk"]["S"], []).append(int(image["v"]["N"]))
    expected = list(range(1, WRITES_PER_WRITER + 1))
    assert len(versions) == 2 * WRITERS_PER_NODE
    assert all(seen == expected for seen in versions.values())
