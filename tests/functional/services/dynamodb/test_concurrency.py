"""Many boto3 clients at once against one server (on PostgreSQL its operations run on a
thread pool, a connection each): conditional writes stay atomic, no update is lost."""

from __future__ import annotations

import threading
from typing import Any

from botocore.exceptions import ClientError

from .conftest import DynamoDbServer, create_table

CLIENTS = 8


def run_together(work: Any, count: int = CLIENTS) -> None:
    start = threading.Barrier(count)

    def body(n: int) -> None:
        start.wait(10)
        work(n)

    threads = [threading.Thread(target=body, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)


def test_concurrent_conditional_puts_of_one_key_succeed_once(server: DynamoDbServer) -> None:
    create_table(server.client(), "locks", None)
    clients = [server.client() for _ in range(CLIENTS)]
    winners: list[int] = []
    refusals: list[str] = []

    def claim(n: int) -> None:
        try:
            clients[n].put_item(
                TableName="locks",
                Item={"pk": {"S": "leader"}, "who": {"N": str(n)}},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            refusals.append(error.response["Error"]["Code"])
            return
        winners.append(n)

    run_together(claim)
    assert len(winners) == 1
    assert refusals == ["ConditionalCheckFailedException"] * (CLIENTS - 1)
    item = clients[0].get_item(TableName="locks", Key={"pk": {"S": "leader"}})["Item"]
    assert item["who"] == {"N": str(winners[0])}


def test_concurrent_increments_lose_no_update(server: DynamoDbServer) -> None:
    create_table(server.client(), "counters", None)
    clients = [server.client() for _ in range(CLIENTS)]

    def add(n: int) -> None:
        for _ in range(20):
            clients[n].update_item(
                TableName="counters",
                Key={"pk": {"S": "c"}},
                UpdateExpression="ADD n :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )

    run_together(add)
    item = clients[0].get_item(TableName="counters", Key={"pk": {"S": "c"}}, ConsistentRead=True)
    assert item["Item"]["n"] == {"N": str(CLIENTS * 20)}
