"""A real FunctionService over the handlers in tests/fixtures/functions."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from lamina.functions.model import FunctionConfig
from lamina.functions.service import FunctionService

CODE = str(Path(__file__).parents[2] / "fixtures" / "functions")


def function(name: str, handler: str, **fields: object) -> FunctionConfig:
    return FunctionConfig(name=name, handler=handler, code_path=CODE, **fields)  # type: ignore[arg-type]


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (through /proc/<pid>/task/*/children)."""
    found: set[int] = set()
    stack = [pid]
    while stack:
        parent = stack.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    stack.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


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
