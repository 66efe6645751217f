"""The Lambda API end to end: boto3 → AwsApi → LambdaProvider → real workers."""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import ACCOUNT, REGION, create, zipped

ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fn"

REVISION = """
def handler(event, context):
    return {{"revision": {revision!r}, "arn": context.invoked_function_arn,
             "version": context.function_version}}
"""
SLEEP = """
import time
def handler(event, context):
    time.sleep(event.get("seconds", 0.5))
    return "slept"
"""
NOISY = """
def handler(event, context):
    print("x" * 100 + " line")
    if event.get("fail"):
        raise ValueError("nope")
    return {"custom": context.client_context.custom if context.client_context else None}
"""


def _invoke(client: Any, qualifier: str | None = None, **params: Any) -> dict[str, Any]:
    if qualifier:
        params["Qualifier"] = qualifier
    response: dict[str, Any] = client.invoke(FunctionName="fn", Payload=b"{}", **params)
    response["Body"] = json.loads(response["Payload"].read() or b"null")
    return response


def _error(raised: pytest.ExceptionInfo[ClientError]) -> dict[str, Any]:
    error: dict[str, Any] = raised.value.response["Error"]
    return error


def test_create_invoke_update_publish_and_weighted_alias(client: Any) -> None:
    created = create(client, "fn", REVISION.format(revision="one"))
    assert created["FunctionArn"] == ARN
    first = _invoke(client)
    assert first["StatusCode"] == 200
    assert first["ExecutedVersion"] == "$LATEST"
    assert first["Body"] == {"revision": "one", "arn": ARN, "version": "$LATEST"}
    client.publish_version(FunctionName="fn")
    code = zipped(REVISION.format(revision="two"))
    client.update_function_code(FunctionName="fn", ZipFile=code)
    assert _invoke(client)["Body"]["revision"] == "two"
    assert client.publish_version(FunctionName="fn")["Version"] == "2"
    pinned = _invoke(client, "1")
    assert (pinned["Body"]["revision"], pinned["ExecutedVersion"]) == ("one", "1")
    client.create_alias(
        FunctionName="fn",
        Name="live",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}},
    )
    answers = [_invoke(client, "live") for _ in range(40)]
    assert {a["ExecutedVersion"] for a in answers} == {"1", "2"}
    assert {a["Body"]["arn"] for a in answers} == {f"{ARN}:live"}
    assert all(
        a["Body"]["revision"] == {"1": "one", "2": "two"}[a["ExecutedVersion"]] for a in answers
    )


def test_invoke_log_tail_and_unhandled_error(client: Any) -> None:
    create(client, "fn", NOISY)
    ok = _invoke(client, LogType="Tail")
    log = base64.b64decode(ok["LogResult"]).decode()
    assert "line" in log and "REPORT RequestId:" in log
    failed = client.invoke(FunctionName="fn", Payload=b'{"fail": true}', LogType="Tail")
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorType"] == "ValueError"
    assert len(base64.b64decode(failed["LogResult"])) <= 4096


def test_invoke_passes_client_context(client: Any) -> None:
    create(client, "fn", NOISY)
    context = base64.b64encode(json.dumps({"custom": {"k": "v"}}).encode()).decode()
    assert _invoke(client, ClientContext=context)["Body"] == {"custom": {"k": "v"}}


def test_invoke_dry_run_and_event_status_codes(client: Any) -> None:
    create(client, "fn", NOISY)
    assert client.invoke(FunctionName="fn", InvocationType="DryRun")["StatusCode"] == 204
    assert client.invoke(FunctionName="fn", InvocationType="Event")["StatusCode"] == 202
    with pytest.raises(ClientError) as raised:
        client.invoke(FunctionName="fn", InvocationType="Event", Payload=b"1" * 1_048_577)
    assert _error(raised)["Code"] == "RequestTooLargeException"


def test_reserved_zero_throttles_with_429(client: Any) -> None:
    create(client, "fn", SLEEP)
    client.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as raised:
        _invoke(client)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert _error(raised)["Code"] == "TooManyRequestsException"
    assert raised.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"


def test_reserved_one_throttles_one_of_two_concurrent_calls(client: Any, server: Any) -> None:
    create(client, "fn", SLEEP)
    client.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=1)
    outcomes: list[str] = []
    # Clients are made first: under load, making one can take longer than the sleep.
    clients = [server.client(), server.client()]

    def call(lambda_client: Any) -> None:
        try:
            response = lambda_client.invoke(FunctionName="fn", Payload=b'{"seconds": 2}')
            outcomes.append(json.loads(response["Payload"].read()))
        except ClientError as error:
            outcomes.append(error.response["Error"]["Code"])

    threads = [threading.Thread(target=call, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
        time.sleep(0.3)
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["TooManyRequestsException", "slept"]


def test_delete_function_then_invoke_is_not_found(client: Any) -> None:
    create(client, "fn", SLEEP)
    client.delete_function(FunctionName="fn")
    with pytest.raises(ClientError) as raised:
        _invoke(client)
    assert _error(raised)["Code"] == "ResourceNotFoundException"
    assert _error(raised)["Message"] == f"Function not found: {ARN}"


def test_permission_policy_round_trip(client: Any) -> None:
    create(client, "fn", SLEEP)
    client.add_permission(
        FunctionName="fn",
        StatementId="api",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc/*/GET/hello",
    )
    policy = json.loads(client.get_policy(FunctionName="fn")["Policy"])
    assert policy["Statement"][0]["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert policy["Statement"][0]["Resource"] == ARN
    client.remove_permission(FunctionName="fn", StatementId="api")
    with pytest.raises(ClientError) as raised:
        client.get_policy(FunctionName="fn")
    assert _error(raised)["Code"] == "ResourceNotFoundException"


def test_get_function_and_list_shapes_parse_in_boto3(client: Any) -> None:
    create(client, "fn", SLEEP, Environment={"Variables": {"A": "1"}})
    got = client.get_function(FunctionName="fn")
    assert got["Configuration"]["Environment"] == {"Variables": {"A": "1"}}
    assert got["Code"]["RepositoryType"] == "S3"
    listed = client.list_functions()["Functions"]
    assert [f["FunctionName"] for f in listed] == ["fn"]
    settings = client.get_account_settings()
    assert settings["AccountUsage"]["FunctionCount"] == 1
