"""Put/Get/Update/Delete/ListFunctionEventInvokeConfig(s): a function's asynchronous
invocation settings, which the AsyncInvoker reads for every queued event
(``LambdaState.event_config``).

https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionEventInvokeConfig.html
https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionEventInvokeConfig.html
"""

from __future__ import annotations

import datetime
from typing import Any

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput
from lamina.functions.asynchronous import destination
from lamina.services.lambda_ import names, persist, validate
from lamina.services.lambda_.error import invalid, not_found
from lamina.services.lambda_.paging import listing
from lamina.services.lambda_.state import LambdaState, Operation

_SETTINGS = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")


async def put_function_event_invoke_config(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    """Replace the configuration: settings left out are removed."""
    name, version = _target(state, params)
    return _store(state, name, version, _settings(params))


async def update_function_event_invoke_config(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    """Change the settings given, keep the others."""
    name, version = _target(state, params)
    current = _existing(state, name, version)
    merged = {key: current[key] for key in _SETTINGS if key in current}
    merged.update(_settings(params))
    return _store(state, name, version, merged)


async def get_function_event_invoke_config(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, version = _target(state, params)
    return dict(_existing(state, name, version))


async def delete_function_event_invoke_config(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, version = _target(state, params)
    _existing(state, name, version)
    del state.event_configs[(name, version)]
    persist.save(state, name)
    return {}


async def list_function_event_invoke_configs(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, _ = names.function_name(params["FunctionName"])
    state.config(name)
    if "MaxItems" in params:
        validate.bounded(params["MaxItems"], "maxItems", 1, 50)
    configs = [dict(config) for key, config in state.event_configs.items() if key[0] == name]
    return listing("FunctionEventInvokeConfigs", configs, params)


# -- internals -------------------------------------------------------------------------


def _target(state: LambdaState, params: OperationInput) -> tuple[str, str]:
    """(function name, qualifier or $LATEST) of an existing function version or alias."""
    name, qualifier = names.function_name(params["FunctionName"], params.get("Qualifier"))
    state.config(name, qualifier)
    return name, qualifier or "$LATEST"


def _existing(state: LambdaState, name: str, version: str) -> dict[str, Any]:
    config = state.event_configs.get((name, version))
    if config is None:
        arn = state.function_arn(name, version)
        raise not_found(f"The function {arn} doesn't have an EventInvokeConfig")
    return config


def _settings(params: OperationInput) -> dict[str, Any]:
    """The validated settings of a Put or Update request (at least one is required)."""
    settings: dict[str, Any] = {}
    if "MaximumRetryAttempts" in params:
        attempts = params["MaximumRetryAttempts"]
        settings["MaximumRetryAttempts"] = validate.bounded(attempts, "maximumRetryAttempts", 0, 2)
    if "MaximumEventAgeInSeconds" in params:
        age = params["MaximumEventAgeInSeconds"]
        settings["MaximumEventAgeInSeconds"] = validate.bounded(
            age, "maximumEventAgeInSeconds", 60, 21600
        )
    if "DestinationConfig" in params:
        settings["DestinationConfig"] = _destinations(params["DestinationConfig"] or {})
    if not settings:
        raise invalid("You must specify at least one of error handling or destination setting.")
    return settings


def _destinations(config: dict[str, Any]) -> dict[str, Any]:
    """OnSuccess / OnFailure, each a known destination ARN; S3 buckets only on failure.

    https://docs.aws.amazon.com/lambda/latest/api/API_DestinationConfig.html
    """
    checked: dict[str, Any] = {}
    for key in ("OnSuccess", "OnFailure"):
        arn = (config.get(key) or {}).get("Destination")
        if arn:
            _check_destination(arn, key)
            checked[key] = {"Destination": arn}
        else:
            checked[key] = {}
    return checked


def _check_destination(arn: str, key: str) -> None:
    service = destination.service_of(arn)
    allowed = destination.SERVICES - ({"s3"} if key == "OnSuccess" else set())
    if service not in allowed:
        raise invalid(f"The provided destination config DestinationConfig({key}={arn}) is invalid.")


def _store(state: LambdaState, name: str, version: str, settings: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {
        "LastModified": datetime.datetime.now(datetime.UTC),
        "FunctionArn": state.function_arn(name, version),
        **settings,
    }
    config.setdefault("DestinationConfig", {"OnSuccess": {}, "OnFailure": {}})
    state.event_configs[(name, version)] = config
    persist.save(state, name)
    return dict(config)


OPERATIONS: dict[str, Operation] = {
    "PutFunctionEventInvokeConfig": put_function_event_invoke_config,
    "UpdateFunctionEventInvokeConfig": update_function_event_invoke_config,
    "GetFunctionEventInvokeConfig": get_function_event_invoke_config,
    "DeleteFunctionEventInvokeConfig": delete_function_event_invoke_config,
    "ListFunctionEventInvokeConfigs": list_function_event_invoke_configs,
}
