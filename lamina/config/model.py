"""The application a template describes, in Lamina's own terms."""

from __future__ import annotations

import msgspec

from lamina.functions.model import FunctionConfig
from lamina.gateway.model import HttpApi, RestApi

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"


class TemplatePermission(msgspec.Struct, frozen=True, kw_only=True):
    """One AWS::Lambda::Permission: `principal` may call `action` on the function."""

    statement_id: str
    function_name: str
    qualifier: str | None = None
    action: str = "lambda:InvokeFunction"
    principal: str
    source_arn: str | None = None
    source_account: str | None = None


class Application(msgspec.Struct, frozen=True, kw_only=True):
    """Everything `lamina up` serves from one template."""

    template_path: str
    stack_name: str
    region: str = DEFAULT_REGION
    account_id: str = DEFAULT_ACCOUNT_ID
    functions: tuple[FunctionConfig, ...] = ()
    rest_apis: tuple[RestApi, ...] = ()
    http_apis: tuple[HttpApi, ...] = ()
    permissions: tuple[TemplatePermission, ...] = ()
    """AWS::Lambda::Permission statements (who may invoke which function)."""
    warnings: tuple[str, ...] = ()
    """Unsupported resource types and other things the user should know, one line each."""
