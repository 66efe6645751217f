"""A LambdaProvider over a FunctionService that never starts a worker (no processes)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from lamina.aws.service import AwsRequestContext
from lamina.functions.model import FunctionConfig
from lamina.functions.service import FunctionService
from lamina.services.lambda_ import LambdaProvider

REGION = "eu-west-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/runner"

Call = Callable[..., Awaitable[dict[str, Any]]]


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


CODE = zipped({"app.py": "def handler(event, context):\n    return event\n"})


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[FunctionService]:
    template = FunctionConfig(name="FromTemplate", handler="app.handler", code_path=str(tmp_path))
    functions = FunctionService(
        [template], region=REGION, account_id=ACCOUNT, state_dir=tmp_path / "state"
    )
    yield functions
    await functions.close()


@pytest.fixture
def provider(service: FunctionService, tmp_path: Path) -> LambdaProvider:
    return LambdaProvider(service, region=REGION, account_id=ACCOUNT, state_dir=tmp_path / "state")


def caller(provider: LambdaProvider) -> Call:
    """Calls ``provider``'s operation handlers as AwsApi would, with its context."""

    async def call(operation: str, **params: Any) -> dict[str, Any]:
        ctx = AwsRequestContext(
            service="lambda",
            operation=operation,
            region=REGION,
            account_id=ACCOUNT,
            request_id="r",
            access_key="test",
        )
        return await provider.handlers()[operation](ctx, params)

    return call


@pytest.fixture
def call(provider: LambdaProvider) -> Call:
    return caller(provider)


async def create(call: Call, name: str = "fn", **params: Any) -> dict[str, Any]:
    params.setdefault("Code", {"ZipFile": CODE})
    return await call(
        "CreateFunction",
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        **params,
    )
