"""boto3's CloudWatch Logs client against a loopback AwsApi serving LogsProvider."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from lamina.services.logs.provider import LogsProvider
from tests.clock import ManualClock as Clock
from tests.loopback import ACCOUNT, REGION, LoopbackServer


class LogsServer(LoopbackServer):
    def __init__(self, state_dir: Path, clock: Clock, sweep_s: float = 60.0) -> None:
        super().__init__()
        self.provider = LogsProvider(
            state_dir=state_dir, region=REGION, account_id=ACCOUNT, clock=clock, sweep_s=sweep_s
        )
        self.serve(self.provider)

    def client(self) -> Any:
        return boto3.client("logs", **self.client_options())

    def release(self) -> None:
        self.provider.close()


@pytest.fixture
def server(tmp_path: Path, clock: Clock) -> Iterator[LogsServer]:
    served = LogsServer(tmp_path, clock, sweep_s=0.05)
    yield served
    served.close()


@pytest.fixture
def logs(server: LogsServer) -> Any:
    return server.client()
