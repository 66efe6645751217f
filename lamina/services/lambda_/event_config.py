"""PutFunctionEventInvokeConfig, GetFunctionEventInvokeConfig: asynchronous invocation
settings (stored and reported; retries and destinations are not acted on yet).

https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionEventInvokeConfig.html
"""

from __future__ import annotations

import datetime
from typing import Any

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput
from lamina.services.lambda_ import names, validate
from lamina.services.lambda_.error import not_found
from lamina.services.lambda_.state import LambdaState, Operation


async def put_function_event_invoke_config(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, qualifier = names.function_name(params["FunctionName"], params.get("Qualifier"))
    state.config(name, qualifier)
    config: dict[str, Any] = {
        "LastModified": datetime.datetime.now(datetime.UTC),
        "FunctionArn": state.function_arn(name, qualifier or "$LATEST"),
    }
    if "MaximumRetryAttempts" in params:
        attempts = params["MaximumRetryAttempts"]
        config["MaximumRetryAttempts"] = validate.bounded(attempts, "maximumRetryAttempts", 0, 2)
    if "MaximumEventAgeInSeconds" in params:
        age = params["MaximumEventAgeInSeconds"]
        config["MaximumEventAgeInSeconds"] = validate.bounded(
            age, "maximumEventAgeInSeconds", 60, 21600
        )
    if "DestinationConfig" in params:
        config["DestinationConfig"] = params["DestinationConfig"]
    state.event_configs[(name, qualifier or "$LATEST")] = config
    return dict(config)


async def get_function_event_invoke_config(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, qualifier = names.function_name(params["FunctionName"], params.get("Qualifier"))
    state.config(name, qualifier)
    config = state.event_configs.get((name, qualifier or "$LATEST"))
    if config is None:
        arn = state.function_arn(name, qualifier or "$LATEST")
        raise not_found(f"The function {arn} doesn't have an EventInvokeConfig")
    return dict(config)


OPERATIONS: dict[str, Operation] = {
    "PutFunctionEventInvokeConfig": put_function_event_invoke_config,
    "GetFunctionEventInvokeConfig": get_function_event_invoke_config,
}
