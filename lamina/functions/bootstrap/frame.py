"""Binary framing shared by the supervisor, the zygote and the workers.

A frame is a 16-byte header followed by three sections written back to back:
``kind:u8 pad:u8 flags:u16 meta_len:u32 payload_len:u32 log_len:u32`` then the metadata
(JSON), the payload (opaque bytes, e.g. the event or the handler's result) and the log
(what the code printed). Each side sends one frame with one write.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

HEADER = struct.Struct("<BxHIII")
HEADER_SIZE = HEADER.size

# Supervisor -> worker.
INVOKE = 1
# Worker -> supervisor.
READY = 2
RESULT = 3
# Supervisor <-> zygote (one frame per SOCK_SEQPACKET message).
SPAWN = 4
SPAWNED = 5
EXITED = 6

FrameHandler = Callable[[int, bytes, bytes, bytes], None]


def encode(kind: int, meta: bytes, payload: bytes = b"", log: bytes = b"") -> bytes:
    """One frame as a single bytes object (one write on the wire)."""
    head = HEADER.pack(kind, 0, len(meta), len(payload), len(log))
    return b"".join((head, meta, payload, log))


def decode(frame: bytes) -> tuple[int, bytes, bytes, bytes]:
    """Split one complete frame (e.g. a SOCK_SEQPACKET message) into its sections."""
    kind, _, meta_len, payload_len, log_len = HEADER.unpack_from(frame)
    end_meta = HEADER_SIZE + meta_len
    end_payload = end_meta + payload_len
    if end_payload + log_len != len(frame):
        raise ValueError(f"frame of {len(frame)} bytes does not match its header")
    return kind, frame[HEADER_SIZE:end_meta], frame[end_meta:end_payload], frame[end_payload:]


class FrameReader:
    """Reassembles frames from stream chunks and hands each one to ``on_frame``."""

    __slots__ = ("_buffer", "_on_frame")

    def __init__(self, on_frame: FrameHandler) -> None:
        self._buffer = bytearray()
        self._on_frame = on_frame

    def feed(self, data: bytes) -> None:
        if not self._buffer and len(data) >= HEADER_SIZE:
            # Fast path: the chunk is exactly one frame (the common case for small results).
            _, _, meta_len, payload_len, log_len = HEADER.unpack_from(data)
            if HEADER_SIZE + meta_len + payload_len + log_len == len(data):
                self._on_frame(*decode(data))
                return
        self._buffer += data
        self._drain()

    def _drain(self) -> None:
        buffer = self._buffer
        while len(buffer) >= HEADER_SIZE:
            _, _, meta_len, payload_len, log_len = HEADER.unpack_from(buffer)
            size = HEADER_SIZE + meta_len + payload_len + log_len
            if len(buffer) < size:
                return
            frame = bytes(buffer[:size])
            del buffer[:size]
            self._on_frame(*decode(frame))

    @property
    def pending(self) -> int:
        """Bytes received that do not yet form a whole frame."""
        return len(self._buffer)
