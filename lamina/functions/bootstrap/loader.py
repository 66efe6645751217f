"""Import of the handler module (Lambda's Init phase) with the runtime's error types.

https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

from .fault import Fault

Handler = Callable[[Any, Any], Any]


def load_handler(spec: str) -> Handler:
    """``module.function`` (the module may be a path such as ``src/app``) -> the callable."""
    module_name, sep, function_name = spec.rpartition(".")
    if not sep or not module_name:
        raise Fault(
            "Runtime.MalformedHandlerName",
            f"Bad handler '{spec}': not enough values to unpack (expected 2, got 1)",
        )
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise Fault(
            "Runtime.BuiltInModuleConflict",
            f"Cannot use built-in module {module_name} as a handler module",
        )
    module = _import(module_name)
    handler = getattr(module, function_name, None)
    if handler is None:
        raise Fault(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        )
    return handler  # type: ignore[no-any-return]


def _import(module_name: str) -> Any:
    try:
        return importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        raise Fault(
            "Runtime.ImportModuleError",
            f"Unable to import module '{module_name}': {error}",
        ) from error
    except SyntaxError as error:
        trace = [f'  File "{error.filename}" Line {error.lineno}\n    {error.text}']
        raise Fault(
            "Runtime.UserCodeSyntaxError",
            f"Syntax error in module '{module_name}': {error}",
            trace,
        ) from error
