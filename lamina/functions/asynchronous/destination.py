"""Where records and dead letters go: destination ARNs and which ones Lamina delivers.

Lambda accepts SQS queues, SNS topics, EventBridge buses, Lambda functions and (for
on-failure only) S3 buckets as destinations; a dead-letter queue is an SQS queue or an SNS
topic. Lamina delivers to Lambda functions today (invoked asynchronously, as Lambda does);
the other kinds are accepted and reported as not delivered.
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-dlq
"""

from __future__ import annotations

import re

import msgspec

_ARN = re.compile(r"arn:aws[a-zA-Z0-9-]*:(?P<service>[a-z0-9-]+):[a-z0-9-]*:\d{0,12}:(?P<rest>.+)")
_FUNCTION = re.compile(
    r"function:(?P<name>[a-zA-Z0-9_-]+)(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?"
)

SERVICES = frozenset({"lambda", "sqs", "sns", "events", "s3"})
"""The services a destination may belong to."""


class FunctionTarget(msgspec.Struct, frozen=True):
    name: str
    qualifier: str | None


def service_of(arn: str) -> str | None:
    """The ARN's service ("sqs", "lambda" ...), or None when it is not an ARN."""
    match = _ARN.fullmatch(arn)
    return match.group("service") if match else None


def function_target(arn: str) -> FunctionTarget | None:
    """The Lambda function (and qualifier) an ARN names, or None for other services."""
    match = _ARN.fullmatch(arn)
    if match is None or match.group("service") != "lambda":
        return None
    function = _FUNCTION.fullmatch(match.group("rest"))
    if function is None:
        return None
    return FunctionTarget(function.group("name"), function.group("qualifier"))
