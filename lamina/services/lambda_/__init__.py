"""The Lambda API (botocore service "lambda") over FunctionService.

One module per resource (functions, versions, aliases, concurrency, permissions, layers,
invoke, event invoke configs, account); `provider.LambdaProvider` gathers their handlers.
May import core, aws and functions.
"""

from lamina.services.lambda_.provider import LambdaProvider

__all__ = ["LambdaProvider"]
