"""`lamina deploy` and `lamina stacks`: change sets against the stack the store records.

`lamina deploy` plans the change set between the template and the stack as last deployed
(cli/stack.py), shows it as `sam deploy` does, asks before applying (`--no-confirm` for
CI), and hands it to the `lamina up` serving the state (cli/operator.py), which applies it
while it keeps serving and rolls back to the previous version if a step fails. Code edits
under a function's folder are found by that server (the table lists template changes).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import click
import httpx
import msgspec

from lamina.cli.operator import DeployRequest, find_serving
from lamina.cli.stack import change_table, inventory, plan, stacks
from lamina.config.load import load_application
from lamina.core.store import Store

_TIMEOUT_S = 300.0


def deploy(
    path: str,
    state_dir: Path,
    store: Store,
    *,
    stack_name: str | None,
    parameters: dict[str, str] | None,
    confirm: bool,
) -> int:
    serving = find_serving(state_dir)
    if serving is None:
        click.echo(
            f"error: no Lamina serves {state_dir}: start one with `lamina up` (it deploys the "
            "template as it starts), then deploy changes to it",
            err=True,
        )
        return 2
    app = load_application(
        path,
        parameter_overrides=parameters or {},
        region=serving.region,
        account_id=serving.account_id,
        stack_name=stack_name or serving.stack_name,
    )
    changes = plan(stacks(store).get(app.stack_name), app)
    for line in change_table(app.stack_name, changes, len(inventory(app))):
        click.echo(line)
    deleted = [c for c in changes if c.action == "Delete" and not _removable(c.type)]
    for change in deleted:
        click.echo(f"  retained: {change.logical_id} ({change.type}); `lamina delete` removes it")
    if changes and confirm and not click.confirm("Deploy this change set?", default=False):
        click.echo("Nothing deployed.")
        return 1
    request = DeployRequest(
        stack_name=app.stack_name, template_path=app.template_path, parameters=parameters
    )
    try:
        answer = httpx.post(
            f"{serving.url}/_lamina/deploy",
            content=msgspec.json.encode(request),
            headers={"authorization": f"Bearer {serving.token}"},
            timeout=_TIMEOUT_S,
        )
    except httpx.HTTPError as error:
        click.echo(f"error: cannot reach the Lamina at {serving.url}: {error}", err=True)
        return 2
    body = answer.json()
    if answer.status_code != 200:
        click.echo(f"error: {body.get('message', answer.text)}", err=True)
        return 2
    status = body["status"]
    click.echo(f"{app.stack_name}: {status}: {body['message']}")
    return 0 if status in ("UPDATE_COMPLETE", "NO_CHANGES") else 1


def list_stacks(store: Store) -> int:
    found = stacks(store).all()
    if not found:
        click.echo("No stacks yet: `lamina up` deploys one.")
        return 0
    for stack in found:
        when = datetime.datetime.fromtimestamp(stack.updated, datetime.UTC)
        click.echo(
            f"{stack.name}  {stack.status}  {len(stack.resources)} resources  "
            f"{when:%Y-%m-%d %H:%M:%S} UTC  {stack.template_path}"
        )
        if stack.reason:
            click.echo(f"    {stack.reason}")
    return 0


def _removable(resource_type: str) -> bool:
    """What an update removes; data resources are kept (cli/reload.py)."""
    return resource_type in (
        "AWS::Lambda::Function",
        "AWS::ApiGateway::RestApi",
        "AWS::ApiGatewayV2::Api",
    )
