"""boto3's Secrets Manager and KMS clients against one loopback AwsApi."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from lamina.services.kms.provider import KmsProvider
from lamina.services.secretsmanager.provider import SecretsManagerProvider
from lamina.services.secretsmanager.service import RotationInvoker
from tests.clock import ManualClock as Clock
from tests.loopback import REGION, LoopbackServer

ACCOUNT = "123456789012"


class SecretsServer(LoopbackServer):
    def __init__(
        self,
        state_dir: Path,
        clock: Clock,
        rotate: RotationInvoker | None = None,
        rotation_check_s: float = 60.0,
    ) -> None:
        super().__init__()
        self.kms = KmsProvider(state_dir=state_dir, region=REGION, account_id=ACCOUNT, clock=clock)
        self.provider = SecretsManagerProvider(
            state_dir=state_dir,
            region=REGION,
            account_id=ACCOUNT,
            kms=self.kms,
            rotate=rotate,
            clock=clock,
            rotation_check_s=rotation_check_s,
        )
        self.serve(self.kms, self.provider)

    def client(self, service: str = "secretsmanager") -> Any:
        return boto3.client(service, **self.client_options())

    def wait_for_rotations(self) -> None:
        async def wait() -> None:
            while self.provider.rotations:
                await asyncio.gather(*self.provider.rotations, return_exceptions=True)

        self.run(wait())

    def release(self) -> None:
        self.provider.close()
        self.kms.close()


@pytest.fixture
def server(tmp_path: Path, clock: Clock) -> Iterator[SecretsServer]:
    served = SecretsServer(tmp_path, clock)
    yield served
    served.close()


@pytest.fixture
def sm(server: SecretsServer) -> Any:
    return server.client()
