"""AWS event-stream framing as botocore reads it (its parser checks both CRCs and the header
types), and the streamed body's order and clean-up: initial-response, the source's events,
its modeled exception last; a client leaving early closes the source.
https://smithy.io/2.0/aws/amazon-eventstream.html
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import botocore.session
import pytest
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer

from lamina.aws.eventstream import EventStreamError, EventStreamOutput, event, exception, streamed


def _decoded(data: bytes) -> list[Any]:
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    return list(buffer)


def test_event_message_frames_and_crcs_as_botocore_reads_them() -> None:
    payload = b'{"sessionResults": ["\xc3\xa9"]}'
    (message,) = _decoded(event("sessionUpdate", payload))
    assert message.headers == {
        ":message-type": "event",
        ":event-type": "sessionUpdate",
        ":content-type": "application/json",
    }
    assert message.payload == payload


def test_exception_message_names_its_shape() -> None:
    (message,) = _decoded(exception("SessionTimeoutException", "ended"))
    assert message.headers[":message-type"] == "exception"
    assert message.headers[":exception-type"] == "SessionTimeoutException"
    assert message.payload == b'{"message":"ended"}'


def test_a_corrupted_message_fails_botocores_crc_check() -> None:
    data = bytearray(event("sessionStart", b"{}"))
    data[-5] ^= 0xFF  # a payload byte
    with pytest.raises(ChecksumMismatch):
        _decoded(bytes(data))


def _stream_shape() -> Any:
    model = botocore.session.get_session().get_service_model("logs")
    output = model.operation_model("StartLiveTail").output_shape
    return output.members["responseStream"]


def test_streamed_body_sends_initial_response_events_then_the_exception() -> None:
    closed: list[bool] = []

    async def source() -> AsyncIterator[tuple[str, dict[str, Any]]]:
        try:
            yield "sessionStart", {"sessionId": "s-1"}
            raise EventStreamError("SessionTimeoutException", "over")
        finally:
            closed.append(True)

    async def collect() -> bytes:
        body = streamed(_stream_shape(), {}, EventStreamOutput(source()))
        return b"".join([chunk async for chunk in body.chunks])

    messages = _decoded(asyncio.run(collect()))
    assert [m.headers.get(":event-type") or m.headers[":exception-type"] for m in messages] == [
        "initial-response",
        "sessionStart",
        "SessionTimeoutException",
    ]
    assert closed == [True]


def test_a_client_leaving_early_closes_the_source() -> None:
    closed: list[bool] = []

    async def source() -> AsyncIterator[tuple[str, dict[str, Any]]]:
        try:
            while True:
                yield "sessionUpdate", {"sessionResults": []}
                await asyncio.sleep(0)
        finally:
            closed.append(True)

    async def leave_after_two() -> None:
        body = streamed(_stream_shape(), {}, EventStreamOutput(source()))
        chunks = body.chunks
        await chunks.__anext__()
        await chunks.__anext__()
        await body.aclose()  # what the server does when the client disconnects

    asyncio.run(leave_after_two())
    assert closed == [True]
