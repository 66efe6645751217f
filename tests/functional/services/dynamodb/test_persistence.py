"""Tables and items survive a restart: a new provider on the same state dir sees them."""

from __future__ import annotations

from pathlib import Path

from .backend import Backend
from .conftest import DynamoDbServer, create_table


def test_tables_and_items_survive_provider_restart(tmp_path: Path, backend: Backend) -> None:
    state = tmp_path / "state"
    first = DynamoDbServer(state, url=backend.url)
    client = first.client()
    create_table(client, "durable", "N")
    client.put_item(TableName="durable", Item={"pk": {"S": "a"}, "sk": {"N": "2"}})
    client.put_item(TableName="durable", Item={"pk": {"S": "a"}, "sk": {"N": "10"}})
    created = client.describe_table(TableName="durable")["Table"]
    first.close()
    # The SQLite store keeps its file under the state dir; PostgreSQL keeps nothing there.
    assert (state / "dynamodb.sqlite3").exists() == (backend.kind == "sqlite")

    second = DynamoDbServer(state, url=backend.url)
    try:
        client = second.client()
        table = client.describe_table(TableName="durable")["Table"]
        assert table["KeySchema"] == created["KeySchema"]
        assert table["CreationDateTime"] == created["CreationDateTime"]
        assert table["ItemCount"] == 2
        found = client.query(
            TableName="durable",
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "a"}},
        )
        assert [item["sk"]["N"] for item in found["Items"]] == ["2", "10"]
    finally:
        second.close()
