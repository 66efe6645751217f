"""TagResource / UntagResource / GetTags for REST APIs, their stages, API keys, usage plans
and domain names, named by ARN: `arn:aws:apigateway:{region}::/restapis/{id}`,
`.../restapis/{id}/stages/{name}`, `.../apikeys/{id}`, `.../usageplans/{id}`,
`.../domainnames/{name}`. Tags change no served behaviour, so no on_change.

https://docs.aws.amazon.com/apigateway/latest/api/API_TagResource.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-tagging-iam-policy.html
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.core.store import Transaction
from lamina.services.apigateway.api_keys import api_key
from lamina.services.apigateway.deploy_records import Records
from lamina.services.apigateway.domain_store import Domains
from lamina.services.apigateway.domains import domain
from lamina.services.apigateway.error import not_found
from lamina.services.apigateway.stages import stage_record
from lamina.services.apigateway.state import ApiGatewayState
from lamina.services.apigateway.usage_plans import usage_plan

_RESOURCE = re.compile(
    r"arn:[a-z-]+:apigateway:(?P<region>[a-z0-9-]+)::/(?:"
    r"restapis/(?P<api>[^/]+)(?:/stages/(?P<stage>[^/]+))?"
    r"|apikeys/(?P<key>[^/]+)|usageplans/(?P<plan>[^/]+)|domainnames/(?P<domain>[^/]+))"
)

Tags = dict[str, str]


def _tagged(
    state: ApiGatewayState, arn: str, tx: Transaction
) -> tuple[Tags, Callable[[Tags], None]]:
    """The tags of the record the ARN names, and how to store the record with new ones."""
    found = _RESOURCE.fullmatch(arn)
    if found is None or found["region"] != state.region:
        # Lamina's wording (the one apigatewayv2 answers): AWS's is not documented.
        raise not_found(f"Invalid resource ARN specified {arn}")
    records = Records(state.store)
    if found["stage"] is not None:
        api_id = found["api"]
        state.rest_api(api_id, tx)
        stage = stage_record(records, api_id, found["stage"], tx)

        def save_stage(tags: Tags) -> None:
            stage.tags = tags or None
            records.stages.put(f"{api_id}/{stage.stage_name}", stage, tx)

        return dict(stage.tags or {}), save_stage
    if found["api"] is not None:
        api = state.rest_api(found["api"], tx)

        def save_api(tags: Tags) -> None:
            api.tags = tags or None
            state.rest_apis.put(api.id, api, tx)

        return dict(api.tags or {}), save_api
    if found["key"] is not None:
        key = api_key(records, found["key"], tx)

        def save_key(tags: Tags) -> None:
            key.tags = tags or None
            records.api_keys.put(key.id, key, tx)

        return dict(key.tags or {}), save_key
    if found["plan"] is not None:
        plan = usage_plan(records, found["plan"], tx)

        def save_plan(tags: Tags) -> None:
            plan.tags = tags or None
            records.usage_plans.put(plan.id, plan, tx)

        return dict(plan.tags or {}), save_plan
    domains = Domains(state.store)
    record = domain(domains, found["domain"].lower(), tx)

    def save_domain(tags: Tags) -> None:
        record.tags = tags
        domains.put(record, tx)

    return dict(record.tags), save_domain


def _tag(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    with state.store.transaction() as tx:
        tags, save = _tagged(state, params["resourceArn"], tx)
        save({**tags, **(params.get("tags") or {})})
    return {}


def _untag(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    removed = set(params.get("tagKeys") or ())
    with state.store.transaction() as tx:
        tags, save = _tagged(state, params["resourceArn"], tx)
        save({key: value for key, value in tags.items() if key not in removed})
    return {}


def _get_tags(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    with state.store.transaction() as tx:
        tags, _ = _tagged(state, params["resourceArn"], tx)
    return {"tags": tags}


OPERATIONS: dict[str, Operation[ApiGatewayState]] = {
    "TagResource": _tag,
    "UntagResource": _untag,
    "GetTags": _get_tags,
}
