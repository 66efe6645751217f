"""boto3's DynamoDB client and resource against a loopback AwsApi serving DynamoDbProvider."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from lamina.aws.credentials import CredentialStore
from lamina.aws.dispatch import AwsApi
from lamina.services.dynamodb.provider import DynamoDbProvider
from tests.loopback import REGION, LoopbackServer

from .backend import BACKENDS, Backend

ACCOUNT = "123456789012"


class DynamoDbServer(LoopbackServer):
    """The DynamoDB API over a DynamoDbProvider keeping its state in `state_dir`."""

    def __init__(self, state_dir: Path, **provider: Any) -> None:
        super().__init__()
        self.provider = DynamoDbProvider(
            state_dir=state_dir, region=REGION, account_id=ACCOUNT, **provider
        )
        self.listen(
            AwsApi(
                [self.provider],
                region=REGION,
                account_id=ACCOUNT,
                credentials=CredentialStore.local(),
            )
        )

    async def _close_provider(self) -> None:
        self.provider.close()  # on the loop's thread, as its sweeper requires

    def client(self) -> Any:
        return boto3.client("dynamodb", **self.client_options())

    def resource(self) -> Any:
        return boto3.resource("dynamodb", **self.client_options())

    def release(self) -> None:
        self.run(self._close_provider())


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """Every test using it (or `server`) runs on SQLite and on PostgreSQL."""
    chosen = Backend(request.param)
    yield chosen
    chosen.drop()


@pytest.fixture
def server(tmp_path: Path, backend: Backend) -> Iterator[DynamoDbServer]:
    lamina = DynamoDbServer(tmp_path / "state", url=backend.url)
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
