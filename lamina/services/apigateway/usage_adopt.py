"""adopt_limits(): a template's API keys and usage plans written into the management API's
records, as CloudFormation leaves them behind, so GetApiKeys, GetUsagePlans,
GetUsagePlanKeys and GetUsage answer for them as for those made through the API.

Each adoption (every `lamina up`, every reload) writes the template's keys and plans as it
declares them: the template wins over what the API changed on them (a key's value, a
plan's limits), as a stack update does for the properties it sets. Keys the API attached to
a template plan stay attached. Keys and plans tagged with the stack whose ids the template
no longer declares are deleted, with their plan keys.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-usageplan.html
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from lamina.core.store import Transaction
from lamina.services.apigateway.adopt import STACK_TAG
from lamina.services.apigateway.api_keys import API_KEY_TYPE
from lamina.services.apigateway.deploy_records import (
    EVERYTHING,
    ApiKey,
    ApiStage,
    QuotaSettings,
    Records,
    ThrottleSettings,
    UsagePlan,
    UsagePlanKey,
)
from lamina.services.apigateway.state import ApiGatewayState

Shape = Mapping[str, Any]


def adopt_limits(
    state: ApiGatewayState, keys: Sequence[Shape], plans: Sequence[Shape], *, stack_name: str
) -> None:
    """`keys`: {id, name, value, enabled}; `plans`: GetUsagePlan's shape plus `keyIds`."""
    records, now = Records(state.store), state.now()
    with state.store.transaction() as tx:
        template_keys = {str(key["id"]) for key in keys}
        for key in keys:
            known = records.api_keys.get(str(key["id"]), tx)
            records.api_keys.put(str(key["id"]), _key(key, known, stack_name, now), tx)
        for plan in plans:
            known_plan = records.usage_plans.get(str(plan["id"]), tx)
            records.usage_plans.put(str(plan["id"]), _plan(plan, known_plan, stack_name), tx)
            _link(records, str(plan["id"]), [str(k) for k in plan["keyIds"]], template_keys, tx)
        _forget(records, stack_name, template_keys, {str(plan["id"]) for plan in plans}, tx)
    state.changed(EVERYTHING)


def _key(given: Shape, known: ApiKey | None, stack_name: str, now: float) -> ApiKey:
    tags = {**((known.tags or {}) if known is not None else {}), STACK_TAG: stack_name}
    return ApiKey(
        id=str(given["id"]),
        value=str(given["value"]),
        created_date=known.created_date if known is not None else now,
        last_updated_date=now,
        name=str(given["name"]),
        enabled=bool(given["enabled"]),
        customer_id=known.customer_id if known is not None else None,
        description=known.description if known is not None else None,
        tags=tags,
    )


def _plan(given: Shape, known: UsagePlan | None, stack_name: str) -> UsagePlan:
    tags = {**((known.tags or {}) if known is not None else {}), STACK_TAG: stack_name}
    throttle, quota = given.get("throttle"), given.get("quota")
    return UsagePlan(
        id=str(given["id"]),
        name=str(given["name"]),
        description=known.description if known is not None else None,
        api_stages=[msgspec.convert(stage, ApiStage) for stage in given["apiStages"]],
        throttle=None if throttle is None else msgspec.convert(throttle, ThrottleSettings),
        quota=None if quota is None else msgspec.convert(quota, QuotaSettings),
        tags=tags,
    )


def _link(
    records: Records, plan_id: str, key_ids: list[str], template_keys: set[str], tx: Transaction
) -> None:
    """The template's plan keys; a template key it no longer links is unlinked, a key the
    API attached is kept."""
    for link in records.plan_keys.all(f"{plan_id}/", tx):
        if link.key_id in template_keys and link.key_id not in key_ids:
            records.plan_keys.delete(f"{plan_id}/{link.key_id}", tx)
    for key_id in key_ids:
        link = UsagePlanKey(usage_plan_id=plan_id, key_id=key_id, key_type=API_KEY_TYPE)
        records.plan_keys.put(f"{plan_id}/{key_id}", link, tx)


def _forget(
    records: Records, stack_name: str, keys: set[str], plans: set[str], tx: Transaction
) -> None:
    """Delete the stack's keys and plans the template no longer declares."""
    every_plan = records.usage_plans.all("", tx)
    for plan in every_plan:
        if (plan.tags or {}).get(STACK_TAG) == stack_name and plan.id not in plans:
            for link in records.plan_keys.all(f"{plan.id}/", tx):
                records.plan_keys.delete(f"{plan.id}/{link.key_id}", tx)
            records.usage_plans.delete(plan.id, tx)
    for key in records.api_keys.all("", tx):
        if (key.tags or {}).get(STACK_TAG) == stack_name and key.id not in keys:
            for plan in every_plan:
                records.plan_keys.delete(f"{plan.id}/{key.id}", tx)
            records.api_keys.delete(key.id, tx)
