"""DynamoDB Streams through boto3: StreamSpecification on CreateTable/UpdateTable, the
records every kind of write appends, and the dynamodbstreams API reading them, on SQLite
and on PostgreSQL (the `backend` fixture)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from lamina.aws.credentials import CredentialStore
from lamina.aws.dispatch import AwsApi
from lamina.services.dynamodb.provider import DynamoDbProvider
from lamina.services.dynamodb.streams_provider import DynamoDbStreamsProvider
from tests.loopback import REGION, LoopbackServer

from .backend import Backend
from .conftest import ACCOUNT, create_table

ARN_PREFIX = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/"


class StreamsServer(LoopbackServer):
    def __init__(self, state_dir: Path, **provider: Any) -> None:
        super().__init__()
        self.provider = DynamoDbProvider(
            state_dir=state_dir, region=REGION, account_id=ACCOUNT, **provider
        )
        self.listen(
            AwsApi(
                [self.provider, DynamoDbStreamsProvider(self.provider.database)],
                region=REGION,
                account_id=ACCOUNT,
                credentials=CredentialStore.local(),
            )
        )

    async def _close_provider(self) -> None:
        self.provider.close()

    def release(self) -> None:
        self.run(self._close_provider())


@pytest.fixture
def lamina(tmp_path: Path, backend: Backend) -> Iterator[StreamsServer]:
    server = StreamsServer(tmp_path / "state", url=backend.url, ttl_sweep_interval_s=0.01)
    yield server
    server.close()


@pytest.fixture
def client(lamina: StreamsServer) -> Any:
    return boto3.client("dynamodb", **lamina.client_options())


@pytest.fixture
def streams(lamina: StreamsServer) -> Any:
    return boto3.client("dynamodbstreams", **lamina.client_options())


def spec(view: str) -> dict[str, Any]:
    return {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": view}}


def read_all(streams: Any, arn: str, kind: str = "TRIM_HORIZON", **at: Any) -> list[Any]:
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType=kind, **at
    )["ShardIterator"]
    return list(streams.get_records(ShardIterator=iterator)["Records"])


def trimmed(streams: Any, iterator: str) -> str | None:
    """The error code GetRecords answers for `iterator`, None if it reads records."""
    try:
        streams.get_records(ShardIterator=iterator)
    except ClientError as error:
        return str(error.response["Error"]["Code"])
    return None


def test_describe_table_reports_the_stream(client: Any) -> None:
    create_table(client, "events", **spec("NEW_AND_OLD_IMAGES"))
    table = client.describe_table(TableName="events")["Table"]
    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    label = table["LatestStreamLabel"]
    assert table["LatestStreamArn"] == f"{ARN_PREFIX}events/stream/{label}"
    assert len(label) == len("2015-05-11T21:21:33.291") and label[10] == "T"
    create_table(client, "plain")
    plain = client.describe_table(TableName="plain")["Table"]
    assert "LatestStreamArn" not in plain and "StreamSpecification" not in plain


def test_every_write_kind_records_insert_modify_remove_in_order(client: Any, streams: Any) -> None:
    create_table(client, "events", **spec("NEW_AND_OLD_IMAGES"))
    arn = client.describe_table(TableName="events")["Table"]["LatestStreamArn"]
    key = {"pk": {"S": "a"}, "sk": {"S": "1"}}
    client.put_item(TableName="events", Item={**key, "v": {"N": "1"}})
    client.put_item(TableName="events", Item={**key, "v": {"N": "1"}})  # unchanged: no record
    client.update_item(
        TableName="events",
        Key=key,
        UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"N": "2"}},
    )
    client.delete_item(TableName="events", Key=key)
    client.delete_item(TableName="events", Key=key)  # missing: no record
    client.batch_write_item(
        RequestItems={"events": [{"PutRequest": {"Item": {"pk": {"S": "b"}, "sk": {"S": "1"}}}}]}
    )
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "events", "Item": {"pk": {"S": "c"}, "sk": {"S": "1"}}}},
            {"Delete": {"TableName": "events", "Key": {"pk": {"S": "b"}, "sk": {"S": "1"}}}},
        ]
    )
    records = read_all(streams, arn)
    names = [r["eventName"] for r in records]
    assert names[:4] == ["INSERT", "MODIFY", "REMOVE", "INSERT"]
    # One record per item of the transaction (their order within it is unspecified).
    assert sorted((r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records[4:]) == [
        ("INSERT", "c"),
        ("REMOVE", "b"),
    ]
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    modify = records[1]
    assert modify["eventSource"] == "aws:dynamodb" and modify["eventVersion"] == "1.1"
    assert modify["awsRegion"] == REGION
    assert modify["dynamodb"]["Keys"] == key
    assert modify["dynamodb"]["OldImage"] == {**key, "v": {"N": "1"}}
    assert modify["dynamodb"]["NewImage"] == {**key, "v": {"N": "2"}}
    assert modify["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert modify["dynamodb"]["SizeBytes"] > 0
    assert abs(modify["dynamodb"]["ApproximateCreationDateTime"].timestamp() - time.time()) < 60
    assert "NewImage" not in records[2]["dynamodb"] and "OldImage" in records[2]["dynamodb"]
    assert "userIdentity" not in modify


@pytest.mark.parametrize(
    ("view", "new", "old"),
    [
        ("KEYS_ONLY", False, False),
        ("NEW_IMAGE", True, False),
        ("OLD_IMAGE", False, True),
        ("NEW_AND_OLD_IMAGES", True, True),
    ],
)
def test_view_type_picks_the_images(
    client: Any, streams: Any, view: str, new: bool, old: bool
) -> None:
    create_table(client, "events", sort_type=None, **spec(view))
    arn = client.describe_table(TableName="events")["Table"]["LatestStreamArn"]
    client.put_item(TableName="events", Item={"pk": {"S": "a"}, "v": {"S": "x"}})
    client.put_item(TableName="events", Item={"pk": {"S": "a"}, "v": {"S": "y"}})
    (_, modify) = read_all(streams, arn)
    assert modify["dynamodb"]["Keys"] == {"pk": {"S": "a"}}
    assert ("NewImage" in modify["dynamodb"]) is new
    assert ("OldImage" in modify["dynamodb"]) is old
    assert modify["dynamodb"]["StreamViewType"] == view


def test_shard_iterator_types_and_paging(client: Any, streams: Any) -> None:
    create_table(client, "events", sort_type=None, **spec("KEYS_ONLY"))
    arn = client.describe_table(TableName="events")["Table"]["LatestStreamArn"]
    for n in range(5):
        client.put_item(TableName="events", Item={"pk": {"S": f"k{n}"}})
    described = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert described["StreamStatus"] == "ENABLED" and described["TableName"] == "events"
    assert described["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    (shard,) = described["Shards"]
    assert shard["ShardId"].startswith("shardId-")
    assert streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0] == shard
    everything = read_all(streams, arn)
    numbers = [r["dynamodb"]["SequenceNumber"] for r in everything]
    assert shard["SequenceNumberRange"]["StartingSequenceNumber"] == numbers[0]
    at = read_all(streams, arn, "AT_SEQUENCE_NUMBER", SequenceNumber=numbers[2])
    assert [r["dynamodb"]["SequenceNumber"] for r in at] == numbers[2:]
    after = read_all(streams, arn, "AFTER_SEQUENCE_NUMBER", SequenceNumber=numbers[2])
    assert [r["dynamodb"]["SequenceNumber"] for r in after] == numbers[3:]
    # LATEST: only what is written after the iterator was taken.
    latest = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
    )["ShardIterator"]
    assert streams.get_records(ShardIterator=latest)["Records"] == []
    client.put_item(TableName="events", Item={"pk": {"S": "late"}})
    got = streams.get_records(ShardIterator=latest)["Records"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in got] == ["late"]
    # Limit and NextShardIterator page through the shard.
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    seen = []
    for _ in range(4):
        page = streams.get_records(ShardIterator=iterator, Limit=2)
        assert len(page["Records"]) <= 2
        seen += [r["dynamodb"]["Keys"]["pk"]["S"] for r in page["Records"]]
        iterator = page["NextShardIterator"]
    assert seen == ["k0", "k1", "k2", "k3", "k4", "late"]


def test_list_streams_and_unknown_stream(client: Any, streams: Any) -> None:
    create_table(client, "one", **spec("KEYS_ONLY"))
    create_table(client, "two", **spec("NEW_IMAGE"))
    create_table(client, "none")
    listed = streams.list_streams()["Streams"]
    assert [s["TableName"] for s in listed] == ["one", "two"]
    assert listed[0]["StreamArn"].startswith(f"{ARN_PREFIX}one/stream/")
    assert [s["TableName"] for s in streams.list_streams(TableName="two")["Streams"]] == ["two"]
    page = streams.list_streams(Limit=1)
    assert len(page["Streams"]) == 1 and page["LastEvaluatedStreamArn"] == listed[0]["StreamArn"]
    with pytest.raises(ClientError) as raised:
        streams.describe_stream(StreamArn=f"{ARN_PREFIX}none/stream/2020-01-01T00:00:00.000")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_update_table_enables_and_disables_the_stream(client: Any, streams: Any) -> None:
    create_table(client, "events", sort_type=None)
    client.put_item(TableName="events", Item={"pk": {"S": "before"}})
    client.update_table(TableName="events", **spec("NEW_IMAGE"))
    table = client.describe_table(TableName="events")["Table"]
    arn = table["LatestStreamArn"]
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_IMAGE"
    with pytest.raises(ClientError) as raised:
        client.update_table(TableName="events", **spec("KEYS_ONLY"))
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    client.put_item(TableName="events", Item={"pk": {"S": "during"}})
    client.update_table(TableName="events", StreamSpecification={"StreamEnabled": False})
    client.put_item(TableName="events", Item={"pk": {"S": "after"}})
    records = read_all(streams, arn)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["during"]
    described = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert described["StreamStatus"] == "DISABLED"
    assert "StreamSpecification" not in client.describe_table(TableName="events")["Table"]


def test_ttl_removal_is_recorded_as_the_service(
    lamina: StreamsServer, client: Any, streams: Any
) -> None:
    create_table(client, "events", sort_type=None, **spec("OLD_IMAGE"))
    client.update_time_to_live(
        TableName="events", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"}
    )
    arn = client.describe_table(TableName="events")["Table"]["LatestStreamArn"]
    expiry = {"N": str(int(time.time()) - 100)}
    client.put_item(TableName="events", Item={"pk": {"S": "old"}, "exp": expiry})
    client.delete_item(TableName="events", Key={"pk": {"S": "gone"}})
    lamina.run(lamina.provider.start())
    deadline = time.monotonic() + 10
    while len(records := read_all(streams, arn)) < 2:
        assert time.monotonic() < deadline, "the TTL sweeper recorded nothing"
        time.sleep(0.02)
    insert, remove = records
    assert "userIdentity" not in insert
    assert remove["eventName"] == "REMOVE"
    assert remove["userIdentity"] == {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}
    assert remove["dynamodb"]["OldImage"] == {"pk": {"S": "old"}, "exp": expiry}


async def trim_streams(server: StreamsServer, before: float) -> int:
    """One trim, as a sweeper pass does it, on the server's loop."""
    return server.provider.database.store.trim_streams(before)


def test_an_iterator_a_trim_overtakes_is_trimmed_data(
    lamina: StreamsServer, client: Any, streams: Any
) -> None:
    """A TRIM_HORIZON iterator taken before a trim removes the records it would read next
    fails, as on AWS; a new one reads from the new horizon. (So a reader polling with fresh
    TRIM_HORIZON iterators while a sweeper trims can get TrimmedDataAccessException.)
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html"""
    create_table(client, "events", sort_type=None, **spec("KEYS_ONLY"))
    arn = client.describe_table(TableName="events")["Table"]["LatestStreamArn"]
    client.put_item(TableName="events", Item={"pk": {"S": "old"}})
    time.sleep(0.01)
    between = time.time()
    time.sleep(0.01)
    client.put_item(TableName="events", Item={"pk": {"S": "young"}})
    shard_id = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    assert lamina.run(trim_streams(lamina, between)) == 1
    assert trimmed(streams, iterator) == "TrimmedDataAccessException"
    assert [r["dynamodb"]["Keys"] for r in read_all(streams, arn)] == [{"pk": {"S": "young"}}]


def test_records_older_than_24_hours_are_trimmed(tmp_path: Path, backend: Backend) -> None:
    shift = [0.0]
    server = StreamsServer(
        tmp_path / "aged",
        url=backend.url,
        ttl_sweep_interval_s=0.01,
        clock=lambda: time.time() + shift[0],
    )
    try:
        client = boto3.client("dynamodb", **server.client_options())
        streams = boto3.client("dynamodbstreams", **server.client_options())
        create_table(client, "events", sort_type=None, **spec("KEYS_ONLY"))
        arn = client.describe_table(TableName="events")["Table"]["LatestStreamArn"]
        client.put_item(TableName="events", Item={"pk": {"S": "old"}})
        client.put_item(TableName="events", Item={"pk": {"S": "older"}})
        shift[0] = 24 * 3600 - 60  # the sweeper's clock: a minute short of a day later
        server.run(server.provider.start())
        time.sleep(0.2)  # passes that find nothing older than 24 hours
        old = read_all(streams, arn)
        assert len(old) == 2
        shard_id = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0][
            "ShardId"
        ]
        before_trim = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        shift[0] = 24 * 3600 + 60  # a day and a minute later
        # Wait for the trim through the iterator taken before it: it reads the records until
        # a pass trims them, then fails. (A fresh TRIM_HORIZON iterator a pass overtakes
        # between GetShardIterator and GetRecords fails too, so polling with those races.)
        # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html
        deadline = time.monotonic() + 10
        while (code := trimmed(streams, before_trim)) is None:
            assert time.monotonic() < deadline, "records older than 24 hours were kept"
            time.sleep(0.02)
        assert code == "TrimmedDataAccessException"
        assert read_all(streams, arn) == []
        # Reading from before the trim horizon: a trimmed sequence number.
        with pytest.raises(ClientError) as raised:
            read_all(
                streams,
                arn,
                "AT_SEQUENCE_NUMBER",
                SequenceNumber=old[1]["dynamodb"]["SequenceNumber"],
            )
        assert raised.value.response["Error"]["Code"] == "TrimmedDataAccessException"
        after_old = read_all(
            streams,
            arn,
            "AFTER_SEQUENCE_NUMBER",
            SequenceNumber=old[1]["dynamodb"]["SequenceNumber"],
        )
        latest = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard_id, ShardIteratorType="LATEST"
        )["ShardIterator"]
        assert after_old == [] and streams.get_records(ShardIterator=latest)["Records"] == []
        shift[0] = 0
        client.put_item(TableName="events", Item={"pk": {"S": "new"}})
        time.sleep(0.2)  # more passes: the new record is younger than 24 hours
        (kept,) = read_all(streams, arn)
        assert [
            r["dynamodb"]["Keys"] for r in streams.get_records(ShardIterator=latest)["Records"]
        ] == [{"pk": {"S": "new"}}]
        assert kept["dynamodb"]["Keys"] == {"pk": {"S": "new"}}
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        assert (
            shard["SequenceNumberRange"]["StartingSequenceNumber"]
            == (kept["dynamodb"]["SequenceNumber"])
        )
    finally:
        server.close()
