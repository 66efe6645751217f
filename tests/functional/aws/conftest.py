"""A real loopback server answering AWS APIs through AwsApi, with fake providers that echo
what the protocol layer parsed, and botocore clients pointed at it."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.session  # type: ignore[import-untyped]
import pytest

from lamina.aws.credentials import CredentialStore
from lamina.aws.dispatch import AwsApi
from lamina.aws.service import AwsRequestContext, Handler, ServiceError
from lamina.http.message import HttpResponse
from tests.loopback import LoopbackServer

REGION = "us-east-1"
ACCOUNT = "123456789012"
FUNCTION_PAIR = ("AKIDLAMINALOCAL", "lamina-local-secret")


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any], AwsRequestContext]] = []

    def last(self, operation: str) -> dict[str, Any]:
        for name, parsed, _ in reversed(self.calls):
            if name == operation:
                return dict(parsed)
        raise AssertionError(f"{operation} was not called")


class FakeLambda:
    """A few Lambda operations that echo their parsed input."""

    service_name = "lambda"

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder

    def handlers(self) -> dict[str, Handler]:
        return {
            "ListVersionsByFunction": self._record(self._list_versions),
            "CreateFunction": self._record(self._create_function),
            "Invoke": self._record(self._invoke),
            "DeleteFunction": self._record(self._empty),
            "RemovePermission": self._record(self._empty),
            "GetFunction": self._record(self._not_found),
            "GetFunctionConfiguration": self._record(self._crash),
        }

    def _record(self, handler: Handler) -> Handler:
        async def recorded(context: AwsRequestContext, parsed: dict[str, Any]) -> dict[str, Any]:
            self._recorder.calls.append((context.operation, parsed, context))
            return await handler(context, parsed)

        return recorded

    async def _list_versions(self, context: AwsRequestContext, parsed: dict[str, Any]) -> Any:
        name = parsed["FunctionName"]
        version = {"FunctionName": name, "Version": "1", "MemorySize": 128, "Timeout": 3}
        return {"Versions": [version], "NextMarker": f"after-{parsed.get('Marker')}"}

    async def _create_function(self, context: AwsRequestContext, parsed: dict[str, Any]) -> Any:
        return {
            "FunctionName": parsed["FunctionName"],
            "CodeSize": len(parsed["Code"]["ZipFile"]),
            "Environment": parsed.get("Environment", {}),
            "State": "Active",
        }

    async def _invoke(self, context: AwsRequestContext, parsed: dict[str, Any]) -> Any:
        return {
            "StatusCode": 200,
            "Payload": parsed.get("Payload", b"")[::-1],
            "FunctionError": "Unhandled",
            "LogResult": base64.b64encode(b"START\nEND\n").decode(),
            "ExecutedVersion": "$LATEST",
        }

    async def _empty(self, context: AwsRequestContext, parsed: dict[str, Any]) -> Any:
        return {}

    async def _not_found(self, context: AwsRequestContext, parsed: dict[str, Any]) -> Any:
        name = parsed["FunctionName"]
        arn = f"arn:aws:lambda:{context.region}:{context.account_id}:function:{name}"
        raise ServiceError("ResourceNotFoundException", f"Function not found: {arn}")

    async def _crash(self, context: AwsRequestContext, parsed: dict[str, Any]) -> Any:
        raise RuntimeError("provider bug")


class FakeDynamoDB:
    """PutItem / GetItem over a dict: a json-protocol service through the same layer."""

    service_name = "dynamodb"
    error_namespace = "com.amazonaws.dynamodb.v20120810"

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder
        self.items: dict[str, dict[str, Any]] = {}

    def handlers(self) -> dict[str, Handler]:
        return {"PutItem": self._put_item, "GetItem": self._get_item}

    async def _put_item(self, context: AwsRequestContext, parsed: dict[str, Any]) -> Any:
        self._recorder.calls.append((context.operation, parsed, context))
        key = parsed["Item"]["pk"]["S"]
        if parsed.get("ConditionExpression") and key in self.items:
            raise ServiceError("ConditionalCheckFailedException", "The conditional request failed")
        self.items[key] = parsed["Item"]
        return {}

    async def _get_item(self, context: AwsRequestContext, parsed: dict[str, Any]) -> Any:
        self._recorder.calls.append((context.operation, parsed, context))
        item = self.items.get(parsed["Key"]["pk"]["S"])
        return {} if item is None else {"Item": item}


class FakeQueryServices:
    """STS and IAM operations: the query protocol through the same layer."""

    def __init__(self, service: str, recorder: Recorder) -> None:
        self.service_name = service
        self._recorder = recorder

    def handlers(self) -> dict[str, Handler]:
        if self.service_name == "sts":
            return {
                "GetCallerIdentity": self._caller,
                "AssumeRoleWithWebIdentity": self._assume,
            }
        return {"CreateUser": self._create_user, "GetUser": self._no_user}

    async def _caller(self, context: AwsRequestContext, parsed: dict[str, Any]) -> Any:
        arn = f"arn:aws:iam::{context.account_id}:user/{context.access_key}"
        return {"UserId": context.access_key, "Account": context.account_id, "Arn": arn}

    async def _assume(self, context: AwsRequestContext, parsed: dict[str, Any]) -> Any:
        self._recorder.calls.append((context.operation, parsed, context))
        expiry = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
        credentials = {
            "AccessKeyId": "ASIAX",
            "SecretAccessKey": "s",
            "SessionToken": "t<&>",
            "Expiration": expiry,
        }
        return {"Credentials": credentials, "SubjectFromWebIdentityToken": "sub"}

    async def _create_user(self, context: AwsRequestContext, parsed: dict[str, Any]) -> Any:
        self._recorder.calls.append((context.operation, parsed, context))
        user = {
            "UserName": parsed["UserName"],
            "Path": "/",
            "UserId": "AIDA1",
            "Arn": "arn:aws:iam::123456789012:user/u",
            "CreateDate": datetime(2024, 1, 1, tzinfo=UTC),
            "Tags": parsed.get("Tags", []),
        }
        return {"User": user}

    async def _no_user(self, context: AwsRequestContext, parsed: dict[str, Any]) -> Any:
        raise ServiceError("NoSuchEntityException", f"The user {parsed['UserName']} is unknown.")


class Clock:
    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


class AwsServer(LoopbackServer):
    """``api`` on a loopback server; what it does not claim answers 418 "gateway"."""

    def __init__(self, api: AwsApi) -> None:
        super().__init__()
        self.listen(api)

    def unclaimed(self) -> HttpResponse:
        return HttpResponse(418, [], b"gateway")

    def client(self, service: str, key: str = "test", secret: str = "test") -> Any:
        options = self.client_options(read_timeout=None)
        options.update(aws_access_key_id=key, aws_secret_access_key=secret)
        return botocore.session.get_session().create_client(service, **options)


def _server(recorder: Recorder, clock: Clock, *, strict: bool) -> AwsServer:
    api = AwsApi(
        [
            FakeLambda(recorder),
            FakeDynamoDB(recorder),
            FakeQueryServices("sts", recorder),
            FakeQueryServices("iam", recorder),
        ],
        region=REGION,
        account_id=ACCOUNT,
        credentials=CredentialStore.local([FUNCTION_PAIR], strict=strict),
        clock=clock,
    )
    return AwsServer(api)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def aws(recorder: Recorder, clock: Clock) -> Iterator[AwsServer]:
    server = _server(recorder, clock, strict=False)
    yield server
    server.close()


@pytest.fixture
def strict_aws(recorder: Recorder, clock: Clock) -> Iterator[AwsServer]:
    server = _server(recorder, clock, strict=True)
    yield server
    server.close()
