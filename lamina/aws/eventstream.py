"""AWS event streams (`application/vnd.amazon.eventstream`): the binary messages an
operation with an event-stream output sends one by one, as botocore's EventStream reads
them.

    message := total length (u32) | headers length (u32) | prelude CRC32 (u32)
               | headers | payload | message CRC32 (u32)
    header  := name length (u8) | name | value type (u8; 7 = string) | length (u16) | value

The JSON protocols send an `initial-response` event first (the output's other members),
then one event per item: `:message-type` event, `:event-type` the member's name, the
member serialized as JSON; an error is an `exception` message named by its shape.
https://docs.aws.amazon.com/AmazonS3/latest/API/RESTSelectObjectAppendix.html (the framing)
https://smithy.io/2.0/aws/amazon-eventstream.html
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator
from typing import Any

import orjson

from lamina.aws.shape import to_json
from lamina.http.body import StreamedBody

CONTENT_TYPE = b"application/vnd.amazon.eventstream"
_STRING = 7


def message(headers: list[tuple[str, str]], payload: bytes) -> bytes:
    encoded = b"".join(_header(name, value) for name, value in headers)
    total = 12 + len(encoded) + len(payload) + 4
    prelude = struct.pack(">II", total, len(encoded))
    head = prelude + struct.pack(">I", zlib.crc32(prelude))
    body = head + encoded + payload
    return body + struct.pack(">I", zlib.crc32(body))


def _header(name: str, value: str) -> bytes:
    key, text = name.encode(), value.encode()
    return struct.pack(">B", len(key)) + key + struct.pack(">BH", _STRING, len(text)) + text


def event(event_type: str, payload: bytes) -> bytes:
    return message(
        [
            (":message-type", "event"),
            (":event-type", event_type),
            (":content-type", "application/json"),
        ],
        payload,
    )


def exception(exception_type: str, text: str) -> bytes:
    return message(
        [
            (":message-type", "exception"),
            (":exception-type", exception_type),
            (":content-type", "application/json"),
        ],
        orjson.dumps({"message": text}),
    )


class EventStreamError(Exception):
    """Raised by an event source to end its stream with a modeled exception event."""

    def __init__(self, exception_type: str, text: str) -> None:
        super().__init__(text)
        self.exception_type = exception_type
        self.text = text


class EventStreamOutput:
    """What a handler returns for an event-stream member: its events, produced over time as
    (member name, member value) pairs."""

    def __init__(self, events: AsyncIterator[tuple[str, dict[str, Any]]]) -> None:
        self.events = events


def streamed(stream_shape: Any, initial: dict[str, Any], output: EventStreamOutput) -> StreamedBody:
    """The response body: initial-response, then each event in the member's JSON shape,
    ended by the source (or by the exception it raises)."""

    async def chunks() -> AsyncIterator[bytes]:
        yield event("initial-response", orjson.dumps(initial))
        try:
            async for name, value in output.events:
                member = stream_shape.members[name]
                yield event(name, orjson.dumps(to_json(member, value)))
        except EventStreamError as error:
            yield exception(error.exception_type, error.text)
        finally:
            close = getattr(output.events, "aclose", None)
            if close is not None:
                await close()

    return StreamedBody(None, chunks())
