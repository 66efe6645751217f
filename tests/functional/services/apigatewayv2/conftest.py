"""boto3's apigatewayv2 client against a loopback AwsApi serving ApiGatewayV2Provider on a
real SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from lamina.core.store import Store
from lamina.core.store_open import open_store
from lamina.services.apigatewayv2.provider import ApiGatewayV2Provider
from tests.clock import ManualClock as Clock
from tests.loopback import ACCOUNT, REGION, LoopbackServer

FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:hello"


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


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(None, tmp_path)
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
