"""A json-protocol service (DynamoDB) through the same layer: X-Amz-Target routing,
application/x-amz-json-1.0 bodies, `__type` errors."""

from __future__ import annotations

import httpx
import pytest
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from tests.functional.aws.conftest import AwsServer, Recorder

ITEM = {"pk": {"S": "k1"}, "n": {"N": "5"}, "b": {"B": b"\x00\xff"}, "l": {"L": [{"BOOL": True}]}}


def test_dynamodb_put_then_get_round_trips_item(aws: AwsServer, recorder: Recorder) -> None:
    client = aws.client("dynamodb")
    client.put_item(TableName="t", Item=ITEM)
    assert recorder.last("PutItem") == {"TableName": "t", "Item": ITEM}
    answer = client.get_item(TableName="t", Key={"pk": {"S": "k1"}}, ConsistentRead=True)
    assert recorder.last("GetItem")["ConsistentRead"] is True
    assert answer["Item"] == ITEM
    headers = answer["ResponseMetadata"]["HTTPHeaders"]
    assert headers["content-type"] == "application/x-amz-json-1.0"


def test_dynamodb_modeled_error_parsed_by_botocore(aws: AwsServer) -> None:
    client = aws.client("dynamodb")
    client.put_item(TableName="t", Item=ITEM)
    with pytest.raises(client.exceptions.ConditionalCheckFailedException) as excinfo:
        client.put_item(TableName="t", Item=ITEM, ConditionExpression="attribute_not_exists(pk)")
    assert excinfo.value.response["Error"]["Message"] == "The conditional request failed"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_dynamodb_error_type_carries_namespace(aws: AwsServer) -> None:
    client = aws.client("dynamodb")
    client.put_item(TableName="t", Item=ITEM)
    body = {"TableName": "t", "Item": {"pk": {"S": "k1"}}, "ConditionExpression": "x"}
    answer = _unsigned(aws, "DynamoDB_20120810.PutItem", body)
    assert answer.status_code == 400
    assert answer.json() == {
        "__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
        "message": "The conditional request failed",
    }


def test_dynamodb_missing_required_member_answers_validation_exception(aws: AwsServer) -> None:
    answer = _unsigned(aws, "DynamoDB_20120810.GetItem", {"TableName": "t"})
    assert answer.status_code == 400
    assert answer.json()["__type"].endswith("#ValidationException")
    assert answer.json()["message"] == (
        "1 validation error detected: Value null at 'key' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_dynamodb_wrong_member_type_answers_serialization_exception(aws: AwsServer) -> None:
    answer = _unsigned(aws, "DynamoDB_20120810.GetItem", {"TableName": 5, "Key": {}})
    assert answer.status_code == 400
    assert answer.json()["__type"].endswith("#SerializationException")


def test_dynamodb_unknown_target_operation_answers_unknown_operation(aws: AwsServer) -> None:
    answer = _unsigned(aws, "DynamoDB_20120810.Teleport", {})
    assert answer.status_code == 400
    assert answer.json()["__type"].endswith("#UnknownOperationException")


def test_dynamodb_unimplemented_operation_named(aws: AwsServer) -> None:
    with pytest.raises(ClientError) as excinfo:
        aws.client("dynamodb").list_tables()
    assert excinfo.value.response["Error"]["Code"] == "NotImplemented"
    assert excinfo.value.response["Error"]["Message"] == (
        "Lamina does not implement dynamodb:ListTables yet"
    )


def test_unsigned_request_without_target_goes_to_gateway(aws: AwsServer) -> None:
    assert httpx.post(f"{aws.url}/2015-03-31/functions/fn/invocations").status_code == 418


def test_request_signed_for_unregistered_service_goes_to_gateway(aws: AwsServer) -> None:
    with pytest.raises(ClientError) as excinfo:
        aws.client("sqs").list_queues()
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 418


def _unsigned(aws: AwsServer, target: str, body: object) -> httpx.Response:
    headers = {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0"}
    return httpx.post(aws.url + "/", json=body, headers=headers)
