"""GET /image: a binary response. The PNG is drawn here, with the standard library only.

API Gateway decodes the base64 body when isBase64Encoded is true and the request's
Accept header names one of the API's BinaryMediaTypes (image/png in template.yaml).
https://docs.aws.amazon.com/apigateway/latest/developerguide/lambda-proxy-binary-media.html
"""

import base64
import struct
import zlib
from typing import Any

SIZE = 16


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "image/png"},
        "body": base64.b64encode(PNG).decode(),
        "isBase64Encoded": True,
    }


def draw_png(size: int) -> bytes:
    """A size x size RGB gradient: red grows to the right, blue grows downwards."""
    step = 255 // (size - 1)
    scanlines = b"".join(
        # Each scanline starts with its filter type, 0 = none.
        b"\x00" + bytes(value for x in range(size) for value in (x * step, 128, y * step))
        for y in range(size)
    )
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(scanlines, 9))
        + chunk(b"IEND", b"")
    )


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


PNG = draw_png(SIZE)
