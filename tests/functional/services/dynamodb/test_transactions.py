"""TransactWriteItems and TransactGetItems through boto3: all or nothing, reasons in order.

https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .backend import Backend
from .conftest import DynamoDbServer, create_table


def key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}}


@pytest.fixture
def bank(client: Any) -> Any:
    create_table(client, "accounts", None)
    create_table(client, "log", None)
    client.put_item(TableName="accounts", Item={**key("alice"), "balance": {"N": "100"}})
    client.put_item(TableName="accounts", Item={**key("bob"), "balance": {"N": "5"}})
    client.put_item(TableName="log", Item=key("open"))
    return client


def transfer(amount: str, *, check: str = "open") -> list[dict[str, Any]]:
    values = {":a": {"N": amount}}
    return [
        {
            "ConditionCheck": {
                "TableName": "log",
                "Key": key(check),
                "ConditionExpression": "attribute_exists(pk)",
            }
        },
        {
            "Update": {
                "TableName": "accounts",
                "Key": key("alice"),
                "UpdateExpression": "SET balance = balance - :a",
                "ConditionExpression": "balance >= :a",
                "ExpressionAttributeValues": values,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
        {
            "Update": {
                "TableName": "accounts",
                "Key": key("bob"),
                "UpdateExpression": "SET balance = balance + :a",
                "ExpressionAttributeValues": values,
            }
        },
        {"Put": {"TableName": "log", "Item": {**key("t1"), "amount": {"N": amount}}}},
    ]


def balances(client: Any) -> dict[str, str]:
    items = client.scan(TableName="accounts")["Items"]
    return {item["pk"]["S"]: item["balance"]["N"] for item in items}


def test_transact_write_applies_every_action(bank: Any) -> None:
    bank.transact_write_items(TransactItems=transfer("30"))
    assert balances(bank) == {"alice": "70", "bob": "35"}
    assert bank.get_item(TableName="log", Key=key("t1"))["Item"]["amount"] == {"N": "30"}


def test_transact_write_failed_condition_cancels_all_with_reasons_in_order(bank: Any) -> None:
    with pytest.raises(ClientError) as caught:
        bank.transact_write_items(TransactItems=transfer("500", check="closed"))
    response = caught.value.response
    assert response["Error"] == {
        "Code": "TransactionCanceledException",
        "Message": "Transaction cancelled, please refer cancellation reasons for specific "
        "reasons [ConditionalCheckFailed, ConditionalCheckFailed, None, None]",
    }
    assert response["CancellationReasons"] == [
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
        {
            "Code": "ConditionalCheckFailed",
            "Message": "The conditional request failed",
            "Item": {**key("alice"), "balance": {"N": "100"}},
        },
        {"Code": "None"},
        {"Code": "None"},
    ]
    assert balances(bank) == {"alice": "100", "bob": "5"}
    assert "Item" not in bank.get_item(TableName="log", Key=key("t1"))


def test_transact_write_two_actions_on_one_item_is_rejected(bank: Any) -> None:
    actions = [
        {"Delete": {"TableName": "accounts", "Key": key("bob")}},
        {"Put": {"TableName": "accounts", "Item": key("bob")}},
    ]
    with pytest.raises(ClientError) as caught:
        bank.transact_write_items(TransactItems=actions)
    assert caught.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "Transaction request cannot include multiple operations on one item",
    }


def test_transact_write_client_request_token_is_idempotent(bank: Any) -> None:
    bank.transact_write_items(TransactItems=transfer("10"), ClientRequestToken="once")
    bank.transact_write_items(TransactItems=transfer("10"), ClientRequestToken="once")
    assert balances(bank) == {"alice": "90", "bob": "15"}
    with pytest.raises(ClientError) as caught:
        bank.transact_write_items(TransactItems=transfer("20"), ClientRequestToken="once")
    assert caught.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    bank.transact_write_items(TransactItems=transfer("10"), ClientRequestToken="twice")
    assert balances(bank) == {"alice": "80", "bob": "25"}


def test_transact_write_client_request_token_expires_after_ten_minutes(
    server: DynamoDbServer,
) -> None:
    now = [1000.0]
    server.provider.database.clock = lambda: now[0]
    client = server.client()
    create_table(client, "counter", None)
    add = [
        {
            "Update": {
                "TableName": "counter",
                "Key": key("c"),
                "UpdateExpression": "ADD n :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        }
    ]
    client.transact_write_items(TransactItems=add, ClientRequestToken="t")
    now[0] += 599
    client.transact_write_items(TransactItems=add, ClientRequestToken="t")
    now[0] += 2
    client.transact_write_items(TransactItems=add, ClientRequestToken="t")
    assert client.get_item(TableName="counter", Key=key("c"))["Item"]["n"] == {"N": "2"}


def test_transact_write_more_than_100_actions_is_rejected(bank: Any) -> None:
    actions = [{"Put": {"TableName": "log", "Item": key(str(n))}} for n in range(101)]
    with pytest.raises(ClientError) as caught:
        bank.transact_write_items(TransactItems=actions)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert bank.scan(TableName="log")["Count"] == 1


def test_transact_get_items_in_request_order_with_projection(bank: Any) -> None:
    answer = bank.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": "accounts", "Key": key("bob")}},
            {"Get": {"TableName": "accounts", "Key": key("nobody")}},
            {
                "Get": {
                    "TableName": "accounts",
                    "Key": key("alice"),
                    "ProjectionExpression": "balance",
                }
            },
        ]
    )
    assert answer["Responses"] == [
        {"Item": {**key("bob"), "balance": {"N": "5"}}},
        {},
        {"Item": {"balance": {"N": "100"}}},
    ]


def test_transact_write_through_resource_client(server: DynamoDbServer) -> None:
    client = server.client()
    create_table(client, "res", None)
    resource_client = server.resource().meta.client
    resource_client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "res", "Item": {"pk": "a", "n": 1}}},
            {
                "Put": {
                    "TableName": "res",
                    "Item": {"pk": "b"},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ]
    )
    got = resource_client.transact_get_items(
        TransactItems=[{"Get": {"TableName": "res", "Key": {"pk": "a"}}}]
    )
    assert got["Responses"] == [{"Item": {"pk": "a", "n": 1}}]


def test_client_request_token_survives_a_restart(tmp_path: Path, backend: Backend) -> None:
    """The token is stored with the transaction: a replay after a restart is still a no-op."""
    first = DynamoDbServer(tmp_path / "state", url=backend.url)
    client = first.client()
    create_table(client, "counter", None)
    client.transact_write_items(TransactItems=ADD_ONE, ClientRequestToken="t")
    first.close()
    second = DynamoDbServer(tmp_path / "state", url=backend.url)
    try:
        client = second.client()
        client.transact_write_items(TransactItems=ADD_ONE, ClientRequestToken="t")
        assert client.get_item(TableName="counter", Key=key("c"))["Item"]["n"] == {"N": "1"}
        with pytest.raises(ClientError) as caught:
            client.transact_write_items(TransactItems=ADD_TWO, ClientRequestToken="t")
        assert caught.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    finally:
        second.close()


def test_client_request_token_replayed_on_two_nodes_at_once_applies_once(
    tmp_path: Path, backend: Backend
) -> None:
    """Two servers on one store (two cluster nodes on PostgreSQL; two processes' worth of
    connections on one SQLite file) receive the same request and token together."""
    nodes = [DynamoDbServer(tmp_path / "state", url=backend.url) for _ in range(2)]
    try:
        create_table(nodes[0].client(), "counter", None)
        start = threading.Barrier(8)

        def replay(node: DynamoDbServer) -> None:
            client = node.client()
            start.wait(10)
            client.transact_write_items(TransactItems=ADD_ONE, ClientRequestToken="same")

        threads = [threading.Thread(target=replay, args=(nodes[n % 2],)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        item = nodes[1].client().get_item(TableName="counter", Key=key("c"))["Item"]
        assert item["n"] == {"N": "1"}
    finally:
        for node in nodes:
            node.close()


ADD_ONE = [
    {
        "Update": {
            "TableName": "counter",
            "Key": key("c"),
            "UpdateExpression": "ADD n :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }
]
ADD_TWO = [
    {
        "Update": {
            "TableName": "counter",
            "Key": key("c"),
            "UpdateExpression": "ADD n :two",
            "ExpressionAttributeValues": {":two": {"N": "2"}},
        }
    }
]
