"""boto3's apigatewayv2 client against a loopback AwsApi serving ApiGatewayV2Provider, on
each Store backend: SQLite in the test's folder and PostgreSQL (the server at
127.0.0.1:5432, or LAMINA_TEST_POSTGRES_URL) in a schema of the test's own, dropped after."""

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
from lamina.services.apigatewayv2.provider import ApiGatewayV2Provider
from tests.clock import ManualClock as Clock
from tests.loopback import ACCOUNT, REGION, LoopbackServer

FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:hello"
POSTGRES_URL = os.environ.get(
    "LAMINA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


class ApiGatewayV2Server(LoopbackServer):
    def __init__(self, store: Store, clock: Clock) -> None:
        super().__init__()
        self.changes: list[str] = []
        self.provider = ApiGatewayV2Provider(
            store, REGION, ACCOUNT, clock=clock, on_change=self.changes.append
        )
        self.serve(self.provider)

    def client(self) -> Any:
        return boto3.client("apigatewayv2", **self.client_options())


class Backend:
    """Where a test's store lives; `open()` opens it again (a restart)."""

    def __init__(self, kind: str, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.schema = f"lamina_test_apigwv2_{uuid.uuid4().hex[:12]}"
        self.url = None if kind == "sqlite" else f"{POSTGRES_URL}?schema={self.schema}"

    def open(self) -> Store:
        return open_store(self.url, self.state_dir)

    def cleanup(self) -> None:
        if self.url is not None:
            drop_schema(POSTGRES_URL, self.schema)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    found = Backend(request.param, tmp_path)
    yield found
    found.cleanup()


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    opened = backend.open()
    yield opened
    opened.close()


@pytest.fixture
def server(store: Store, clock: Clock) -> Iterator[ApiGatewayV2Server]:
    served = ApiGatewayV2Server(store, clock)
    yield served
    served.close()


@pytest.fixture
def v2(server: ApiGatewayV2Server) -> Any:
    return server.client()
