"""PutItem, GetItem, UpdateItem and DeleteItem through boto3: conditions, return values,
key validation and the item size limit.

https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import create_table

KEY = {"pk": {"S": "user#1"}, "sk": {"N": "1"}}


@pytest.fixture
def table(client: Any) -> str:
    create_table(client, "items", "N")
    return "items"


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def test_put_item_then_get_item_round_trips_every_type(client: Any, table: str) -> None:
    item = {
        **KEY,
        "s": {"S": "héllo"},
        "n": {"N": "1.50"},
        "b": {"B": b"\x00\xff"},
        "flag": {"BOOL": True},
        "nothing": {"NULL": True},
        "m": {"M": {"inner": {"L": [{"S": "x"}, {"N": "2"}]}}},
        "ss": {"SS": ["a", "b"]},
        "ns": {"NS": ["1", "2"]},
        "bs": {"BS": [b"z"]},
    }
    client.put_item(TableName=table, Item=item)
    got = client.get_item(TableName=table, Key=KEY, ConsistentRead=True)["Item"]
    assert got == {**item, "n": {"N": "1.5"}}


def test_get_item_missing_returns_no_item(client: Any, table: str) -> None:
    response = client.get_item(TableName=table, Key=KEY)
    assert "Item" not in response


def test_get_item_projection_returns_named_paths(client: Any, table: str) -> None:
    item = {**KEY, "a": {"S": "1"}, "m": {"M": {"x": {"N": "1"}, "y": {"N": "2"}}}}
    client.put_item(TableName=table, Item=item)
    got = client.get_item(
        TableName=table,
        Key=KEY,
        ProjectionExpression="#m.y, a",
        ExpressionAttributeNames={"#m": "m"},
    )["Item"]
    assert got == {"a": {"S": "1"}, "m": {"M": {"y": {"N": "2"}}}}


def test_put_item_condition_fails_on_existing_item(client: Any, table: str) -> None:
    client.put_item(TableName=table, Item={**KEY, "v": {"N": "1"}})
    with pytest.raises(ClientError) as excinfo:
        client.put_item(
            TableName=table,
            Item={**KEY, "v": {"N": "2"}},
            ConditionExpression="attribute_not_exists(pk)",
        )
    assert error_of(excinfo) == (
        "ConditionalCheckFailedException",
        "The conditional request failed",
    )
    assert client.get_item(TableName=table, Key=KEY)["Item"]["v"] == {"N": "1"}


def test_put_item_return_all_old_returns_replaced_item(client: Any, table: str) -> None:
    assert "Attributes" not in client.put_item(
        TableName=table, Item={**KEY, "v": {"N": "1"}}, ReturnValues="ALL_OLD"
    )
    old = client.put_item(TableName=table, Item={**KEY, "v": {"N": "2"}}, ReturnValues="ALL_OLD")
    assert old["Attributes"] == {**KEY, "v": {"N": "1"}}


def test_put_item_return_all_new_raises_validation(client: Any, table: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.put_item(TableName=table, Item=KEY, ReturnValues="ALL_NEW")
    assert error_of(excinfo) == ("ValidationException", "Return values set to invalid value")


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            {"pk": {"S": "a"}},
            "One or more parameter values were invalid: Missing the key sk in the item",
        ),
        (
            {"pk": {"S": "a"}, "sk": {"S": "1"}},
            "One or more parameter values were invalid: Type mismatch for key sk expected: N "
            "actual: S",
        ),
        (
            {"pk": {"S": ""}, "sk": {"N": "1"}},
            "One or more parameter values are not valid. The AttributeValue for a key attribute "
            "cannot contain an empty string value. Key: pk",
        ),
    ],
)
def test_put_item_bad_key_raises_validation(
    client: Any, table: str, item: dict[str, Any], message: str
) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.put_item(TableName=table, Item=item)
    assert error_of(excinfo) == ("ValidationException", message)


@pytest.mark.parametrize(
    "key",
    [{"pk": {"S": "a"}}, {"pk": {"S": "a"}, "sk": {"S": "1"}}, {**KEY, "extra": {"S": "x"}}],
)
def test_get_item_key_not_matching_schema_raises_validation(
    client: Any, table: str, key: dict[str, Any]
) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.get_item(TableName=table, Key=key)
    assert error_of(excinfo) == (
        "ValidationException",
        "The provided key element does not match the schema",
    )


def test_put_item_over_400_kb_raises_validation(client: Any, table: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.put_item(TableName=table, Item={**KEY, "big": {"S": "x" * (400 * 1024)}})
    assert error_of(excinfo) == (
        "ValidationException",
        "Item size has exceeded the maximum allowed size",
    )


def test_update_item_creates_item_and_returns_updated_new(client: Any, table: str) -> None:
    response = client.update_item(
        TableName=table,
        Key=KEY,
        UpdateExpression="SET #c = if_not_exists(#c, :zero) + :one, tags = :tags",
        ExpressionAttributeNames={"#c": "count"},
        ExpressionAttributeValues={":zero": {"N": "0"}, ":one": {"N": "1"}, ":tags": {"SS": ["a"]}},
        ReturnValues="UPDATED_NEW",
    )
    assert response["Attributes"] == {"count": {"N": "1"}, "tags": {"SS": ["a"]}}
    assert client.get_item(TableName=table, Key=KEY)["Item"] == {
        **KEY,
        "count": {"N": "1"},
        "tags": {"SS": ["a"]},
    }


def test_update_item_return_values_old_and_new(client: Any, table: str) -> None:
    client.put_item(TableName=table, Item={**KEY, "a": {"N": "1"}, "b": {"S": "keep"}})
    update = {
        "TableName": table,
        "Key": KEY,
        "UpdateExpression": "SET a = a + :d REMOVE c",
        "ExpressionAttributeValues": {":d": {"N": "10"}},
    }
    assert client.update_item(**update, ReturnValues="UPDATED_OLD")["Attributes"] == {
        "a": {"N": "1"}
    }
    assert client.update_item(**update, ReturnValues="ALL_OLD")["Attributes"] == {
        **KEY,
        "a": {"N": "11"},
        "b": {"S": "keep"},
    }
    assert client.update_item(**update, ReturnValues="ALL_NEW")["Attributes"] == {
        **KEY,
        "a": {"N": "31"},
        "b": {"S": "keep"},
    }
    assert "Attributes" not in client.update_item(**update)


def test_update_item_key_attribute_raises_validation(client: Any, table: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.update_item(
            TableName=table,
            Key=KEY,
            UpdateExpression="SET sk = :v",
            ExpressionAttributeValues={":v": {"N": "2"}},
        )
    assert error_of(excinfo) == (
        "ValidationException",
        "One or more parameter values were invalid: Cannot update attribute sk. This attribute "
        "is part of the key",
    )


def test_update_item_condition_failure_returns_old_item_when_asked(client: Any, table: str) -> None:
    client.put_item(TableName=table, Item={**KEY, "v": {"N": "5"}})
    with pytest.raises(ClientError) as excinfo:
        client.update_item(
            TableName=table,
            Key=KEY,
            UpdateExpression="SET v = :new",
            ConditionExpression="v = :expected",
            ExpressionAttributeValues={":new": {"N": "6"}, ":expected": {"N": "4"}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert excinfo.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert excinfo.value.response["Item"] == {**KEY, "v": {"N": "5"}}


def test_update_item_unused_value_raises_validation(client: Any, table: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.update_item(
            TableName=table,
            Key=KEY,
            UpdateExpression="SET v = :v",
            ExpressionAttributeValues={":v": {"N": "1"}, ":spare": {"N": "2"}},
        )
    assert error_of(excinfo) == (
        "ValidationException",
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:spare}",
    )


def test_delete_item_condition_and_all_old(client: Any, table: str) -> None:
    client.put_item(TableName=table, Item={**KEY, "v": {"N": "1"}})
    with pytest.raises(ClientError) as excinfo:
        client.delete_item(
            TableName=table,
            Key=KEY,
            ConditionExpression="v > :min",
            ExpressionAttributeValues={":min": {"N": "1"}},
        )
    assert error_of(excinfo)[0] == "ConditionalCheckFailedException"
    old = client.delete_item(TableName=table, Key=KEY, ReturnValues="ALL_OLD")
    assert old["Attributes"] == {**KEY, "v": {"N": "1"}}
    assert "Item" not in client.get_item(TableName=table, Key=KEY)


def test_resource_table_api_round_trips_python_values(server: Any, client: Any) -> None:
    create_table(client, "resourceitems", "N")
    table = server.resource().Table("resourceitems")
    table.put_item(Item={"pk": "a", "sk": 1, "price": Decimal("9.99"), "tags": {"x", "y"}})
    table.update_item(
        Key={"pk": "a", "sk": 1},
        UpdateExpression="ADD tags :t",
        ExpressionAttributeValues={":t": {"z"}},
    )
    item = table.get_item(Key={"pk": "a", "sk": 1})["Item"]
    assert item == {"pk": "a", "sk": Decimal(1), "price": Decimal("9.99"), "tags": {"x", "y", "z"}}
    table.delete_item(Key={"pk": "a", "sk": 1})
    assert "Item" not in table.get_item(Key={"pk": "a", "sk": 1})
