"""Identifiers shaped like AWS's."""

from __future__ import annotations

import base64
import os
import uuid


def new_request_id() -> str:
    """A random UUID4 string, the shape of x-amzn-RequestId and Lambda's aws_request_id."""
    return str(uuid.UUID(bytes=os.urandom(16), version=4))


def new_trace_id(epoch_s: int) -> str:
    """An X-Ray trace header root: `Root=1-<epoch seconds, 8 hex>-<96 random bits, 24 hex>`.
    https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader
    """
    return f"Root=1-{epoch_s:08x}-{os.urandom(12).hex()}"


def new_extended_request_id() -> str:
    """API Gateway's extendedRequestId / x-amz-apigw-id: 12 bytes, base64 (16 characters)."""
    return base64.b64encode(os.urandom(12), altchars=b"-_").decode("ascii")
