"""Query and Scan through boto3: key order, pagination, filters, COUNT, parallel scan.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.html
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Scan.html
"""

from __future__ import annotations

from typing import Any

import pytest
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from .conftest import create_table

NUMBERS = ["-10", "-1.5", "0", "0.25", "2", "10", "100"]


def put_numbers(client: Any, table: str) -> None:
    for value in reversed(NUMBERS):
        item = {"pk": {"S": "p"}, "sk": {"N": value}, "odd": {"BOOL": value in ("-1.5", "2")}}
        client.put_item(TableName=table, Item=item)
    client.put_item(TableName=table, Item={"pk": {"S": "other"}, "sk": {"N": "1"}})


def sort_values(items: list[dict[str, Any]]) -> list[str]:
    return [next(iter(item["sk"].values())) for item in items]


def query(client: Any, table: str, condition: str = "pk = :p", **params: Any) -> Any:
    values = {":p": {"S": "p"}, **params.pop("values", {})}
    return client.query(
        TableName=table,
        KeyConditionExpression=condition,
        ExpressionAttributeValues=values,
        **params,
    )


def test_query_numeric_sort_key_orders_numerically_both_ways(client: Any) -> None:
    create_table(client, "numeric", "N")
    put_numbers(client, "numeric")
    assert sort_values(query(client, "numeric")["Items"]) == NUMBERS
    backwards = query(client, "numeric", ScanIndexForward=False)
    assert sort_values(backwards["Items"]) == NUMBERS[::-1]


def test_query_string_sort_key_orders_by_utf8_bytes(client: Any) -> None:
    create_table(client, "strings", "S")
    # By UTF-8 bytes: "B" < "a" < "z" < "é" < "😀" (U+FFFF code units would differ).
    for value in ["😀", "é", "z", "a", "B"]:
        client.put_item(TableName="strings", Item={"pk": {"S": "p"}, "sk": {"S": value}})
    assert sort_values(query(client, "strings")["Items"]) == ["B", "a", "z", "é", "😀"]


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        ("sk = :a", {":a": {"N": "0.25"}}, ["0.25"]),
        ("sk < :a", {":a": {"N": "0"}}, ["-10", "-1.5"]),
        ("sk <= :a", {":a": {"N": "0"}}, ["-10", "-1.5", "0"]),
        ("sk > :a", {":a": {"N": "2"}}, ["10", "100"]),
        ("sk >= :a", {":a": {"N": "2"}}, ["2", "10", "100"]),
        (
            "sk BETWEEN :a AND :b",
            {":a": {"N": "-1.5"}, ":b": {"N": "2"}},
            ["-1.5", "0", "0.25", "2"],
        ),
    ],
)
def test_query_sort_key_conditions_select_range(
    client: Any, condition: str, values: dict[str, Any], expected: list[str]
) -> None:
    create_table(client, "ranges", "N")
    put_numbers(client, "ranges")
    found = query(client, "ranges", f"pk = :p AND {condition}", values=values)
    assert sort_values(found["Items"]) == expected


def test_query_begins_with_on_string_sort_key(client: Any) -> None:
    create_table(client, "prefixed", "S")
    for value in ["order#1", "order#2", "orders", "profile"]:
        client.put_item(TableName="prefixed", Item={"pk": {"S": "p"}, "sk": {"S": value}})
    found = query(
        client, "prefixed", "pk = :p AND begins_with(sk, :x)", values={":x": {"S": "order#"}}
    )
    assert sort_values(found["Items"]) == ["order#1", "order#2"]


def test_query_limit_pages_with_last_evaluated_key(client: Any) -> None:
    create_table(client, "paged", "N")
    put_numbers(client, "paged")
    first = query(client, "paged", Limit=3)
    assert sort_values(first["Items"]) == NUMBERS[:3]
    assert first["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"N": "0"}}
    second = query(client, "paged", Limit=3, ExclusiveStartKey=first["LastEvaluatedKey"])
    assert sort_values(second["Items"]) == NUMBERS[3:6]
    pages = client.get_paginator("query").paginate(
        TableName="paged",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        PaginationConfig={"PageSize": 2},
    )
    assert [v for page in pages for v in sort_values(page["Items"])] == NUMBERS


def test_query_filter_applies_after_limit(client: Any) -> None:
    create_table(client, "filtered", "N")
    put_numbers(client, "filtered")
    found = query(
        client, "filtered", Limit=4, FilterExpression="odd = :t", values={":t": {"BOOL": True}}
    )
    # Limit counts the 4 items read; only -1.5 among them passes the filter.
    assert sort_values(found["Items"]) == ["-1.5"]
    assert (found["Count"], found["ScannedCount"]) == (1, 4)
    assert "LastEvaluatedKey" in found


def test_query_select_count_returns_no_items(client: Any) -> None:
    create_table(client, "counting", "N")
    put_numbers(client, "counting")
    found = query(client, "counting", Select="COUNT")
    assert "Items" not in found
    assert found["Count"] == len(NUMBERS)


def test_query_pages_stop_at_one_megabyte(client: Any) -> None:
    create_table(client, "large", "N")
    for number in range(5):
        item = {"pk": {"S": "p"}, "sk": {"N": str(number)}, "blob": {"S": "x" * 300_000}}
        client.put_item(TableName="large", Item=item)
    # The fourth 300 KB item takes the page past 1 MB, so the page ends there.
    first = query(client, "large")
    assert sort_values(first["Items"]) == ["0", "1", "2", "3"]
    assert first["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"N": "3"}}
    second = query(client, "large", ExclusiveStartKey=first["LastEvaluatedKey"])
    assert sort_values(second["Items"]) == ["4"]
    assert "LastEvaluatedKey" not in second


def test_query_without_partition_key_raises_validation(client: Any) -> None:
    create_table(client, "mistakes", "N")
    with pytest.raises(ClientError) as excinfo:
        client.query(
            TableName="mistakes",
            KeyConditionExpression="sk = :s",
            ExpressionAttributeValues={":s": {"N": "1"}},
        )
    assert excinfo.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "Query condition missed key schema element: pk",
    }


def test_query_partition_value_of_wrong_type_raises_validation(client: Any) -> None:
    create_table(client, "mistyped", "N")
    with pytest.raises(ClientError) as excinfo:
        query(client, "mistyped", values={":p": {"N": "1"}})
    assert excinfo.value.response["Error"]["Message"] == (
        "One or more parameter values were invalid: Condition parameter type does not match "
        "schema type"
    )


def test_scan_filter_limit_and_pagination(client: Any) -> None:
    create_table(client, "scanned", "N")
    put_numbers(client, "scanned")
    pages = client.get_paginator("scan").paginate(
        TableName="scanned",
        FilterExpression="odd = :t",
        ExpressionAttributeValues={":t": {"BOOL": True}},
        PaginationConfig={"PageSize": 3},
    )
    assert sorted(v for page in pages for v in sort_values(page["Items"])) == ["-1.5", "2"]
    everything = client.scan(TableName="scanned")
    assert everything["Count"] == len(NUMBERS) + 1


def test_scan_segments_partition_the_table(client: Any) -> None:
    create_table(client, "segmented", None)
    for number in range(40):
        client.put_item(TableName="segmented", Item={"pk": {"S": f"k{number}"}})
    seen = [
        item["pk"]["S"]
        for segment in range(3)
        for item in client.scan(TableName="segmented", Segment=segment, TotalSegments=3)["Items"]
    ]
    assert sorted(seen) == sorted(f"k{number}" for number in range(40))
    with pytest.raises(ClientError) as excinfo:
        client.scan(TableName="segmented", Segment=3, TotalSegments=3)
    assert excinfo.value.response["Error"]["Message"] == (
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
        "Segment: 3 is not less than TotalSegments: 3"
    )


def test_resource_query_and_scan_with_conditions(server: Any, client: Any) -> None:
    create_table(client, "resourcequery", "N")
    put_numbers(client, "resourcequery")
    table = server.resource().Table("resourcequery")
    found = table.query(KeyConditionExpression=Key("pk").eq("p") & Key("sk").between(0, 10))
    assert [str(item["sk"]) for item in found["Items"]] == ["0", "0.25", "2", "10"]
    scanned = table.scan(FilterExpression=Attr("odd").eq(True))
    assert sorted(str(item["sk"]) for item in scanned["Items"]) == ["-1.5", "2"]
