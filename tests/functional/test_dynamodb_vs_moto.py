"""Lamina's DynamoDB against moto's in-process mock (`mock_aws`) as a second opinion: the
same requests, including error cases and edges the AWS documentation is silent on, go to
both; each case pins Lamina's answer (AWS's, per the page cited) and whether moto gives
the same one. Where they differ, docs/fidelity/dynamodb.md ("Differences from moto")
records the difference and why Lamina answers as it does; a case whose moto answer
changes (a moto upgrade) fails here so that list stays true.

Each case gets fresh tables `tbl` (pk S) and `tsk` (pk S, sk N) on both sides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from lamina.services.dynamodb.provider import DynamoDbProvider
from tests.loopback import ACCOUNT, REGION, LoopbackServer

Client = Any
Outcome = tuple[Any, ...]


def _key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}}


def _error(code: str, message: str) -> Outcome:
    return ("error", code, message)


class Case(NamedTuple):
    run: Callable[[Client], Any]
    lamina: Outcome
    """("ok", response without ResponseMetadata) or ("error", code, message)."""
    moto_agrees: bool


# -- the requests -----------------------------------------------------------------------


def put_empty_string_key(c: Client) -> Any:
    return c.put_item(TableName="tbl", Item={"pk": {"S": ""}})


def update_updated_new(c: Client) -> Any:
    return c.update_item(
        TableName="tbl",
        Key=_key("u"),
        UpdateExpression="SET a = :a",
        ExpressionAttributeValues={":a": {"N": "1"}},
        ReturnValues="UPDATED_NEW",
    )


def condition_failed_all_old(c: Client) -> Any:
    c.put_item(TableName="tbl", Item={"pk": {"S": "c"}, "v": {"N": "1"}})
    return c.put_item(
        TableName="tbl",
        Item=_key("c"),
        ConditionExpression="attribute_not_exists(pk)",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )


def number_normalized(c: Client) -> Any:
    numbers = {"a": "1.50", "b": "-0", "d": "007", "e": "1E+2"}
    c.put_item(
        TableName="tbl", Item={"pk": {"S": "n"}, **{k: {"N": v} for k, v in numbers.items()}}
    )
    return c.get_item(TableName="tbl", Key=_key("n"))


def number_too_precise(c: Client) -> Any:
    return c.put_item(TableName="tbl", Item={"pk": {"S": "n"}, "a": {"N": "1" * 39}})


def set_duplicates(c: Client) -> Any:
    return c.put_item(TableName="tbl", Item={"pk": {"S": "s"}, "a": {"SS": ["x", "x"]}})


def set_empty(c: Client) -> Any:
    return c.put_item(TableName="tbl", Item={"pk": {"S": "s"}, "a": {"SS": []}})


def query_non_key_attribute(c: Client) -> Any:
    return c.query(
        TableName="tsk",
        KeyConditionExpression="pk = :p AND colour = :o",
        ExpressionAttributeValues={":p": {"S": "q"}, ":o": {"S": "x"}},
    )


def unused_value(c: Client) -> Any:
    return c.put_item(
        TableName="tbl",
        Item=_key("a"),
        ConditionExpression="attribute_not_exists(pk)",
        ExpressionAttributeValues={":x": {"S": "x"}},
    )


def unused_name(c: Client) -> Any:
    return c.get_item(
        TableName="tbl",
        Key=_key("a"),
        ProjectionExpression="pk",
        ExpressionAttributeNames={"#x": "x"},
    )


def reserved_word(c: Client) -> Any:
    return c.get_item(TableName="tbl", Key=_key("a"), ProjectionExpression="name")


def add_creates_the_item(c: Client) -> Any:
    return c.update_item(
        TableName="tbl",
        Key=_key("add"),
        UpdateExpression="ADD hits :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="ALL_NEW",
    )


def delete_missing_all_old(c: Client) -> Any:
    return c.delete_item(TableName="tbl", Key=_key("gone"), ReturnValues="ALL_OLD")


def batch_write_same_key_twice(c: Client) -> Any:
    requests = [{"PutRequest": {"Item": _key("x")}}, {"DeleteRequest": {"Key": _key("x")}}]
    return c.batch_write_item(RequestItems={"tbl": requests})


def batch_get_101_keys(c: Client) -> Any:
    return c.batch_get_item(RequestItems={"tbl": {"Keys": [_key(str(n)) for n in range(101)]}})


def batch_get_found_and_missing(c: Client) -> Any:
    c.put_item(TableName="tbl", Item=_key("bg"))
    return c.batch_get_item(RequestItems={"tbl": {"Keys": [_key("bg"), _key("absent")]}})


def transaction_cancelled(c: Client) -> Any:
    c.put_item(TableName="tbl", Item=_key("tx"))
    check = {
        "TableName": "tbl",
        "Key": _key("tx"),
        "ConditionExpression": "attribute_not_exists(pk)",
    }
    return c.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "tbl", "Item": _key("tx2")}},
            {"ConditionCheck": check},
        ]
    )


def describe_missing_table(c: Client) -> Any:
    return c.describe_table(TableName="nope")


def update_key_attribute(c: Client) -> Any:
    return c.update_item(
        TableName="tbl",
        Key=_key("k"),
        UpdateExpression="SET pk = :v",
        ExpressionAttributeValues={":v": {"S": "z"}},
    )


def item_over_400_kb(c: Client) -> Any:
    return c.put_item(TableName="tbl", Item={"pk": {"S": "big"}, "v": {"S": "x" * 410_000}})


def key_of_the_wrong_type(c: Client) -> Any:
    return c.get_item(TableName="tbl", Key={"pk": {"N": "1"}})


def key_missing_its_sort_key(c: Client) -> Any:
    return c.get_item(TableName="tsk", Key={"pk": {"S": "1"}})


def query_numbers_descending(c: Client) -> Any:
    for value in ("-10", "-1.5", "0", "2", "10", "1E+3"):
        c.put_item(TableName="tsk", Item={"pk": {"S": "order"}, "sk": {"N": value}})
    return c.query(
        TableName="tsk",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "order"}},
        ScanIndexForward=False,
    )


def size_of_a_number_in_a_condition(c: Client) -> Any:
    c.put_item(TableName="tbl", Item={"pk": {"S": "z"}, "n": {"N": "5"}})
    return c.put_item(
        TableName="tbl",
        Item=_key("z"),
        ConditionExpression="size(n) > :zero",
        ExpressionAttributeValues={":zero": {"N": "0"}},
    )


def begins_with_on_a_number_sort_key(c: Client) -> Any:
    return c.query(
        TableName="tsk",
        KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
        ExpressionAttributeValues={":p": {"S": "q"}, ":s": {"N": "1"}},
    )


def delete_every_member_of_a_set(c: Client) -> Any:
    c.put_item(TableName="tbl", Item={"pk": {"S": "ds"}, "s": {"SS": ["a", "b"]}})
    return c.update_item(
        TableName="tbl",
        Key=_key("ds"),
        UpdateExpression="DELETE s :v",
        ExpressionAttributeValues={":v": {"SS": ["a", "b"]}},
        ReturnValues="ALL_NEW",
    )


def null_false(c: Client) -> Any:
    return c.put_item(TableName="tbl", Item={"pk": {"S": "nul"}, "n": {"NULL": False}})


def segment_not_below_total(c: Client) -> Any:
    return c.scan(TableName="tbl", Segment=1, TotalSegments=1)


def table_name_of_one_character(c: Client) -> Any:
    return c.create_table(
        TableName="t",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )


def transaction_touching_one_item_twice(c: Client) -> Any:
    update = {
        "TableName": "tbl",
        "Key": _key("tt"),
        "UpdateExpression": "SET a = :a",
        "ExpressionAttributeValues": {":a": {"S": "x"}},
    }
    return c.transact_write_items(
        TransactItems=[{"Put": {"TableName": "tbl", "Item": _key("tt")}}, {"Update": update}]
    )


def _ordered(*numbers: str) -> Outcome:
    items = [{"pk": {"S": "order"}, "sk": {"N": n}} for n in numbers]
    return ("ok", {"Items": items, "Count": len(items), "ScannedCount": len(items)})


INVALID = "One or more parameter values were invalid: "
NO_MATCH = "The provided key element does not match the schema"
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
# https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
# https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
CASES: dict[str, Case] = {
    "put_empty_string_key": Case(
        put_empty_string_key,
        _error(
            "ValidationException",
            "One or more parameter values are not valid. The AttributeValue for a key "
            "attribute cannot contain an empty string value. Key: pk",
        ),
        False,
    ),
    # UPDATED_NEW: only the attributes the update changed; ConsumedCapacity only when asked.
    "update_updated_new": Case(
        update_updated_new, ("ok", {"Attributes": {"a": {"N": "1"}}}), False
    ),
    "condition_failed_all_old": Case(
        condition_failed_all_old,
        _error("ConditionalCheckFailedException", "The conditional request failed"),
        True,
    ),
    # Leading and trailing zeroes are trimmed (the data types page); "-0" as "0", "1E+2"
    # as "100" are Lamina's canonical form where the page is silent.
    "number_normalized": Case(
        number_normalized,
        (
            "ok",
            {
                "Item": {
                    "pk": {"S": "n"},
                    "a": {"N": "1.5"},
                    "b": {"N": "0"},
                    "d": {"N": "7"},
                    "e": {"N": "100"},
                }
            },
        ),
        False,
    ),
    "number_too_precise": Case(
        number_too_precise,
        _error(
            "ValidationException", "Attempting to store more than 38 significant digits in a Number"
        ),
        False,
    ),
    "set_duplicates": Case(
        set_duplicates,
        _error("ValidationException", INVALID + "Input collection [x, x] contains duplicates."),
        False,
    ),
    "set_empty": Case(
        set_empty, _error("ValidationException", INVALID + "An string set  may not be empty"), False
    ),
    "query_non_key_attribute": Case(
        query_non_key_attribute,
        _error("ValidationException", "Query condition missed key schema element: sk"),
        True,
    ),
    "unused_value": Case(
        unused_value,
        _error(
            "ValidationException",
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}",
        ),
        False,
    ),
    "unused_name": Case(
        unused_name,
        _error(
            "ValidationException",
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}",
        ),
        True,
    ),
    "reserved_word": Case(
        reserved_word,
        _error(
            "ValidationException",
            "Invalid ProjectionExpression: Attribute name is a reserved keyword; "
            "reserved keyword: name",
        ),
        False,
    ),
    "add_creates_the_item": Case(
        add_creates_the_item,
        ("ok", {"Attributes": {"pk": {"S": "add"}, "hits": {"N": "1"}}}),
        False,  # moto adds ConsumedCapacity nobody asked for
    ),
    "delete_missing_all_old": Case(delete_missing_all_old, ("ok", {}), True),
    "batch_write_same_key_twice": Case(
        batch_write_same_key_twice,
        _error("ValidationException", "Provided list of item keys contains duplicates"),
        False,
    ),
    "batch_get_101_keys": Case(
        batch_get_101_keys,
        _error("ValidationException", "Too many items requested for the BatchGetItem call"),
        False,
    ),
    "batch_get_found_and_missing": Case(
        batch_get_found_and_missing,
        ("ok", {"Responses": {"tbl": [{"pk": {"S": "bg"}}]}, "UnprocessedKeys": {}}),
        False,
    ),
    "transaction_cancelled": Case(
        transaction_cancelled,
        _error(
            "TransactionCanceledException",
            "Transaction cancelled, please refer cancellation reasons for specific reasons "
            "[None, ConditionalCheckFailed]",
        ),
        True,
    ),
    "describe_missing_table": Case(
        describe_missing_table,
        _error("ResourceNotFoundException", "Requested resource not found: Table: nope not found"),
        True,
    ),
    "update_key_attribute": Case(
        update_key_attribute,
        _error(
            "ValidationException",
            INVALID + "Cannot update attribute pk. This attribute is part of the key",
        ),
        True,
    ),
    "item_over_400_kb": Case(
        item_over_400_kb,
        _error("ValidationException", "Item size has exceeded the maximum allowed size"),
        True,
    ),
    "key_of_the_wrong_type": Case(
        key_of_the_wrong_type, _error("ValidationException", NO_MATCH), False
    ),
    "key_missing_its_sort_key": Case(
        key_missing_its_sort_key, _error("ValidationException", NO_MATCH), False
    ),
    "query_numbers_descending": Case(
        query_numbers_descending, _ordered("1000", "10", "2", "0", "-1.5", "-10"), False
    ),
    "size_of_a_number_in_a_condition": Case(
        size_of_a_number_in_a_condition,
        _error("ConditionalCheckFailedException", "The conditional request failed"),
        False,
    ),
    "begins_with_on_a_number_sort_key": Case(
        begins_with_on_a_number_sort_key,
        _error(
            "ValidationException",
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: N",
        ),
        False,
    ),
    "delete_every_member_of_a_set": Case(
        delete_every_member_of_a_set, ("ok", {"Attributes": {"pk": {"S": "ds"}}}), False
    ),
    "null_false": Case(
        null_false,
        _error(
            "ValidationException",
            INVALID + "Null attribute value types must have the value of true",
        ),
        False,
    ),
    "segment_not_below_total": Case(
        segment_not_below_total,
        _error(
            "ValidationException",
            "The Segment parameter is zero-based and must be less than parameter "
            "TotalSegments: Segment: 1 is not less than TotalSegments: 1",
        ),
        False,
    ),
    "table_name_of_one_character": Case(
        table_name_of_one_character,
        _error(
            "ValidationException",
            "1 validation error detected: Value 't' at 'tableName' failed to satisfy "
            "constraint: Member must have length greater than or equal to 3",
        ),
        False,
    ),
    "transaction_touching_one_item_twice": Case(
        transaction_touching_one_item_twice,
        _error(
            "ValidationException",
            "Transaction request cannot include multiple operations on one item",
        ),
        True,
    ),
}


# -- running them ------------------------------------------------------------------------


def _create_tables(c: Client) -> None:
    string_key = {"AttributeName": "pk", "AttributeType": "S"}
    c.create_table(
        TableName="tbl",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[string_key],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )
    c.create_table(
        TableName="tsk",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[string_key, {"AttributeName": "sk", "AttributeType": "N"}],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
    )


def _outcome(case: Case, c: Client) -> Outcome:
    _create_tables(c)
    try:
        answer = case.run(c)
        answer.pop("ResponseMetadata", None)
        return ("ok", answer)
    except ClientError as error:
        return (
            "error",
            error.response["Error"].get("Code"),
            error.response["Error"].get("Message"),
        )
    except Exception as error:  # moto fails on some requests with a Python exception
        return ("crash", type(error).__name__)
    finally:
        for name in c.list_tables()["TableNames"]:
            c.delete_table(TableName=name)


class _Lamina(LoopbackServer):
    def __init__(self, state_dir: Path) -> None:
        super().__init__()
        self.provider = DynamoDbProvider(state_dir=state_dir, region=REGION, account_id=ACCOUNT)
        self.serve(self.provider)

    async def _close_provider(self) -> None:
        self.provider.close()

    def release(self) -> None:
        self.run(self._close_provider())


@pytest.fixture(scope="module")
def moto_outcomes() -> dict[str, Outcome]:
    with mock_aws():
        client = boto3.client(
            "dynamodb", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
        )
        return {name: _outcome(case, client) for name, case in CASES.items()}


@pytest.fixture(scope="module")
def lamina(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    server = _Lamina(tmp_path_factory.mktemp("state"))
    yield boto3.client("dynamodb", **server.client_options())
    server.close()


@pytest.mark.parametrize("name", list(CASES))
def test_lamina_answers_as_aws_and_moto_as_recorded(
    name: str, lamina: Client, moto_outcomes: dict[str, Outcome]
) -> None:
    case = CASES[name]
    answered = _outcome(case, lamina)
    assert answered == case.lamina
    assert (moto_outcomes[name] == answered) == case.moto_agrees, moto_outcomes[name]
