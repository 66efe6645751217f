"""What GET /next hands a runtime for one invocation: the event and its headers.

https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-next
"""

from __future__ import annotations

import base64
import binascii
import random
import time

from lamina.core.ids import new_trace_id

JSON_HEADERS = [(b"Content-Type", b"application/json")]


class Invocation:
    """What GET /next hands the runtime: the event and the Lambda-Runtime-* headers."""

    __slots__ = (
        "arn",
        "client_context",
        "cognito_identity",
        "deadline_ms",
        "payload",
        "request_id",
        "trace_id",
    )

    def __init__(
        self,
        *,
        request_id: str,
        deadline_ms: int,
        arn: str,
        trace_id: str,
        payload: bytes,
        client_context: str | None = None,
        cognito_identity: str | None = None,
    ) -> None:
        self.request_id = request_id
        self.deadline_ms = deadline_ms
        self.arn = arn
        self.trace_id = trace_id
        self.payload = payload
        self.client_context = client_context
        """JSON text (already decoded from the Invoke API's base64)."""
        self.cognito_identity = cognito_identity

    def headers(self) -> list[tuple[bytes, bytes]]:
        """The response headers of GET /next.

        https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-next
        """
        headers = [
            *JSON_HEADERS,
            (b"Lambda-Runtime-Aws-Request-Id", self.request_id.encode()),
            (b"Lambda-Runtime-Deadline-Ms", str(self.deadline_ms).encode()),
            (b"Lambda-Runtime-Invoked-Function-Arn", self.arn.encode()),
            (b"Lambda-Runtime-Trace-Id", self.trace_id.encode()),
        ]
        if self.client_context is not None:
            headers.append((b"Lambda-Runtime-Client-Context", self.client_context.encode()))
        if self.cognito_identity is not None:
            headers.append((b"Lambda-Runtime-Cognito-Identity", self.cognito_identity.encode()))
        return headers


def invocation_for(
    *,
    request_id: str,
    deadline_ms: int,
    arn: str,
    payload: bytes,
    client_context: str | None,
    trace_id: str | None = None,
) -> Invocation:
    """The invocation of an Invoke call; ``client_context`` as the Invoke API has it,
    ``trace_id`` the X-Ray header the caller propagates (a new trace when None)."""
    if not trace_id:
        # https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader
        parent = random.getrandbits(64)
        trace_id = f"{new_trace_id(int(time.time()))};Parent={parent:016x};Sampled=0"
    return Invocation(
        request_id=request_id,
        deadline_ms=deadline_ms,
        arn=arn,
        trace_id=trace_id,
        payload=payload or b"{}",
        client_context=_decoded_client_context(client_context),
    )


def _decoded_client_context(raw: str | None) -> str | None:
    """The Invoke API sends ClientContext base64-encoded; the runtime gets the JSON."""
    if not raw:
        return None
    try:
        return base64.b64decode(raw, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return raw
