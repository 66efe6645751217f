"""`lamina invoke`: one invocation through the same FunctionService the server uses."""

from __future__ import annotations

import sys

import click

from lamina.cli.serve import state_dir_for
from lamina.config.load import load_application
from lamina.functions.error import FunctionNotFoundError
from lamina.functions.model import FunctionConfig
from lamina.functions.service import FunctionService


async def invoke_once(path: str, function: str, payload: bytes, overrides: dict[str, str]) -> int:
    app = load_application(path, parameter_overrides=overrides)
    name = physical_name(app.functions, function)
    service = FunctionService(
        app.functions,
        region=app.region,
        account_id=app.account_id,
        state_dir=state_dir_for(app),
        log_sink=lambda _, text: click.echo(text.rstrip("\n"), err=True),
    )
    await service.start()
    try:
        result = await service.invoke(name, payload)
    except FunctionNotFoundError as error:
        click.echo(f"error: {error}", err=True)
        return 2
    finally:
        await service.close()
    sys.stdout.buffer.write(result.payload + b"\n")
    sys.stdout.flush()
    return 1 if result.function_error else 0


def physical_name(functions: tuple[FunctionConfig, ...], wanted: str) -> str:
    """Accept the logical id or the function name."""
    for function in functions:
        if wanted in (function.logical_id, function.name):
            return function.name
    known = ", ".join(f.logical_id or f.name for f in functions)
    raise click.UsageError(f"no function {wanted!r} in the template (functions: {known})")
