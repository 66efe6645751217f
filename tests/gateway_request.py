"""A GatewayRequest with test defaults: fixed request ids and time, loopback addresses."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lamina.gateway.request import GatewayRequest

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
