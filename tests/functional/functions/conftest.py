"""A real FunctionService over the handlers in tests/fixtures/functions."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from lamina.functions.model import FunctionConfig
from lamina.functions.service import FunctionService
from tests.processes import alive, descendants

__all__ = ["alive", "descendants"]

CODE = str(Path(__file__).parents[2] / "fixtures" / "functions")


def function(name: str, handler: str, **fields: object) -> FunctionConfig:
    return FunctionConfig(name=name, handler=handler, code_path=CODE, **fields)  # type: ignore[arg-type]


ServiceFactory = Callable[..., FunctionService]


@pytest.fixture
async def make_service(tmp_path: Path) -> AsyncIterator[ServiceFactory]:
    services: list[FunctionService] = []

    def make(functions: list[FunctionConfig], **options: object) -> FunctionService:
        options.setdefault("log_sink", None)
        service = FunctionService(
            functions,
            region="eu-west-1",
            account_id="123456789012",
            state_dir=tmp_path / "state",
            **options,  # type: ignore[arg-type]
        )
        services.append(service)
        return service

    yield make
    for service in services:
        await service.close()
    assert not {pid for pid in descendants(os.getpid()) if alive(pid)} - _pre_existing


_pre_existing: set[int] = set()
