"""A real FunctionService over the handlers in tests/fixtures/functions."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from lamina.functions.model import FunctionConfig
from lamina.functions.sandbox.policy import IsolationMode, sandbox_fields
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


class SandboxedService(FunctionService):
    """A FunctionService whose workers get the sandbox fields in their spawn spec."""

    def __init__(self, *args: Any, mode: IsolationMode, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._mode = mode
        self._state_dir: Path = kwargs["state_dir"]

    def _spawn_spec(self, config: FunctionConfig) -> dict[str, Any]:
        fields = sandbox_fields(config, self._mode, hide=(self._state_dir,))
        return {**super()._spawn_spec(config), **fields}


Sandboxed = Callable[..., FunctionService]


@contextlib.asynccontextmanager
async def sandboxes(
    tmp_path: Path, kind: Callable[..., FunctionService] = SandboxedService
) -> AsyncIterator[Sandboxed]:
    """Makes services of ``kind``; closes them and checks no worker is left at the end."""
    services: list[FunctionService] = []
    before = set(descendants(os.getpid()))

    def make(
        functions: list[FunctionConfig],
        mode: IsolationMode = IsolationMode.NAMESPACE,
        state_dir: Path | None = None,
    ) -> FunctionService:
        service = kind(
            functions,
            region="eu-west-1",
            account_id="123456789012",
            state_dir=state_dir or tmp_path / ".lamina",
            log_sink=None,
            mode=mode,
        )
        services.append(service)
        return service

    yield make
    for service in services:
        await service.close()
    assert not {pid for pid in descendants(os.getpid()) if alive(pid)} - before


@pytest.fixture
async def sandboxed(tmp_path: Path) -> AsyncIterator[Sandboxed]:
    async with sandboxes(tmp_path) as make:
        yield make
