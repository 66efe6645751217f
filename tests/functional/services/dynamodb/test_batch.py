"""BatchGetItem and BatchWriteItem through boto3's client and resource.

https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import DynamoDbServer, create_table


def key(pk: str, sk: str = "s") -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def put_request(pk: str, **attributes: Any) -> dict[str, Any]:
    return {"PutRequest": {"Item": {**key(pk), **attributes}}}


def error(caught: pytest.ExceptionInfo[ClientError]) -> dict[str, Any]:
    return dict(caught.value.response["Error"])


def test_batch_write_puts_and_deletes_across_tables(client: Any) -> None:
    create_table(client, "one")
    create_table(client, "two")
    client.put_item(TableName="two", Item=key("gone"))
    answer = client.batch_write_item(
        RequestItems={
            "one": [put_request("a", n={"N": "1"}), put_request("b")],
            "two": [{"DeleteRequest": {"Key": key("gone")}}, put_request("c")],
        }
    )
    assert answer["UnprocessedItems"] == {}
    assert client.get_item(TableName="one", Key=key("a"))["Item"]["n"] == {"N": "1"}
    assert "Item" not in client.get_item(TableName="two", Key=key("gone"))
    assert client.scan(TableName="two")["Count"] == 1


def test_batch_write_duplicate_keys_write_nothing(client: Any) -> None:
    create_table(client, "dups")
    requests = [put_request("new"), put_request("a"), {"DeleteRequest": {"Key": key("a")}}]
    with pytest.raises(ClientError) as caught:
        client.batch_write_item(RequestItems={"dups": requests})
    assert error(caught) == {
        "Code": "ValidationException",
        "Message": "Provided list of item keys contains duplicates",
    }
    assert client.scan(TableName="dups")["Count"] == 0


def test_batch_write_more_than_25_requests_is_rejected(client: Any) -> None:
    create_table(client, "many")
    with pytest.raises(ClientError) as caught:
        client.batch_write_item(RequestItems={"many": [put_request(str(n)) for n in range(26)]})
    assert error(caught)["Message"] == "Too many items requested for the BatchWriteItem call"


def test_batch_write_invalid_item_writes_nothing(client: Any) -> None:
    create_table(client, "strict")
    requests = [put_request("ok"), {"PutRequest": {"Item": {"pk": {"S": "no sort key"}}}}]
    with pytest.raises(ClientError) as caught:
        client.batch_write_item(RequestItems={"strict": requests})
    assert error(caught)["Message"] == (
        "One or more parameter values were invalid: Missing the key sk in the item"
    )
    assert client.scan(TableName="strict")["Count"] == 0


def test_batch_get_returns_found_items_with_projection(client: Any) -> None:
    create_table(client, "one")
    create_table(client, "two")
    client.put_item(TableName="one", Item={**key("a"), "x": {"S": "1"}, "y": {"S": "2"}})
    client.put_item(TableName="two", Item={**key("b"), "x": {"S": "3"}})
    answer = client.batch_get_item(
        RequestItems={
            "one": {
                "Keys": [key("a"), key("missing")],
                "ProjectionExpression": "#y",
                "ExpressionAttributeNames": {"#y": "y"},
            },
            "two": {"Keys": [key("b")]},
        }
    )
    assert answer["Responses"] == {
        "one": [{"y": {"S": "2"}}],
        "two": [{**key("b"), "x": {"S": "3"}}],
    }
    assert answer["UnprocessedKeys"] == {}


def test_batch_get_limits_and_duplicates(client: Any) -> None:
    create_table(client, "limits")
    with pytest.raises(ClientError) as caught:
        client.batch_get_item(RequestItems={"limits": {"Keys": [key("a"), key("a")]}})
    assert error(caught)["Message"] == "Provided list of item keys contains duplicates"
    with pytest.raises(ClientError) as caught:
        client.batch_get_item(RequestItems={"limits": {"Keys": [key(str(n)) for n in range(101)]}})
    assert error(caught)["Message"] == "Too many items requested for the BatchGetItem call"
    with pytest.raises(ClientError) as caught:
        client.batch_get_item(RequestItems={"absent": {"Keys": [key("a")]}})
    assert error(caught)["Code"] == "ResourceNotFoundException"


def test_batch_get_past_16_mb_returns_unprocessed_keys(client: Any) -> None:
    create_table(client, "big")
    text = {"S": "x" * (390 * 1024)}
    for n in range(50):
        client.put_item(TableName="big", Item={**key(f"{n:02}"), "text": text})
    keys = [key(f"{n:02}") for n in range(50)]
    answer = client.batch_get_item(RequestItems={"big": {"Keys": keys}})
    returned = len(answer["Responses"]["big"])
    assert 40 <= returned < 50
    assert answer["UnprocessedKeys"]["big"]["Keys"] == keys[returned:]


def test_resource_batch_writer_and_batch_get(server: DynamoDbServer) -> None:
    client = server.client()
    create_table(client, "res")
    resource = server.resource()
    with resource.Table("res").batch_writer() as writer:
        for n in range(30):
            writer.put_item(Item={"pk": f"p{n}", "sk": "s", "n": n})
        writer.delete_item(Key={"pk": "p0", "sk": "s"})
    assert resource.Table("res").scan()["Count"] == 29
    answer = resource.batch_get_item(
        RequestItems={"res": {"Keys": [{"pk": "p1", "sk": "s"}, {"pk": "p0", "sk": "s"}]}}
    )
    assert answer["Responses"]["res"] == [{"pk": "p1", "sk": "s", "n": 1}]
