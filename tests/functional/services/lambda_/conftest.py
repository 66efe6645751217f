"""boto3's Lambda client against a loopback AwsApi serving LambdaProvider over a real
FunctionService (real zygote and workers)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from lamina.aws.credentials import CredentialStore
from lamina.aws.dispatch import AwsApi
from lamina.functions.service import FunctionService
from lamina.services.lambda_ import LambdaProvider
from tests.loopback import REGION, LoopbackServer

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/runner"
LogSink = Callable[[str, str], None]


def zipped(source: str, name: str = "app.py") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, source)
    return buffer.getvalue()


class LambdaServer(LoopbackServer):
    """The Lambda API over a real FunctionService."""

    def __init__(self, state_dir: Path, *, log_sink: LogSink | None = None, **options: Any) -> None:
        super().__init__()
        self.functions = FunctionService(
            [], region=REGION, account_id=ACCOUNT, state_dir=state_dir, log_sink=log_sink, **options
        )
        self.provider = LambdaProvider(
            self.functions, region=REGION, account_id=ACCOUNT, state_dir=state_dir
        )
        self.prepare()
        self.listen(
            AwsApi(
                [self.provider],
                region=REGION,
                account_id=ACCOUNT,
                credentials=CredentialStore.local(),
            )
        )

    def prepare(self) -> None:
        """Before the server listens."""

    def client(self) -> Any:
        return boto3.client("lambda", **self.client_options())

    def release(self) -> None:
        self.run(self.functions.close())


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
