"""Functions as the targets of other services' events (S3 notifications, alarm actions):
the function's resource policy decides whether the service's principal may invoke it, as
on AWS, and events go through the asynchronous invoker (retries, destinations, DLQ).
https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
"""

from __future__ import annotations

from lamina.aws.service import ServiceError
from lamina.core.ids import new_request_id
from lamina.functions.policy import InvokeRequest
from lamina.services.lambda_.names import function_name
from lamina.services.lambda_.permissions import allows_invoke
from lamina.services.lambda_.state import LambdaState


class FunctionTargets:
    def __init__(self, lambda_state: LambdaState, account_id: str, principal: str) -> None:
        self._lambda = lambda_state
        self._account_id = account_id
        self._principal = principal
        """The invoking service's principal, e.g. s3.amazonaws.com."""

    def refusal(self, function_arn: str, source_arn: str) -> str | None:
        """Why the service may not invoke the function (None: it may)."""
        try:
            name, qualifier = function_name(function_arn)
            self._lambda.config(name, qualifier)
        except ServiceError:
            return "The destination function does not exist"
        source = InvokeRequest(
            principal=self._principal, source_arn=source_arn, source_account=self._account_id
        )
        if not allows_invoke(self._lambda, name, qualifier, source):
            return f"Not authorized to invoke function [{function_arn}]"
        return None

    async def send(self, function_arn: str, payload: bytes) -> None:
        """Queue an Event invocation (committed before this returns)."""
        name, qualifier = function_name(function_arn)
        await self._lambda.async_invoker.submit(
            name, qualifier, payload, request_id=new_request_id()
        )
