"""boto3's KMS client against a loopback AwsApi serving KmsProvider."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from lamina.services.kms.provider import KmsProvider
from tests.clock import ManualClock as Clock
from tests.loopback import REGION, LoopbackServer

ACCOUNT = "123456789012"


class KmsServer(LoopbackServer):
    def __init__(self, state_dir: Path, clock: Callable[[], float] | None = None) -> None:
        super().__init__()
        options: dict[str, Any] = {} if clock is None else {"clock": clock}
        self.provider = KmsProvider(
            state_dir=state_dir, region=REGION, account_id=ACCOUNT, **options
        )
        self.serve(self.provider)

    def client(self) -> Any:
        return boto3.client("kms", **self.client_options())

    def release(self) -> None:
        self.provider.close()


@pytest.fixture
def server(tmp_path: Path, clock: Clock) -> Iterator[KmsServer]:
    served = KmsServer(tmp_path, clock)
    yield served
    served.close()


@pytest.fixture
def kms(server: KmsServer) -> Any:
    return server.client()
