"""Random puts, updates and deletes, then GSI Query pages and index Scans compared with a
reference model: sparse entries, index sort order with ties in table key order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lamina.services.dynamodb import items, query, tables
from lamina.services.dynamodb.store import TableStore
from lamina.services.dynamodb.tables import Database

from .conftest import fresh
from .test_query_model import run

operations = st.lists(
    st.tuples(
        st.sampled_from(["put", "update", "delete"]),
        st.sampled_from(["a", "b", "c", "d"]),
        st.one_of(st.none(), st.sampled_from(["x", "y"])),
        st.integers(min_value=-2, max_value=2),
    ),
    max_size=30,
)


def new_database(store: TableStore) -> Database:
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
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
            {"AttributeName": "r", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[
            {
                "IndexName": "gsi",
                "KeySchema": [
                    {"AttributeName": "g", "KeyType": "HASH"},
                    {"AttributeName": "r", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )
    return db


def apply(
    db: Database, model: dict[str, dict[str, Any]], step: tuple[str, str, str | None, int]
) -> None:
    kind, pk, group, rank = step
    key = {"pk": {"S": pk}}
    if kind == "delete":
        run(items.delete_item, db, TableName="model", Key=key)
        model.pop(pk, None)
        return
    item: dict[str, Any] = {**key, "r": {"N": str(rank)}, "other": {"S": "dropped"}}
    if group is not None:
        item["g"] = {"S": group}
    if kind == "put":
        run(items.put_item, db, TableName="model", Item=item)
        model[pk] = item
        return
    update, names = "SET r = :r", {":r": item["r"]}
    if group is None:
        update += " REMOVE g"
    else:
        update, names = update + ", g = :g", {**names, ":g": item["g"]}
    run(
        items.update_item,
        db,
        TableName="model",
        Key=key,
        UpdateExpression=update,
        ExpressionAttributeValues=names,
    )
    model[pk] = {**model.get(pk, key), **item}
    if group is None:
        model[pk].pop("g", None)


def read_all(db: Database, operation: Any, limit: int, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    params = {"TableName": "model", "IndexName": "gsi", "Limit": limit, **params}
    while True:
        page = run(operation, db, **params)
        found.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return found
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@settings(max_examples=40, deadline=None)
@given(operations, st.booleans(), st.integers(min_value=1, max_value=5))
def test_gsi_reads_equal_reference_model(
    store: TableStore, steps: list[tuple[str, str, str | None, int]], forward: bool, limit: int
) -> None:
    model: dict[str, dict[str, Any]] = {}
    db = new_database(store)
    for step in steps:
        apply(db, model, step)
    queried = read_all(
        db,
        query.query,
        limit,
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "x"}},
        ScanIndexForward=forward,
    )
    scanned = read_all(db, query.scan, limit)
    entries = [
        {name: item[name] for name in ("pk", "g", "r")} for item in model.values() if "g" in item
    ]
    expected = sorted(
        (entry for entry in entries if entry["g"] == {"S": "x"}),
        key=lambda entry: (Decimal(entry["r"]["N"]), entry["pk"]["S"]),
        reverse=not forward,
    )
    assert queried == expected
    assert sorted(scanned, key=repr) == sorted(entries, key=repr)
