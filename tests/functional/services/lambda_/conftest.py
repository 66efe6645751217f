"""boto3's Lambda client against a loopback AwsApi serving LambdaProvider over a real
FunctionService (real zygote and workers)."""

from __future__ import annotations

import asyncio
import io
import threading
import zipfile
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import boto3
import pytest
from botocore.config import Config

from lamina.aws.credentials import CredentialStore
from lamina.aws.dispatch import AwsApi
from lamina.functions.service import FunctionService
from lamina.http.message import HttpRequest, HttpResponse
from lamina.http.server import HttpServer
from lamina.services.lambda_ import LambdaProvider

REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/runner"
T = TypeVar("T")


def zipped(source: str, name: str = "app.py") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, source)
    return buffer.getvalue()


class LambdaServer:
    """The server on its own event loop thread, so the tests can use blocking boto3."""

    def __init__(self, state_dir: Path, **options: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.functions = FunctionService(
            [], region=REGION, account_id=ACCOUNT, state_dir=state_dir, log_sink=None, **options
        )
        provider = LambdaProvider(
            self.functions, region=REGION, account_id=ACCOUNT, state_dir=state_dir
        )
        self._api = AwsApi(
            [provider], region=REGION, account_id=ACCOUNT, credentials=CredentialStore.local()
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

    def client(self) -> Any:
        return boto3.client(
            "lambda",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=30),
        )

    def close(self) -> None:
        self.run(self._server.stop(grace_s=1))
        self.run(self.functions.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LambdaServer]:
    lamina = LambdaServer(tmp_path / "state")
    yield lamina
    lamina.close()


@pytest.fixture
def client(server: LambdaServer) -> Any:
    return server.client()


def create(client: Any, name: str, source: str, **params: Any) -> dict[str, Any]:
    response: dict[str, Any] = client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zipped(source)},
        **params,
    )
    return response
