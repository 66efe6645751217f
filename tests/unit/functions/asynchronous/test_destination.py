"""Destination ARNs: which function a Lambda destination names, which service others are."""

from __future__ import annotations

from lamina.functions.asynchronous.destination import FunctionTarget, function_target, service_of


def test_destination_function_arn_names_function_and_qualifier() -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:sink"
    assert function_target(arn) == FunctionTarget("sink", None)
    assert function_target(arn + ":live") == FunctionTarget("sink", "live")
    assert function_target(arn + ":$LATEST") == FunctionTarget("sink", "$LATEST")


def test_destination_other_services_are_not_function_targets() -> None:
    queue = "arn:aws:sqs:us-east-1:123456789012:failures"
    assert function_target(queue) is None
    assert service_of(queue) == "sqs"
    assert service_of("arn:aws:s3:::bucket") == "s3"
    assert service_of("arn:aws:events:us-east-1:123456789012:event-bus/default") == "events"


def test_destination_not_an_arn_has_no_service() -> None:
    assert service_of("sink") is None
    assert function_target("function:sink") is None
