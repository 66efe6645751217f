"""A burst of first requests to a cold function: every one succeeds (more workers start,
the rest queue for them), none is lost or answered with an error."""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import FIXTURES, LaminaProcess


async def _burst(base: str, count: int) -> list[int]:
    limits = httpx.Limits(max_connections=count)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        replies = await asyncio.gather(*(client.get(f"/Prod/echo/{i}") for i in range(count)))
    return [reply.status_code for reply in replies]


def test_burst_of_50_cold_requests_all_succeed() -> None:
    lamina = LaminaProcess(FIXTURES / "apps" / "proxy", "--max-workers", "8")
    try:
        statuses = asyncio.run(_burst(lamina.base, 50))
    finally:
        lamina.stop()
    assert statuses == [200] * 50
