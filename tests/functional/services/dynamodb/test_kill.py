"""kill -9 of `lamina up` in the middle of a stream of TransactWriteItems and
BatchWriteItem calls: after a restart each transaction is all there or not at all, and
every write the client saw acknowledged is there.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from tests.conftest import FIXTURES, LaminaProcess

from .backend import Backend

TRANSACTION_ITEMS = 100
BATCH_ITEMS = 25
ROUNDS = 3


def dynamodb(base: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=60),
    )


def item(customer: str, placed: int, generation: int) -> dict[str, Any]:
    return {
        "customer": {"S": customer},
        "placed": {"N": str(placed)},
        "generation": {"N": str(generation)},
    }


class Writer(threading.Thread):
    """Writes generation after generation (a transaction of 100 items, then a batch of
    25) until the server dies; `acknowledged` is the last generation fully answered."""

    def __init__(self, base: str, generation: int) -> None:
        super().__init__(daemon=True)
        self.client = dynamodb(base)
        self.generation = generation
        self.acknowledged = generation
        self.error: Exception | None = None

    def run(self) -> None:
        while True:
            self.generation += 1
            puts = [
                {"Put": {"TableName": "orders", "Item": item("t", n, self.generation)}}
                for n in range(TRANSACTION_ITEMS)
            ]
            batch = [{"PutRequest": {"Item": item("b", n, self.generation)}} for n in range(25)]
            try:
                self.client.transact_write_items(TransactItems=puts)
                self.client.batch_write_item(RequestItems={"orders": batch})
            except Exception as error:  # the server was killed: stop writing
                self.error = error
                return
            self.acknowledged = self.generation


def generations(client: Any, customer: str) -> list[int]:
    found, params = (
        [],
        {
            "TableName": "orders",
            "KeyConditionExpression": "customer = :c",
            "ExpressionAttributeValues": {":c": {"S": customer}},
            "ConsistentRead": True,
        },
    )
    while True:
        page = client.query(**params)
        found.extend(int(entry["generation"]["N"]) for entry in page["Items"])
        if "LastEvaluatedKey" not in page:
            return found
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def test_kill_9_mid_write_leaves_transactions_all_or_nothing(
    tmp_path: Path, backend: Backend
) -> None:
    app = tmp_path / "tables"
    shutil.copytree(FIXTURES / "apps" / "tables", app, ignore=shutil.ignore_patterns(".lamina"))
    extra = () if backend.url is None else ("--dynamodb", backend.url)
    generation = 0
    for round_number in range(ROUNDS + 1):
        lamina = LaminaProcess(app, *extra)
        client = dynamodb(lamina.base)
        transacted, batched = generations(client, "t"), generations(client, "b")
        if generation:
            # Each transaction is whole: all 100 items of one generation, no mix.
            assert len(transacted) == TRANSACTION_ITEMS and len(set(transacted)) == 1
            assert len(batched) == BATCH_ITEMS and len(set(batched)) == 1
            # Nothing acknowledged was lost; at most the one in flight went through.
            assert generation <= batched[0] <= transacted[0] <= generation + 1
        if round_number == ROUNDS:
            lamina.stop()
            return
        writer = Writer(lamina.base, max([generation, *transacted]))
        writer.start()
        wanted = writer.acknowledged + random.randint(2, 6)
        deadline = time.monotonic() + 60
        while writer.acknowledged < wanted and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(random.uniform(0, 0.02))  # land somewhere inside the next request
        os.killpg(lamina.process.pid, signal.SIGKILL)
        lamina.stop()
        writer.join(15)
        assert writer.acknowledged >= wanted, f"{writer.error!r}\n{lamina.output()[-2000:]}"
        generation = writer.acknowledged
