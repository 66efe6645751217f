"""A GatewayRequest with test defaults (fixed request ids and time, loopback addresses), and
a few pipeline stages run on it as the gateway runs them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from lamina.gateway.context import RequestContext
from lamina.gateway.error import GatewayError, GatewayResponse, render_error
from lamina.gateway.request import GatewayRequest
from lamina.gateway.stages import Stage

REQUEST_ID = "11111111-2222-4333-8444-555555555555"
EXTENDED_REQUEST_ID = "AAAAAAAAAAAAAAA="


def gateway_request(
    path: str,
    *,
    method: str = "GET",
    headers: Iterable[tuple[str, str]] = (),
    host: str = "127.0.0.1:3000",
    query_string: str = "",
    body: bytes = b"",
    source_ip: str = "127.0.0.1",
    time_epoch_ms: int = 0,
    **more: Any,
) -> GatewayRequest:
    """`headers` come after Host, which is always sent (as clients send it)."""
    return GatewayRequest(
        method=method,
        path=path,
        query_string=query_string,
        headers=[("Host", host), *headers],
        body=body,
        source_ip=source_ip,
        protocol="HTTP/1.1",
        domain_name=host,
        request_id=REQUEST_ID,
        extended_request_id=EXTENDED_REQUEST_ID,
        time_epoch_ms=time_epoch_ms,
        **more,
    )


async def run_stages(stages: Sequence[Stage], ctx: RequestContext) -> GatewayResponse:
    """The response a client would get from `stages`: a stage's GatewayError rendered as the
    gateway renders it, else the response the last stage set."""
    try:
        for stage in stages:
            await stage(ctx)
    except GatewayError as error:
        return render_error(ctx.kind, error)
    assert ctx.response is not None
    return ctx.response
