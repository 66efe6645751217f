"""adopt_limits(): a template's API keys and usage plans written into the management API's
records, as CloudFormation leaves them behind, so GetApiKeys, GetUsagePlans,
GetUsagePlanKeys and GetUsage answer for them as for those made through the API.

Each adoption (every `lamina up`, every reload) remembers what the template declared for
each key and plan (kind `apigw/adopted-limits`) and applies a property only when the
template's value changed since the last adoption: a change made through the API (a key
disabled with UpdateApiKey, a plan's quota raised) is drift, left alone as a stack update
leaves it, until the template's own property changes, and then the template's new value
applies. A key or plan new to the template is created; one the API deleted stays deleted
until its declaration changes. Keys the API attached to a template plan stay attached, and
a plan key the API deleted is not attached again unless the template adds it anew. Keys and
plans tagged with the stack whose ids the template no longer declares are deleted, with
their plan keys.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-usageplan.html

A template key whose value another key already has (one made through the API, or a second
template key) is refused with CreateApiKey's ConflictException "API Key already exists",
naming both, and nothing of the template's keys and plans is written: two keys with one
value would leave the data plane to pick either.
https://docs.aws.amazon.com/apigateway/latest/api/API_CreateApiKey.html
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
import orjson

from lamina.core.store import Reader, Transaction
from lamina.services.apigateway.adopt import STACK_TAG
from lamina.services.apigateway.api_keys import API_KEY_TYPE, DUPLICATE_VALUE
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
from lamina.services.apigateway.error import conflict
from lamina.services.apigateway.state import ApiGatewayState

Shape = Mapping[str, Any]

LAST = "apigw/adopted-limits"
"""`key/{stack}/{id}`, `plan/{stack}/{id}` -> the template's key or plan (render_limits'
shape) as last adopted. The keys never start with a REST API id, so DeleteRestApi, which
deletes every `apigw/` record keyed under the API, leaves them."""
_KEY_PROPERTIES = ("name", "value", "enabled")
_PLAN_PROPERTIES = ("name", "apiStages", "throttle", "quota")


def adopt_limits(
    state: ApiGatewayState, keys: Sequence[Shape], plans: Sequence[Shape], *, stack_name: str
) -> None:
    """`keys`: {id, name, value, enabled}; `plans`: GetUsagePlan's shape plus `keyIds`.
    Raises ServiceError (ConflictException) when a template key's value is taken."""
    records, now = Records(state.store), state.now()
    with state.store.transaction() as tx:
        template_keys = {str(key["id"]) for key in keys}
        written: list[ApiKey] = []
        for key in keys:
            last = _last(tx, f"key/{stack_name}/{key['id']}")
            known = records.api_keys.get(str(key["id"]), tx)
            record = _key(key, last, known, stack_name, now)
            if record is not None:
                records.api_keys.put(record.id, record, tx)
                written.append(record)
            tx.put(LAST, f"key/{stack_name}/{key['id']}", orjson.dumps(key))
        _check_values(records, written, tx)
        for plan in plans:
            _adopt_plan(records, plan, stack_name, template_keys, tx)
        _forget(records, stack_name, template_keys, {str(plan["id"]) for plan in plans}, tx)
    state.changed(EVERYTHING)


def _last(tx: Reader, name: str) -> Shape | None:
    raw = tx.get(LAST, name)
    return None if raw is None else orjson.loads(raw)


def _changed(given: Shape, last: Shape | None, properties: tuple[str, ...]) -> list[str]:
    """The properties the template changed since `last` (every one the first time)."""
    if last is None:
        return list(properties)
    return [name for name in properties if given.get(name) != last.get(name)]


def _key(
    given: Shape, last: Shape | None, known: ApiKey | None, stack_name: str, now: float
) -> ApiKey | None:
    """The key's record after this adoption, or None when there is nothing to write (a
    key the API deleted whose declaration did not change)."""
    changed = _changed(given, last, _KEY_PROPERTIES)
    if known is None:
        if not changed:
            return None
        known = ApiKey(
            id=str(given["id"]), value=str(given["value"]), created_date=now, last_updated_date=now
        )
        changed = list(_KEY_PROPERTIES)
    known.tags = {**(known.tags or {}), STACK_TAG: stack_name}
    if changed:
        known.last_updated_date = now
    if "name" in changed:
        known.name = str(given["name"])
    if "value" in changed:
        known.value = str(given["value"])
    if "enabled" in changed:
        known.enabled = bool(given["enabled"])
    return known


def _check_values(records: Records, written: list[ApiKey], tx: Reader) -> None:
    """Refuse a written template key whose value another key holds."""
    for key in written:
        for other in records.api_keys.all("", tx):
            if other.value == key.value and other.id != key.id:
                raise conflict(
                    f"{DUPLICATE_VALUE}: the template's API key {key.name!r} ({key.id}) has "
                    f"the value of API key {other.name!r} ({other.id})"
                )


def _adopt_plan(
    records: Records, given: Shape, stack_name: str, template_keys: set[str], tx: Transaction
) -> None:
    plan_id = str(given["id"])
    last = _last(tx, f"plan/{stack_name}/{plan_id}")
    tx.put(LAST, f"plan/{stack_name}/{plan_id}", orjson.dumps(given))
    changed = _changed(given, last, _PLAN_PROPERTIES)
    known = records.usage_plans.get(plan_id, tx)
    if known is None:
        if not changed:
            return  # the API deleted it; the template did not change it since
        known, last = UsagePlan(id=plan_id, name=str(given["name"])), None
        changed = list(_PLAN_PROPERTIES)
    known.tags = {**(known.tags or {}), STACK_TAG: stack_name}
    if "name" in changed:
        known.name = str(given["name"])
    if "apiStages" in changed:
        known.api_stages = [msgspec.convert(stage, ApiStage) for stage in given["apiStages"]]
    if "throttle" in changed:
        throttle = given.get("throttle")
        known.throttle = None if throttle is None else msgspec.convert(throttle, ThrottleSettings)
    if "quota" in changed:
        quota = given.get("quota")
        known.quota = None if quota is None else msgspec.convert(quota, QuotaSettings)
    records.usage_plans.put(plan_id, known, tx)
    _link(records, plan_id, given, last, template_keys, tx)


def _link(
    records: Records,
    plan_id: str,
    given: Shape,
    last: Shape | None,
    template_keys: set[str],
    tx: Transaction,
) -> None:
    """The template's plan keys it added or dropped since `last` (the first time: all of
    them, and a template key it does not link is unlinked); a key the API attached is kept,
    and one the API detached is not attached again while the template still links it."""
    key_ids = [str(k) for k in given["keyIds"]]
    before = set(template_keys) if last is None else {str(k) for k in last["keyIds"]}
    for key_id in before - set(key_ids):
        records.plan_keys.delete(f"{plan_id}/{key_id}", tx)
    for key_id in key_ids:
        if last is None or key_id not in before:
            if records.api_keys.get(key_id, tx) is None:
                continue  # a key the API deleted
            link = UsagePlanKey(usage_plan_id=plan_id, key_id=key_id, key_type=API_KEY_TYPE)
            records.plan_keys.put(f"{plan_id}/{key_id}", link, tx)


def _forget(
    records: Records, stack_name: str, keys: set[str], plans: set[str], tx: Transaction
) -> None:
    """Delete the stack's keys and plans the template no longer declares, and what was
    remembered of them."""
    for name, _ in tx.scan(LAST, f"key/{stack_name}/"):
        if name.rpartition("/")[2] not in keys:
            tx.delete(LAST, name)
    for name, _ in tx.scan(LAST, f"plan/{stack_name}/"):
        if name.rpartition("/")[2] not in plans:
            tx.delete(LAST, name)
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
