"""A template's Lamina-only start step: sample data and where to begin.

    Metadata:
      Lamina:
        Seed: [SeedFunction]   # functions invoked once each time `lamina up` starts
        Open: /                # the page to open, printed with the server's URL, or the
                               # logical id of a CloudFront distribution (its local URL)

CloudFormation has no step that runs code after a deploy except custom resources, so an
example that wants sample data names an ordinary function here; Lamina invokes it (with
an empty event, under its own role) once it listens and prints the `message` it returns.
On AWS the same function is invoked once after `sam deploy`. A seed function must be
idempotent: every start runs it again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from lamina.config import cloudfront
from lamina.config.document import find_template, load_document
from lamina.config.error import ConfigError
from lamina.config.model import Application
from lamina.functions.error import FunctionError
from lamina.functions.service import FunctionService


class StartStep(msgspec.Struct, frozen=True, kw_only=True):
    """What the template's `Metadata.Lamina` asks for at start."""

    seed: tuple[str, ...] = ()
    """Physical names of the functions to invoke, in order."""
    open_path: str | None = None
    """A path on the server's own URL."""
    open_host: str | None = None
    """A distribution's local host name, `{d…}.cloudfront.localhost`."""


def start_step(path: str, app: Application) -> StartStep:
    """The template's `Metadata.Lamina` step, its logical ids resolved to functions."""
    try:
        body = load_document(find_template(path)).body
    except ConfigError:
        return StartStep()  # load_application already reported it
    lamina = (body.get("Metadata") or {}).get("Lamina") or {}
    if not isinstance(lamina, dict):
        return StartStep()
    by_id = {function.logical_id: function.name for function in app.functions}
    wanted = lamina.get("Seed") or []
    if isinstance(wanted, str):
        wanted = [wanted]  # one function named without a list
    if not isinstance(wanted, list) or not all(isinstance(name, str) for name in wanted):
        raise ConfigError(f"Metadata.Lamina.Seed is a list of function logical ids: {wanted!r}")
    unknown = [name for name in wanted if name not in by_id]
    if unknown:
        raise ConfigError(f"Metadata.Lamina.Seed names no function of the template: {unknown}")
    seed = tuple(by_id[name] for name in wanted)
    opened = lamina.get("Open")
    if opened is None or str(opened).startswith("/"):
        return StartStep(seed=seed, open_path=None if opened is None else str(opened))
    return StartStep(seed=seed, open_host=_distribution_host(app, str(opened)))


def _distribution_host(app: Application, logical_id: str) -> str:
    for resource in app.service_resources:
        if resource.type == cloudfront.DISTRIBUTION and resource.logical_id == logical_id:
            stem = cloudfront.distribution_domain(resource.physical_id).partition(".")[0]
            return f"{stem}.cloudfront.localhost"
    raise ConfigError(
        f"Metadata.Lamina.Open is neither a path nor a distribution of the template: {logical_id}"
    )


async def run_start_step(
    step: StartStep, functions: FunctionService, url: str, echo: Callable[[str], None]
) -> None:
    """Invoke each seed function and print what it says, then the page to open. A failing
    seed is reported and the server keeps serving."""
    for name in step.seed:
        try:
            result = await functions.invoke(name, b"{}")
        except FunctionError as error:
            echo(f"Seed {name} was not invoked: {error}")
            continue
        echo(f"Seed {name}: {_said(result.payload, failed=result.function_error is not None)}")
    if step.open_path is not None:
        echo(f"Open {url}/{step.open_path.lstrip('/')}")
    if step.open_host is not None:
        scheme, _, address = url.partition("://")
        echo(f"Open {scheme}://{step.open_host}:{address.rpartition(':')[2]}/")


def _said(payload: bytes, *, failed: bool) -> str:
    try:
        answer: Any = msgspec.json.decode(payload)
    except msgspec.DecodeError:
        return payload.decode(errors="replace")
    if failed and isinstance(answer, dict):
        return f"failed: {answer.get('errorType')}: {answer.get('errorMessage')}"
    if isinstance(answer, dict) and isinstance(answer.get("message"), str):
        return str(answer["message"])
    return payload.decode(errors="replace")
