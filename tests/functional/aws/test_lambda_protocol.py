"""A rest-json service (Lambda) through AwsApi, with botocore as the oracle: what the client
serializes is what the provider receives, and what we send back is what botocore parses."""

from __future__ import annotations

import base64
from datetime import timedelta

import httpx
import pytest
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from tests.functional.aws.conftest import FUNCTION_PAIR, AwsServer, Clock, Recorder


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = excinfo.value.response
    status = response["ResponseMetadata"]["HTTPStatusCode"]
    return response["Error"]["Code"], status, response["Error"]["Message"]


def test_lambda_get_with_uri_and_query_members_parsed_and_answered(
    aws: AwsServer, recorder: Recorder
) -> None:
    client = aws.client("lambda")
    arn = "arn:aws:lambda:us-east-1:123456789012:function:my-fn"
    answer = client.list_versions_by_function(FunctionName=arn, Marker="m/1", MaxItems=5)
    assert recorder.last("ListVersionsByFunction") == {
        "FunctionName": arn,
        "Marker": "m/1",
        "MaxItems": 5,
    }
    assert answer["Versions"] == [
        {"FunctionName": arn, "Version": "1", "MemorySize": 128, "Timeout": 3}
    ]
    assert answer["NextMarker"] == "after-m/1"
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert len(answer["ResponseMetadata"]["RequestId"]) == 36


def test_lambda_post_with_json_body_blobs_and_maps_parsed(
    aws: AwsServer, recorder: Recorder
) -> None:
    client = aws.client("lambda")
    answer = client.create_function(
        FunctionName="fn",
        Runtime="python3.12",
        Role="arn:aws:iam::123456789012:role/r",
        Handler="app.handler",
        Code={"ZipFile": b"PK\x03\x04zip-bytes"},
        Environment={"Variables": {"A": "1", "B": "two"}},
        Tags={"team": "core"},
        Timeout=30,
        Publish=True,
    )
    parsed = recorder.last("CreateFunction")
    assert parsed["Code"] == {"ZipFile": b"PK\x03\x04zip-bytes"}
    assert parsed["Environment"] == {"Variables": {"A": "1", "B": "two"}}
    assert parsed["Tags"] == {"team": "core"}
    assert parsed["Timeout"] == 30 and parsed["Publish"] is True
    assert answer["CodeSize"] == len(b"PK\x03\x04zip-bytes")
    assert answer["Environment"] == {"Variables": {"A": "1", "B": "two"}}
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 201


def test_lambda_invoke_raw_payload_and_header_members_round_trip(
    aws: AwsServer, recorder: Recorder
) -> None:
    client = aws.client("lambda")
    context = base64.b64encode(b'{"custom":{"k":"v"}}').decode()
    answer = client.invoke(
        FunctionName="fn",
        Payload=b'{"x": 1}',
        InvocationType="RequestResponse",
        LogType="Tail",
        ClientContext=context,
        Qualifier="live",
    )
    assert recorder.last("Invoke") == {
        "FunctionName": "fn",
        "Payload": b'{"x": 1}',
        "InvocationType": "RequestResponse",
        "LogType": "Tail",
        "ClientContext": context,
        "Qualifier": "live",
    }
    assert answer["StatusCode"] == 200
    assert answer["Payload"].read() == b'}1 :"x"{'
    assert answer["FunctionError"] == "Unhandled"
    assert base64.b64decode(answer["LogResult"]) == b"START\nEND\n"
    assert answer["ExecutedVersion"] == "$LATEST"


def test_lambda_delete_answers_model_204_without_body(aws: AwsServer, recorder: Recorder) -> None:
    answer = aws.client("lambda").remove_permission(
        FunctionName="fn", StatementId="s1", Qualifier="2"
    )
    assert recorder.last("RemovePermission") == {
        "FunctionName": "fn",
        "StatementId": "s1",
        "Qualifier": "2",
    }
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert answer["ResponseMetadata"]["HTTPHeaders"]["content-length"] == "0"


def test_lambda_service_error_carries_code_status_type_and_message(aws: AwsServer) -> None:
    with pytest.raises(ClientError) as excinfo:
        aws.client("lambda").get_function(FunctionName="missing")
    code, status, message = _error(excinfo)
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert message == "Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing"
    assert excinfo.value.response["Type"] == "User"


def test_lambda_unimplemented_operation_named_in_501(aws: AwsServer) -> None:
    with pytest.raises(ClientError) as excinfo:
        aws.client("lambda").list_provisioned_concurrency_configs(FunctionName="fn")
    code, status, message = _error(excinfo)
    assert (code, status) == ("NotImplemented", 501)
    assert message == "Lamina does not implement lambda:ListProvisionedConcurrencyConfigs yet"


def test_lambda_handler_crash_answers_500_service_exception(aws: AwsServer) -> None:
    with pytest.raises(ClientError) as excinfo:
        aws.client("lambda").get_function_configuration(FunctionName="fn")
    code, status, message = _error(excinfo)
    request_id = excinfo.value.response["ResponseMetadata"]["RequestId"]
    assert (code, status) == ("ServiceException", 500)
    assert request_id in message
    assert excinfo.value.response["Type"] == "Service"


def test_lambda_wrong_secret_for_known_key_answers_403_invalid_signature(aws: AwsServer) -> None:
    with pytest.raises(ClientError) as excinfo:
        aws.client("lambda", "test", "not-the-secret").delete_function(FunctionName="fn")
    code, status, message = _error(excinfo)
    assert (code, status) == ("InvalidSignatureException", 403)
    assert message.startswith("The request signature we calculated does not match")


def test_lambda_function_key_pair_is_known_and_verified(aws: AwsServer, recorder: Recorder) -> None:
    aws.client("lambda", *FUNCTION_PAIR).delete_function(FunctionName="fn")
    assert recorder.calls[-1][2].access_key == FUNCTION_PAIR[0]
    with pytest.raises(ClientError):
        aws.client("lambda", FUNCTION_PAIR[0], "wrong").delete_function(FunctionName="fn")


def test_lambda_unknown_key_accepted_when_not_strict(aws: AwsServer, recorder: Recorder) -> None:
    aws.client("lambda", "AKIDSOMEONE", "whatever").delete_function(FunctionName="fn")
    assert recorder.calls[-1][2].access_key == "AKIDSOMEONE"


def test_lambda_unknown_key_refused_when_strict(strict_aws: AwsServer) -> None:
    with pytest.raises(ClientError) as excinfo:
        strict_aws.client("lambda", "AKIDSOMEONE", "x").delete_function(FunctionName="fn")
    code, status, message = _error(excinfo)
    assert (code, status) == ("UnrecognizedClientException", 403)
    assert message == "The security token included in the request is invalid."


def test_lambda_skewed_clock_answers_signature_expired(aws: AwsServer, clock: Clock) -> None:
    clock.offset = timedelta(minutes=16)
    with pytest.raises(ClientError) as excinfo:
        aws.client("lambda").delete_function(FunctionName="fn")
    code, status, message = _error(excinfo)
    assert (code, status) == ("InvalidSignatureException", 403)
    assert message.startswith("Signature expired: ")


def test_lambda_presigned_url_valid_until_it_expires(aws: AwsServer, clock: Clock) -> None:
    url = aws.client("lambda").generate_presigned_url(
        "list_versions_by_function", Params={"FunctionName": "fn"}, ExpiresIn=60
    )
    assert httpx.get(url).status_code == 200
    clock.offset = timedelta(seconds=61)
    expired = httpx.get(url)
    assert expired.status_code == 403
    assert expired.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert expired.json()["message"] == "Request has expired"


def test_lambda_presigned_url_tampered_query_refused(aws: AwsServer) -> None:
    url = aws.client("lambda").generate_presigned_url(
        "list_versions_by_function", Params={"FunctionName": "fn", "MaxItems": 1}
    )
    assert httpx.get(url.replace("MaxItems=1", "MaxItems=2")).status_code == 403
