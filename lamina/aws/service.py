"""What an AWS-compatible service provides to the protocol layer, and what it raises.

A provider names its botocore service (`lambda`, `dynamodb`, ...) and maps operation names
to async handlers. The protocol layer parses the wire request with botocore's model into
the operation's input (a dict shaped like the boto3 call's keyword arguments: blobs as
bytes, timestamps as datetime), calls the handler, and serializes the returned dict (shaped
like the boto3 response, without ResponseMetadata) with the same model. The dicts are the
raw JSON of the edge that STYLE.md allows across a boundary.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, TypeVar

from lamina.core.error import LaminaError

T = TypeVar("T")
OperationInput = dict[str, Any]
OperationOutput = dict[str, Any]


class AwsRequestContext:
    """Who called which operation, as the protocol layer established it."""

    __slots__ = (
        "access_key",
        "account_id",
        "operation",
        "region",
        "request_id",
        "service",
        "source_ip",
    )

    def __init__(
        self,
        *,
        service: str,
        operation: str,
        region: str,
        account_id: str,
        request_id: str,
        access_key: str | None,
        source_ip: str = "",
    ) -> None:
        self.service = service
        self.operation = operation
        self.region = region
        self.account_id = account_id
        self.request_id = request_id
        self.access_key = access_key
        """The SigV4 access key id, None for unsigned requests (e.g. Cognito SignUp)."""
        self.source_ip = source_ip
        """The caller's address (S3 event records carry it as sourceIPAddress)."""


Handler = Callable[[AwsRequestContext, OperationInput], Awaitable[OperationOutput]]


class ServiceProvider(Protocol):
    @property
    def service_name(self) -> str:
        """botocore's service name, e.g. "lambda"."""
        ...

    def handlers(self) -> Mapping[str, Handler]:
        """Operation name (as in the botocore model, e.g. "CreateFunction") -> handler."""
        ...


class ServiceError(LaminaError):
    """An AWS error response: the code is the error shape's name in the service model.

    `status` is the HTTP status (from the model's error shape when omitted); `fields` are
    extra members of the error shape (Lambda's "Type": "User", "retryAfterSeconds" ...);
    `headers` are response headers the error answer carries besides the protocol's own
    (S3's `x-amz-delete-marker` on a 404 NoSuchKey, `Allow` on a 405).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        sender_fault: bool = True,
        fields: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.sender_fault = sender_fault
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})

    def header_pairs(self) -> list[tuple[bytes, bytes]]:
        """`headers` as a response's (name, value) pairs, line breaks never passed on."""
        return [
            (name.encode(), " ".join(value.splitlines()).encode("latin-1", errors="replace"))
            for name, value in self.headers.items()
        ]


Operation = Callable[[T, OperationInput], OperationOutput | Awaitable[OperationOutput]]
"""An operation of a provider's state `T`, plain or async (providers whose work is all in
memory or SQLite need not await anything)."""


def bind_operations(state: T, operations: Mapping[str, Operation[T]]) -> dict[str, Handler]:
    """The protocol layer's handlers for `operations` over `state`."""
    return {name: _bound(state, operation) for name, operation in operations.items()}


def _bound(state: T, operation: Operation[T]) -> Handler:
    async def handler(ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
        output = operation(state, params)
        return await output if inspect.isawaitable(output) else output

    return handler
