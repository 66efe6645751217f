"""boto3's DynamoDB client and resource against a loopback AwsApi serving DynamoDbProvider."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import boto3
import pytest
from botocore.config import Config

from lamina.aws.credentials import CredentialStore
from lamina.aws.dispatch import AwsApi
from lamina.http.message import HttpRequest, HttpResponse
from lamina.http.server import HttpServer
from lamina.services.dynamodb.provider import DynamoDbProvider

REGION = "us-east-1"
ACCOUNT = "123456789012"
T = TypeVar("T")


class DynamoDbServer:
    """The server on its own event loop thread, so the tests can use blocking boto3."""

    def __init__(self, state_dir: Path, **provider: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.provider = DynamoDbProvider(
            state_dir=state_dir, region=REGION, account_id=ACCOUNT, **provider
        )
        self._api = AwsApi(
            [self.provider], region=REGION, account_id=ACCOUNT, credentials=CredentialStore.local()
        )
        self._server = HttpServer(self._handle)
        bound = self.run(self._server.start("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{bound[0][1]}"

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(30)

    async def _handle(self, request: HttpRequest) -> HttpResponse:
        if self._api.claims(request):
            return await self._api.handle(request)
        return HttpResponse(404, [], b"")

    async def _close_provider(self) -> None:
        self.provider.close()  # on the loop's thread, as its sweeper requires

    def _options(self) -> dict[str, Any]:
        return {
            "endpoint_url": self.url,
            "region_name": REGION,
            "aws_access_key_id": "test",
            "aws_secret_access_key": "test",
            "config": Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=30),
        }

    def client(self) -> Any:
        return boto3.client("dynamodb", **self._options())

    def resource(self) -> Any:
        return boto3.resource("dynamodb", **self._options())

    def close(self) -> None:
        self.run(self._server.stop(grace_s=1))
        self.run(self._close_provider())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[DynamoDbServer]:
    lamina = DynamoDbServer(tmp_path / "state")
    yield lamina
    lamina.close()


@pytest.fixture
def client(server: DynamoDbServer) -> Any:
    return server.client()


def create_table(client: Any, name: str, sort_type: str | None = "S", **params: Any) -> None:
    """A PAY_PER_REQUEST table keyed by pk (S) and, when sort_type is given, sk."""
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    definitions = [{"AttributeName": "pk", "AttributeType": "S"}]
    if sort_type is not None:
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
        definitions.append({"AttributeName": "sk", "AttributeType": sort_type})
    client.create_table(
        TableName=name,
        KeySchema=schema,
        AttributeDefinitions=definitions,
        BillingMode="PAY_PER_REQUEST",
        **params,
    )
