"""boto3's S3 client against a loopback AwsApi serving S3Provider."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from lamina.aws.credentials import CredentialStore
from lamina.aws.dispatch import AwsApi
from lamina.services.s3.provider import S3Provider
from tests.loopback import REGION, LoopbackServer

ACCOUNT = "123456789012"


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


class S3Server(LoopbackServer):
    def __init__(self, state_dir: Path, clock: Clock | None = None) -> None:
        super().__init__()
        options: dict[str, Any] = {} if clock is None else {"clock": clock}
        self.state_dir = state_dir
        self.skew = timedelta()
        """How far the server's clock runs ahead of the wall clock (presigned URL expiry)."""
        self.provider = S3Provider(state_dir=state_dir, account_id=ACCOUNT, **options)
        self.listen(
            AwsApi(
                [self.provider],
                region=REGION,
                account_id=ACCOUNT,
                credentials=CredentialStore.local(),
                clock=lambda: datetime.now(UTC) + self.skew,
            )
        )

    def client(self, **config: Any) -> Any:
        options = self.client_options()
        if config:
            options["config"] = options["config"].merge(Config(**config))
        return boto3.client("s3", **options)

    def release(self) -> None:
        self.provider.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[S3Server]:
    served = S3Server(tmp_path)
    yield served
    served.close()


@pytest.fixture
def s3(server: S3Server) -> Any:
    return server.client()


@pytest.fixture
def bucket(s3: Any) -> str:
    s3.create_bucket(Bucket="photos")
    return "photos"
