"""`lamina delete`: delete a stack as CloudFormation's delete-stack does.

The stack's resources (the stack record in the control plane's store, cli/stack.py) are
shown as a table, then deleted in the reverse of the order they depend on each other:
APIs first, then what invokes functions (permissions, event source mappings), the
functions' API-made versions, aliases and settings, then the data (tables, secrets, keys,
user pools, buckets). Each is deleted through its service's own operation, on providers
opened over the state folder without serving anything, so `lamina up` must be stopped.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-console-delete-stack.html

A resource the template (when still at hand) gives `DeletionPolicy: Retain` is kept and
leaves the stack (DELETE_SKIPPED). A resource that cannot be deleted (a bucket that still
holds objects) fails, the others are deleted all the same, and the stack stays as
DELETE_FAILED with only the failed resources, so a second `lamina delete` retries them.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import click
import msgspec

from lamina.cli.control import announce_change
from lamina.cli.delete_resources import NOT_STORED, Deleter
from lamina.cli.operator import find_serving
from lamina.cli.stack import StackRecord, stacks
from lamina.config.document import find_template, load_document
from lamina.config.error import ConfigError
from lamina.config.load import default_stack_name
from lamina.core.store import Store

ResourceStatus = Literal["DELETE_COMPLETE", "DELETE_SKIPPED", "DELETE_FAILED"]

RETAINING_POLICIES = frozenset({"Retain", "RetainExceptOnCreate"})
"""DeletionPolicy values that keep a resource when its stack is deleted (RetainExceptOnCreate
deletes only a resource whose creation rolled back)."""

ORDER = (
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGateway::DomainName",
    "AWS::ApiGateway::UsagePlan",
    "AWS::ApiGateway::ApiKey",
    "AWS::Lambda::Permission",
    "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::Function",
    "AWS::Lambda::LayerVersion",
    "AWS::SecretsManager::RotationSchedule",
    "AWS::DynamoDB::Table",
    "AWS::SecretsManager::Secret",
    "AWS::Cognito::UserPoolDomain",
    "AWS::Cognito::UserPoolGroup",
    "AWS::Cognito::UserPoolClient",
    "AWS::Cognito::UserPool",
    "AWS::KMS::Alias",
    "AWS::KMS::Key",
    "AWS::S3::Bucket",
    "AWS::IAM::User",
    "AWS::IAM::Role",
)
"""Deletion order: what depends on a resource goes before it (an API before the functions
it invokes, secrets and pools before the keys they are encrypted under)."""


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    logical_id: str
    type: str
    physical_id: str
    status: ResourceStatus
    reason: str = ""


def delete_stack(
    path: str,
    state_dir: Path,
    store: Store,
    *,
    stack_name: str | None,
    confirm: bool,
    dynamodb_url: str | None = None,
) -> int:
    serving = find_serving(state_dir)
    if serving is not None:
        click.echo(
            f"error: a `lamina up` (pid {serving.pid}, {serving.url}) serves {state_dir} and "
            f"the stack {serving.stack_name}: stop it first, then delete",
            err=True,
        )
        return 2
    name = stack_name or _default_name(path, store)
    if name is None:
        known = ", ".join(stack.name for stack in stacks(store).all()) or "none"
        click.echo(f"error: which stack? name one with --stack-name (stacks: {known})", err=True)
        return 2
    stack = stacks(store).get(name)
    if stack is None:
        # CloudFormation's answer for a stack it does not know.
        click.echo(f"error: Stack with id {name} does not exist (in {state_dir})", err=True)
        return 2
    template = template_resources(_template(path, stack))
    keep = retained(template)
    for line in resource_table(stack, keep):
        click.echo(line)
    if confirm and not click.confirm(f"Delete the stack {name}?", default=False):
        click.echo("Nothing deleted.")
        return 1
    deleter = Deleter(stack, state_dir, store, dynamodb_url=dynamodb_url, template=template)
    outcomes = asyncio.run(_delete_all(deleter, keep))
    announce_change(store)  # nodes serving a shared store drop the deleted APIs
    for line in event_lines(outcomes):
        click.echo(line)
    failed = [outcome for outcome in outcomes if outcome.status == "DELETE_FAILED"]
    _finish(store, stack, failed)
    click.echo(
        f"Function logs stay under {state_dir / 'logs'} (log groups outlive a deleted stack "
        "on AWS too)."
    )
    if failed:
        click.echo(f"{name}: DELETE_FAILED: {_failure_reason(failed)}")
        return 1
    click.echo(f"{name}: DELETE_COMPLETE")
    return 0


def template_resources(template: Path | None) -> dict[str, dict[str, Any]]:
    """The template's Resources section by logical id (empty without a template): the
    config model does not keep DeletionPolicy, so it is read from the document."""
    if template is None:
        return {}
    try:
        body = load_document(template).body
    except ConfigError:
        return {}
    resources = body.get("Resources")
    if not isinstance(resources, dict):
        return {}
    return {str(k): v for k, v in resources.items() if isinstance(v, dict)}


def retained(resources: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """Logical ids whose DeletionPolicy keeps them when the stack is deleted."""
    return {
        logical_id
        for logical_id, definition in resources.items()
        if definition.get("DeletionPolicy") in RETAINING_POLICIES
    }


def ordered(stack: StackRecord) -> list[tuple[str, str, str]]:
    """(logical id, type, physical id) in deletion order; unknown types last."""
    rank = {type_: index for index, type_ in enumerate(ORDER)}
    items = sorted(
        stack.resources.items(), key=lambda item: (rank.get(item[1].type, len(ORDER)), item[0])
    )
    return [(logical_id, r.type, r.physical_id) for logical_id, r in items]


def resource_table(stack: StackRecord, keep: set[str]) -> Iterator[str]:
    resources = ordered(stack)
    kept = sum(1 for logical_id, _, _ in resources if logical_id in keep)
    yield (
        f"Stack {stack.name} ({stack.status}): {len(resources) - kept} resources to delete, "
        f"{kept} retained"
    )
    if not resources:
        return
    width_id = max(len("LogicalResourceId"), *(len(r[0]) for r in resources))
    width_type = max(len("ResourceType"), *(len(r[1]) for r in resources))
    yield (
        f"{'Operation':<10}  {'LogicalResourceId':<{width_id}}  "
        f"{'ResourceType':<{width_type}}  PhysicalResourceId"
    )
    for logical_id, type_, physical_id in resources:
        operation = "Retain" if logical_id in keep else "- Delete"
        yield f"{operation:<10}  {logical_id:<{width_id}}  {type_:<{width_type}}  {physical_id}"


def event_lines(outcomes: list[Outcome]) -> Iterator[str]:
    """What happened to each resource, as a stack's events list it."""
    if not outcomes:
        return
    width_id = max(len(outcome.logical_id) for outcome in outcomes)
    width_type = max(len(outcome.type) for outcome in outcomes)
    for o in outcomes:
        line = f"{o.status:<15}  {o.logical_id:<{width_id}}  {o.type:<{width_type}}  {o.reason}"
        yield line.rstrip()


async def _delete_all(deleter: Deleter, keep: set[str]) -> list[Outcome]:
    outcomes = []
    try:
        for logical_id, type_, physical_id in ordered(deleter.stack):
            common = {"logical_id": logical_id, "type": type_, "physical_id": physical_id}
            if logical_id in keep:
                outcomes.append(
                    Outcome(**common, status="DELETE_SKIPPED", reason="DeletionPolicy: Retain")
                )
                continue
            failure = await deleter.delete(logical_id, type_, physical_id)
            if failure is None:
                note = NOT_STORED if type_ not in deleter.stored_types else ""
                outcomes.append(Outcome(**common, status="DELETE_COMPLETE", reason=note))
            else:
                outcomes.append(Outcome(**common, status="DELETE_FAILED", reason=failure))
    finally:
        await deleter.close()
    return outcomes


def _finish(store: Store, stack: StackRecord, failed: list[Outcome]) -> None:
    """Forget the stack, or keep it as DELETE_FAILED holding what is left to delete."""
    collection = stacks(store)
    with store.transaction() as tx:
        if not failed:
            collection.delete(stack.name, tx)
            return
        left = {outcome.logical_id for outcome in failed}
        stack.resources = {k: r for k, r in stack.resources.items() if k in left}
        stack.status, stack.reason = "DELETE_FAILED", _failure_reason(failed)
        stack.updated = time.time()
        collection.put(stack.name, stack, tx)


def _failure_reason(failed: list[Outcome]) -> str:
    # The stack status reason CloudFormation gives a stack that failed to delete.
    names = ", ".join(outcome.logical_id for outcome in failed)
    details = "; ".join(f"{outcome.logical_id}: {outcome.reason}" for outcome in failed)
    return f"The following resource(s) failed to delete: [{names}]. {details}"


def _default_name(path: str, store: Store) -> str | None:
    """The stack `lamina up` names after the template's folder, else the only stack."""
    try:
        return default_stack_name(find_template(path))
    except ConfigError:
        found = stacks(store).all()
        return found[0].name if len(found) == 1 else None


def _template(path: str, stack: StackRecord) -> Path | None:
    """The template at PATH, else the one the stack was deployed from, if still there."""
    for candidate in (path, stack.template_path):
        try:
            return find_template(candidate)
        except ConfigError:
            continue
    return None
