"""PutFunctionConcurrency, GetFunctionConcurrency, DeleteFunctionConcurrency.

Reserved concurrency caps a function's simultaneous invocations and sets them aside from
the account's shared pool, which must keep at least 100 unreserved.
https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
"""

from __future__ import annotations

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput
from lamina.services.lambda_ import names, persist
from lamina.services.lambda_.error import invalid
from lamina.services.lambda_.state import LambdaState, Operation

MIN_UNRESERVED = 100


def _minimum_unreserved(account_limit: int) -> int:
    # An account configured below AWS's minimum (a small local limit) may reserve it all.
    return MIN_UNRESERVED if account_limit > MIN_UNRESERVED else 0


async def put_function_concurrency(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, _ = names.function_name(params["FunctionName"])
    state.config(name)
    count = int(params["ReservedConcurrentExecutions"])
    if count < 0:
        raise invalid("ReservedConcurrentExecutions must be greater than or equal to 0.")
    current = state.functions.reserved_concurrency(name) or 0
    unreserved = state.functions.unreserved_concurrency + current - count
    if unreserved < _minimum_unreserved(state.functions.account_concurrency):
        raise invalid(
            "Specified ReservedConcurrentExecutions for function decreases account's "
            f"UnreservedConcurrentExecution below its minimum value of [{MIN_UNRESERVED}]."
        )
    state.functions.set_reserved_concurrency(name, count)
    persist.save(state, name)
    return {"ReservedConcurrentExecutions": count}


async def get_function_concurrency(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, _ = names.function_name(params["FunctionName"])
    state.config(name)
    count = state.functions.reserved_concurrency(name)
    return {} if count is None else {"ReservedConcurrentExecutions": count}


async def delete_function_concurrency(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, _ = names.function_name(params["FunctionName"])
    state.config(name)
    state.functions.set_reserved_concurrency(name, None)
    persist.save(state, name)
    return {}


OPERATIONS: dict[str, Operation] = {
    "PutFunctionConcurrency": put_function_concurrency,
    "GetFunctionConcurrency": get_function_concurrency,
    "DeleteFunctionConcurrency": delete_function_concurrency,
}
