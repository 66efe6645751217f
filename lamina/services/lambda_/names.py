"""FunctionName as the API accepts it: a name, a full or partial ARN, with a qualifier.

https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_RequestSyntax
"""

from __future__ import annotations

import re

from lamina.services.lambda_.error import invalid

_FUNCTION = re.compile(
    r"(?:arn:aws[a-zA-Z-]*:lambda:)?"
    r"(?:[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d:)?"
    r"(?:\d{12}:)?"
    r"(?:function:)?"
    r"(?P<name>[a-zA-Z0-9_.-]+)"
    r"(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?"
)
_LAYER = re.compile(
    r"(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:layer:)?(?P<name>[a-zA-Z0-9_-]+)"
)


def function_name(value: str, qualifier: str | None = None) -> tuple[str, str | None]:
    """(name, qualifier) from FunctionName and the separate Qualifier parameter."""
    match = _FUNCTION.fullmatch(value)
    if match is None:
        raise invalid(
            f"1 validation error detected: Value '{value}' at 'functionName' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern: "
            + _FUNCTION.pattern
        )
    derived = match.group("qualifier")
    if derived is not None and qualifier is not None and derived != qualifier:
        raise invalid(
            "The derived qualifier from the function name does not match the specified qualifier."
        )
    return match.group("name"), derived if derived is not None else qualifier


def layer_name(value: str) -> str:
    match = _LAYER.fullmatch(value)
    if match is None:
        raise invalid(f"Invalid layer name: {value}")
    return match.group("name")
