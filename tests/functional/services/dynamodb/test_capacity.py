"""ReturnConsumedCapacity through boto3: AWS's unit math and the TOTAL / INDEXES shapes.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import create_table
from .test_indexes import create_indexed


def sized(pk: str, size: int, sk: str = "s") -> dict[str, Any]:
    """An item of exactly `size` bytes as DynamoDB counts them (names + values)."""
    item = {"pk": {"S": pk}, "sk": {"S": sk}}
    fixed = len("pk") + len(pk) + len("sk") + len(sk) + len("p")
    item["p"] = {"S": "x" * (size - fixed)}
    return item


def key(pk: str, sk: str = "s") -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


@pytest.fixture
def table(client: Any) -> Any:
    create_table(client, "cap")
    return client


def units(response: dict[str, Any]) -> float:
    return float(response["ConsumedCapacity"]["CapacityUnits"])


def test_put_item_rounds_up_to_1_kb_and_counts_the_larger_of_old_and_new(table: Any) -> None:
    put = table.put_item(TableName="cap", Item=sized("a", 1024), ReturnConsumedCapacity="TOTAL")
    assert put["ConsumedCapacity"] == {"TableName": "cap", "CapacityUnits": 1.0}
    grown = table.put_item(TableName="cap", Item=sized("a", 1025), ReturnConsumedCapacity="TOTAL")
    assert units(grown) == 2.0
    shrunk = table.put_item(TableName="cap", Item=sized("a", 10), ReturnConsumedCapacity="TOTAL")
    assert units(shrunk) == 2.0  # the replaced item was 1,025 bytes


def test_update_and_delete_count_item_sizes(table: Any) -> None:
    table.put_item(TableName="cap", Item=sized("a", 3000))
    update = table.update_item(
        TableName="cap",
        Key=key("a"),
        UpdateExpression="SET p = :p",
        ExpressionAttributeValues={":p": {"S": "short"}},
        ReturnConsumedCapacity="TOTAL",
    )
    assert units(update) == 3.0  # before: 3,000 bytes
    deleted = table.delete_item(TableName="cap", Key=key("a"), ReturnConsumedCapacity="TOTAL")
    assert units(deleted) == 1.0
    missing = table.delete_item(TableName="cap", Key=key("zz"), ReturnConsumedCapacity="TOTAL")
    assert units(missing) == 1.0


def test_get_item_4_kb_blocks_halved_when_eventually_consistent(table: Any) -> None:
    table.put_item(TableName="cap", Item=sized("a", 4097))
    strong = table.get_item(
        TableName="cap", Key=key("a"), ConsistentRead=True, ReturnConsumedCapacity="TOTAL"
    )
    assert units(strong) == 2.0
    eventual = table.get_item(TableName="cap", Key=key("a"), ReturnConsumedCapacity="TOTAL")
    assert units(eventual) == 1.0
    missing = table.get_item(TableName="cap", Key=key("none"), ReturnConsumedCapacity="TOTAL")
    assert units(missing) == 0.5
    assert "ConsumedCapacity" not in table.get_item(TableName="cap", Key=key("a"))


def test_query_rounds_the_total_size_once(table: Any) -> None:
    for n in range(10):
        table.put_item(TableName="cap", Item=sized("q", 500, sk=f"{n:02}"))
    params = {
        "TableName": "cap",
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "q"}},
        "ReturnConsumedCapacity": "TOTAL",
    }
    assert units(table.query(**params)) == 1.0  # 5,000 bytes: 2 blocks, halved
    assert units(table.query(**params, ConsistentRead=True)) == 2.0
    values = {":p": {"S": "q"}, ":none": {"S": "none"}}
    filtered = table.query(
        **{**params, "ExpressionAttributeValues": values}, FilterExpression="p = :none"
    )
    assert filtered["Count"] == 0 and units(filtered) == 1.0  # what is read counts
    scanned = table.scan(TableName="cap", ConsistentRead=True, ReturnConsumedCapacity="TOTAL")
    assert units(scanned) == 2.0


def test_batch_operations_round_each_item_and_answer_a_list(table: Any) -> None:
    # AWS's examples: a 500-byte and a 3.5 KB item write as 5 KB; 1.5 KB + 6.5 KB read as 12 KB.
    written = table.batch_write_item(
        RequestItems={
            "cap": [
                {"PutRequest": {"Item": sized("a", 500)}},
                {"PutRequest": {"Item": sized("b", 3584)}},
            ]
        },
        ReturnConsumedCapacity="TOTAL",
    )
    assert written["ConsumedCapacity"] == [{"TableName": "cap", "CapacityUnits": 5.0}]
    table.put_item(TableName="cap", Item=sized("c", 1536))
    table.put_item(TableName="cap", Item=sized("d", 6656))
    read = table.batch_get_item(
        RequestItems={"cap": {"Keys": [key("c"), key("d")], "ConsistentRead": True}},
        ReturnConsumedCapacity="TOTAL",
    )
    assert read["ConsumedCapacity"] == [{"TableName": "cap", "CapacityUnits": 3.0}]


def test_transactions_cost_double_and_say_read_or_write(table: Any) -> None:
    table.put_item(TableName="cap", Item=sized("a", 4097))
    done = table.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "cap", "Item": sized("b", 1024)}},
            {
                "ConditionCheck": {
                    "TableName": "cap",
                    "Key": key("a"),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
        ],
        ReturnConsumedCapacity="TOTAL",
    )
    assert done["ConsumedCapacity"] == [
        {
            "TableName": "cap",
            "CapacityUnits": 6.0,
            "ReadCapacityUnits": 4.0,
            "WriteCapacityUnits": 2.0,
        }
    ]
    read = table.transact_get_items(
        TransactItems=[{"Get": {"TableName": "cap", "Key": key("b")}}],
        ReturnConsumedCapacity="TOTAL",
    )
    assert read["ConsumedCapacity"] == [
        {"TableName": "cap", "CapacityUnits": 2.0, "ReadCapacityUnits": 2.0}
    ]


def test_indexes_mode_splits_table_gsi_and_lsi_writes(client: Any) -> None:
    create_indexed(client)  # by_status: GSI KEYS_ONLY; by_rank: LSI INCLUDE note
    item = {
        "pk": {"S": "a"},
        "sk": {"S": "1"},
        "status": {"S": "open"},
        "score": {"N": "1"},
        "rank": {"N": "1"},
    }
    put = client.put_item(TableName="orders", Item=item, ReturnConsumedCapacity="INDEXES")
    assert put["ConsumedCapacity"] == {
        "TableName": "orders",
        "CapacityUnits": 3.0,
        "Table": {"CapacityUnits": 1.0},
        "GlobalSecondaryIndexes": {"by_status": {"CapacityUnits": 1.0}},
        "LocalSecondaryIndexes": {"by_rank": {"CapacityUnits": 1.0}},
    }
    moved = client.update_item(
        TableName="orders",
        Key={"pk": {"S": "a"}, "sk": {"S": "1"}},
        UpdateExpression="SET score = :s",
        ExpressionAttributeValues={":s": {"N": "2"}},
        ReturnConsumedCapacity="INDEXES",
    )
    # The GSI key changed: the old entry is deleted and the new one put. by_rank's
    # entry (keys and note) did not change: no write there.
    assert moved["ConsumedCapacity"] == {
        "TableName": "orders",
        "CapacityUnits": 3.0,
        "Table": {"CapacityUnits": 1.0},
        "GlobalSecondaryIndexes": {"by_status": {"CapacityUnits": 2.0}},
    }
    query = client.query(
        TableName="orders",
        IndexName="by_status",
        KeyConditionExpression="#s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "open"}},
        ReturnConsumedCapacity="INDEXES",
    )
    assert query["ConsumedCapacity"] == {
        "TableName": "orders",
        "CapacityUnits": 0.5,
        "Table": {"CapacityUnits": 0.0},
        "GlobalSecondaryIndexes": {"by_status": {"CapacityUnits": 0.5}},
    }


def test_unknown_return_consumed_capacity_is_a_validation_error(table: Any) -> None:
    with pytest.raises(ClientError) as raised:
        table.get_item(TableName="cap", Key=key("a"), ReturnConsumedCapacity="ALL")
    error = raised.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        "1 validation error detected: Value 'ALL' at 'returnConsumedCapacity' failed to "
        "satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"
    )


def test_local_index_fetch_charges_the_index_and_one_table_read_per_item(client: Any) -> None:
    """Select ALL_ATTRIBUTES on an INCLUDE local index reads the entries (charged to the
    index, rounded once) and fetches each whole item from the table (a read each).
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/LSI.html#LSI.Projections
    """
    create_indexed(client)
    for sk, rank in (("1", "2"), ("2", "1")):
        item = {"pk": {"S": "p"}, "sk": {"S": sk}, "rank": {"N": rank}, "big": {"S": "x" * 5000}}
        client.put_item(TableName="orders", Item=item)
    found = client.query(
        TableName="orders",
        IndexName="by_rank",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        Select="ALL_ATTRIBUTES",
        ReturnConsumedCapacity="INDEXES",
    )
    assert [item["big"]["S"][:1] for item in found["Items"]] == ["x", "x"]
    # Entries hold the keys only (no note): one 4 KB block, halved. Each item is 5 KB:
    # two blocks, halved, per fetch.
    assert found["ConsumedCapacity"] == {
        "TableName": "orders",
        "CapacityUnits": 2.5,
        "Table": {"CapacityUnits": 2.0},
        "LocalSecondaryIndexes": {"by_rank": {"CapacityUnits": 0.5}},
    }
