"""boto3's API Gateway client against a loopback AwsApi serving ApiGatewayProvider, on each
Store backend: SQLite in the test's folder and PostgreSQL (the server at 127.0.0.1:5432,
or LAMINA_TEST_POSTGRES_URL) in a schema of the test's own, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from lamina.core.store import Store
from lamina.core.store_open import open_store
from lamina.core.store_postgres import drop_schema
from lamina.services.apigateway.provider import ApiGatewayProvider
from tests.clock import ManualClock as Clock
from tests.loopback import REGION, LoopbackServer

ACCOUNT = "123456789012"
POSTGRES_URL = os.environ.get(
    "LAMINA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


class ApiGatewayServer(LoopbackServer):
    def __init__(self, store: Store, clock: Clock) -> None:
        super().__init__()
        self.changes: list[str] = []
        self.store = store
        self.provider = ApiGatewayProvider(
            store=store,
            region=REGION,
            account_id=ACCOUNT,
            clock=clock,
            on_change=self.changes.append,
        )
        self.serve(self.provider)

    def client(self) -> Any:
        return boto3.client("apigateway", **self.client_options())


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        opened = open_store(None, tmp_path)
        yield opened
        opened.close()
        return
    schema = f"lamina_test_apigw_{uuid.uuid4().hex[:12]}"
    opened = open_store(f"{POSTGRES_URL}?schema={schema}", tmp_path)
    try:
        yield opened
    finally:
        opened.close()
        drop_schema(POSTGRES_URL, schema)


@pytest.fixture
def server(store: Store, clock: Clock) -> Iterator[ApiGatewayServer]:
    served = ApiGatewayServer(store, clock)
    yield served
    served.close()


@pytest.fixture
def apigw(server: ApiGatewayServer) -> Any:
    return server.client()


@pytest.fixture
def api(apigw: Any) -> dict[str, Any]:
    """A fresh REST API (CreateRestApi's answer)."""
    return apigw.create_rest_api(name="pets")  # type: ignore[no-any-return]
