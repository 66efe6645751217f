"""User pool Lambda triggers run as invocations through Lamina's function service, on
behalf of cognito-idp.amazonaws.com (the function's resource policy must allow it, as on
AWS).
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html
"""

from __future__ import annotations

from typing import Any

import orjson

from lamina.functions.policy import InvokeRequest
from lamina.functions.service import FunctionService
from lamina.services.cognito_idp.provider import TriggerInvoker
from lamina.services.lambda_.names import function_name

PRINCIPAL = "cognito-idp.amazonaws.com"


class TriggerFailed(Exception):
    """The trigger raised: its errorMessage becomes the caller's error."""


def function_triggers(functions: FunctionService, account_id: str) -> TriggerInvoker:
    async def run(function: str, event: dict[str, Any]) -> dict[str, Any]:
        name, qualifier = function_name(function)
        pool_arn = (
            f"arn:aws:cognito-idp:{event['region']}:{account_id}:userpool/{event['userPoolId']}"
        )
        result = await functions.invoke(
            name,
            orjson.dumps(event),
            qualifier=qualifier,
            source=InvokeRequest(
                principal=PRINCIPAL, source_arn=pool_arn, source_account=account_id
            ),
        )
        answer = orjson.loads(result.payload) if result.payload else None
        if result.function_error is not None:
            message = answer.get("errorMessage") if isinstance(answer, dict) else None
            raise TriggerFailed(message or "the trigger failed")
        if not isinstance(answer, dict):
            raise TriggerFailed("the trigger did not return the event")
        return answer

    return run
