"""Identifiers shaped like AWS's.

They only need to be unique, not secret, and are made on every request: `random` (seeded
from the OS, reseeded after fork) instead of a urandom syscall per id.
"""

from __future__ import annotations

import base64
import random

_bits = random.getrandbits
_VARIANT = "89ab"


def new_request_id() -> str:
    """A version-4 UUID string, the shape of x-amzn-RequestId and Lambda's aws_request_id."""
    h = f"{_bits(128):032x}"
    variant = _VARIANT[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}"


def new_trace_id(epoch_s: int) -> str:
    """An X-Ray trace header root: `Root=1-<epoch seconds, 8 hex>-<96 random bits, 24 hex>`.
    https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader
    """
    return f"Root=1-{epoch_s:08x}-{_bits(96):024x}"


def new_extended_request_id() -> str:
    """API Gateway's short request id (extendedRequestId, x-amz-apigw-id, HTTP APIs'
    apigw-requestid): 11 random bytes in base64, e.g. `JJbxmplHYosFVYQ=`.
    """
    return base64.b64encode(_bits(88).to_bytes(11, "big")).decode("ascii")
