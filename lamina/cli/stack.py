"""Stacks: what a template deployed, kept in the control plane's store, and the change set
between that and a template about to be deployed (`lamina deploy` shows it as a table
before applying; `lamina up` records it after each deployment).

A stack record lists the stack's resources by logical id with their type, physical id
and a fingerprint of their definition, so a plan says, per resource, Add / Modify /
Delete, as CloudFormation's change sets do:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets.html
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from typing import Literal

import msgspec

from lamina.config.model import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, Application
from lamina.core.store import Collection, Store

STACKS = "stacks"
StackStatus = Literal[
    "CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "DELETE_FAILED"
]


class StackResource(msgspec.Struct, frozen=True, kw_only=True):
    type: str
    physical_id: str
    fingerprint: str


class StackRecord(msgspec.Struct, kw_only=True):
    name: str
    template_path: str
    parameters: dict[str, str] = msgspec.field(default_factory=dict)
    status: StackStatus = "CREATE_COMPLETE"
    created: float = 0.0
    updated: float = 0.0
    resources: dict[str, StackResource] = msgspec.field(default_factory=dict)
    region: str = DEFAULT_REGION
    account_id: str = DEFAULT_ACCOUNT_ID
    reason: str = ""
    """Why the last deployment was rolled back (UPDATE_ROLLBACK_COMPLETE), or which
    resources `lamina delete` could not delete (DELETE_FAILED)."""


class Change(msgspec.Struct, frozen=True, kw_only=True):
    action: Literal["Add", "Modify", "Delete"]
    logical_id: str
    type: str
    physical_id: str


def stacks(store: Store) -> Collection[StackRecord]:
    return Collection(store, STACKS, StackRecord)


def inventory(app: Application) -> dict[str, StackResource]:
    """Every resource the template declares that Lamina deploys, by logical id."""
    found: dict[str, StackResource] = {}

    def add(logical_id: str, type_: str, physical_id: str, definition: object) -> None:
        encoded = msgspec.json.encode(definition, order="sorted")
        digest = hashlib.sha256(encoded).hexdigest()[:16]
        found[logical_id] = StackResource(type=type_, physical_id=physical_id, fingerprint=digest)

    for function in app.functions:
        add(function.logical_id or function.name, "AWS::Lambda::Function", function.name, function)
    for rest in app.rest_apis:
        add(rest.logical_id, "AWS::ApiGateway::RestApi", rest.id, rest)
    for http in app.http_apis:
        add(http.logical_id, "AWS::ApiGatewayV2::Api", http.id, http)
    for table in app.tables:
        name = str(table.properties.get("TableName", table.logical_id))
        add(table.logical_id, "AWS::DynamoDB::Table", name, table.properties)
    for resource in app.service_resources:
        add(resource.logical_id, resource.type, resource.physical_id, resource.properties)
    for layer in app.layers:
        add(layer.logical_id, "AWS::Lambda::LayerVersion", layer.arn, layer)
    for mapping in app.event_source_mappings:
        add(mapping.logical_id, "AWS::Lambda::EventSourceMapping", mapping.logical_id, mapping)
    for domain in app.domains:
        add(domain.logical_id or domain.name, "AWS::ApiGateway::DomainName", domain.name, domain)
    for key in app.limits.api_keys:
        add(key.id, "AWS::ApiGateway::ApiKey", key.id, key)
    for plan in app.limits.usage_plans:
        add(plan.id, "AWS::ApiGateway::UsagePlan", plan.id, plan)
    for permission in app.permissions:
        add(permission.statement_id, "AWS::Lambda::Permission", permission.statement_id, permission)
    for identity in app.identities:  # IAM users (functions' assumed roles are theirs)
        if ":user/" in identity.arn:
            add(identity.arn.rpartition("/")[2], "AWS::IAM::User", identity.arn, identity)
    for role in app.roles:  # the template's roles, by the role name (logical ids are gone)
        add(role.arn.rpartition("/")[2], "AWS::IAM::Role", role.arn, role)
    return found


def plan(deployed: StackRecord | None, app: Application) -> list[Change]:
    """What deploying `app` changes, adds first, then modifications, then deletions."""
    before = deployed.resources if deployed is not None else {}
    after = inventory(app)
    changes = [
        Change(action="Add", logical_id=name, type=r.type, physical_id=r.physical_id)
        for name, r in after.items()
        if name not in before
    ]
    changes += [
        Change(action="Modify", logical_id=name, type=r.type, physical_id=r.physical_id)
        for name, r in after.items()
        if name in before and before[name] != r
    ]
    changes += [
        Change(action="Delete", logical_id=name, type=r.type, physical_id=r.physical_id)
        for name, r in before.items()
        if name not in after
    ]
    return changes


def record(
    store: Store,
    app: Application,
    parameters: dict[str, str],
    *,
    status: StackStatus | None = None,
    reason: str = "",
) -> StackRecord:
    """Write the stack as `app` deployed it (or, with a rollback status, only its status)."""
    collection = stacks(store)
    now = time.time()
    with store.transaction() as tx:
        known = collection.get(app.stack_name, tx)
        if known is not None and status == "UPDATE_ROLLBACK_COMPLETE":
            known.status, known.reason, known.updated = status, reason, now
            collection.put(app.stack_name, known, tx)
            return known
        stack = StackRecord(
            name=app.stack_name,
            template_path=app.template_path,
            parameters=dict(parameters),
            status=status or ("CREATE_COMPLETE" if known is None else "UPDATE_COMPLETE"),
            created=known.created if known is not None else now,
            updated=now,
            resources=inventory(app),
            region=app.region,
            account_id=app.account_id,
            reason=reason,
        )
        collection.put(app.stack_name, stack, tx)
        return stack


SYMBOLS = {"Add": "+ Add", "Modify": "* Modify", "Delete": "- Delete"}


def change_table(stack_name: str, changes: list[Change], resources: int) -> Iterator[str]:
    """The change set as `sam deploy` prints one; `resources`: how many the stack holds
    once the set is applied."""
    unchanged = resources - sum(1 for c in changes if c.action != "Delete")
    counts = {action: sum(1 for c in changes if c.action == action) for action in SYMBOLS}
    yield (
        f"Changes to stack {stack_name}: {counts['Add']} to add, {counts['Modify']} to modify, "
        f"{counts['Delete']} to delete, {unchanged} unchanged"
    )
    if not changes:
        return
    width_id = max(len("LogicalResourceId"), *(len(c.logical_id) for c in changes))
    width_type = max(len("ResourceType"), *(len(c.type) for c in changes))
    yield f"{'Operation':<10}  {'LogicalResourceId':<{width_id}}  {'ResourceType':<{width_type}}"
    for change in changes:
        symbol = SYMBOLS[change.action]
        yield f"{symbol:<10}  {change.logical_id:<{width_id}}  {change.type:<{width_type}}"
