"""GetAccountSettings: the account's limits and what its functions use.

https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html
https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
"""

from __future__ import annotations

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput
from lamina.services.lambda_.code import MAX_UNZIPPED_BYTES, MAX_ZIPPED_BYTES
from lamina.services.lambda_.state import LambdaState, Operation

TOTAL_CODE_SIZE = 80_530_636_800
"""75 GB: function and layer storage per Region."""


async def get_account_settings(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    functions = state.functions.functions()
    used = 0
    for config in functions:
        used += state.meta_of(config.name, "$LATEST").code_size
        for version in state.functions.versions(config.name):
            used += state.meta_of(config.name, version.version).code_size
    used += sum(layer.code_size for versions in state.layers.values() for layer in versions)
    return {
        "AccountLimit": {
            "TotalCodeSize": TOTAL_CODE_SIZE,
            "CodeSizeUnzipped": MAX_UNZIPPED_BYTES,
            "CodeSizeZipped": MAX_ZIPPED_BYTES,
            "ConcurrentExecutions": state.functions.account_concurrency,
            "UnreservedConcurrentExecutions": state.functions.unreserved_concurrency,
        },
        "AccountUsage": {"TotalCodeSize": used, "FunctionCount": len(functions)},
    }


OPERATIONS: dict[str, Operation] = {"GetAccountSettings": get_account_settings}
