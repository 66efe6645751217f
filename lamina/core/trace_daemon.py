"""An X-Ray daemon-compatible UDP endpoint: what the AWS X-Ray SDKs (and Powertools Tracer)
inside a function send their segments and subsegments to (AWS_XRAY_DAEMON_ADDRESS).

Each datagram is a header line and one document:
    {"format": "json", "version": 1}\\n{ ...segment or subsegment JSON... }
https://docs.aws.amazon.com/xray/latest/devguide/xray-api-sendingdata.html#xray-api-daemon

A datagram that does not parse is dropped (and counted), as the daemon does; nothing is
answered over UDP.
"""

from __future__ import annotations

import asyncio
import logging

import orjson

from lamina.core.trace import Tracer
from lamina.core.trace_store import document_problem

log = logging.getLogger("lamina.trace")

DEFAULT_ADDRESS = "127.0.0.1:2000"
_HEADER = {"format": "json", "version": 1}


class DaemonProtocol(asyncio.DatagramProtocol):
    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer
        self.received = 0
        self.dropped = 0

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        header, _, body = data.partition(b"\n")
        try:
            if orjson.loads(header) != _HEADER:
                raise ValueError("not the X-Ray daemon header")
            document = orjson.loads(body)
            if document_problem(document) is not None:
                raise ValueError("not a segment document")
        except (ValueError, orjson.JSONDecodeError):
            self.dropped += 1
            return
        self.received += 1
        self._tracer.record(document)


class TraceDaemon:
    """The UDP listener; `address` is what functions get as AWS_XRAY_DAEMON_ADDRESS."""

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer
        self._transport: asyncio.DatagramTransport | None = None
        self.protocol = DaemonProtocol(tracer)
        self.address = ""

    async def start(self, address: str = DEFAULT_ADDRESS) -> str:
        """Listen on `host:port` (port 0: any free one); returns the address bound."""
        host, _, port = address.rpartition(":")
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: self.protocol, local_addr=(host or "127.0.0.1", int(port))
        )
        self._transport = transport
        bound = transport.get_extra_info("sockname")
        self.address = f"{bound[0]}:{bound[1]}"
        self._tracer.daemon_address = self.address
        return self.address

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
