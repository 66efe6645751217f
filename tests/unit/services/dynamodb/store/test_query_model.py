"""Random puts and deletes, then Query pages compared with an in-memory reference model."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lamina.aws.service import AwsRequestContext
from lamina.services.dynamodb import items, query, tables
from lamina.services.dynamodb.number import format_number
from lamina.services.dynamodb.store import TableStore
from lamina.services.dynamodb.tables import Database

from .conftest import fresh

CTX = AwsRequestContext(
    service="dynamodb",
    operation="Query",
    region="us-east-1",
    account_id="123456789012",
    request_id="r",
    access_key=None,
)
numbers = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False).map(format_number)
strings = st.text(alphabet="aZé€𝄞0", min_size=1, max_size=4)
partitions = st.sampled_from(["p", "q"])
sort_keys = {"N": numbers, "S": strings}


def run(operation: tables.Operation, db: Database, **params: Any) -> dict[str, Any]:
    async def call() -> dict[str, Any]:
        return await operation(db, CTX, params)

    return asyncio.run(call())


def new_database(store: TableStore, sort_type: str) -> Database:
    fresh(store, "model")
    db = Database(
        store,
        region="us-east-1",
        account_id="123456789012",
        clock=lambda: 0.0,
    )
    run(
        tables.create_table,
        db,
        TableName="model",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": sort_type},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return db


def reference_order(sort_type: str, value: str) -> Decimal | bytes:
    return Decimal(value) if sort_type == "N" else value.encode()


def query_all(db: Database, forward: bool, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Every page of pk = "p"; the items and how many pages it took."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {
        "TableName": "model",
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "p"}},
        "ScanIndexForward": forward,
        "Limit": limit,
    }
    pages = 0
    while True:
        pages += 1
        page = run(query.query, db, **params)
        found.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return found, pages
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["N", "S"]).flatmap(
        lambda kind: st.tuples(
            st.just(kind),
            st.lists(st.tuples(st.booleans(), partitions, sort_keys[kind]), max_size=30),
        )
    ),
    st.booleans(),
    st.integers(min_value=1, max_value=7),
)
def test_query_pages_equal_reference_model(
    store: TableStore, case: tuple[str, list[tuple[bool, str, str]]], forward: bool, limit: int
) -> None:
    sort_type, operations = case
    model: dict[tuple[str, str], dict[str, Any]] = {}
    db = new_database(store, sort_type)
    for number, (is_put, pk, sk) in enumerate(operations):
        key = {"pk": {"S": pk}, "sk": {sort_type: sk}}
        if is_put:
            item = {**key, "n": {"N": str(number)}}
            run(items.put_item, db, TableName="model", Item=item)
            model[(pk, sk)] = item
        else:
            run(items.delete_item, db, TableName="model", Key=key)
            model.pop((pk, sk), None)
    found, pages = query_all(db, forward, limit)
    expected = sorted(
        (item for (pk, _), item in model.items() if pk == "p"),
        key=lambda item: reference_order(sort_type, item["sk"][sort_type]),
        reverse=not forward,
    )
    assert found == expected
    # A page that stops on Limit returns LastEvaluatedKey, even when nothing follows.
    assert pages == len(expected) // limit + 1
