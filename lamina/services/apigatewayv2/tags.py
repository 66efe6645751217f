"""TagResource / UntagResource / GetTags for HTTP APIs, their stages and domain names,
named by ARN: `arn:aws:apigateway:{region}::/apis/{id}`, `.../apis/{id}/stages/{name}`,
`.../domainnames/{name}`.

https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/tags-resource-arn.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-tagging-iam-policy.html
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.core.store import Transaction
from lamina.services.apigateway.domain_store import Domains
from lamina.services.apigatewayv2.state import Data, HttpApiState, not_found

_RESOURCE = re.compile(
    r"arn:[a-z-]+:apigateway:(?P<region>[a-z0-9-]+)::"
    r"/(?:apis/(?P<api>[a-z0-9]+)(?:/stages/(?P<stage>[^/]+))?|domainnames/(?P<domain>[^/]+))"
)


def _tagged(state: HttpApiState, arn: str, tx: Transaction) -> tuple[Data, Callable[[], None]]:
    """The record the ARN names, and how to store it again."""
    found = _RESOURCE.fullmatch(arn)
    if found is None or found["region"] != state.region:
        raise not_found(f"Invalid resource ARN specified {arn}")
    if found["domain"] is not None:
        name = found["domain"].lower()
        domains = Domains(state.store)
        domain = domains.get(name, tx)
        if domain is None:
            raise not_found(f"Invalid domain name identifier specified {state.account_id}:{name}")
        shown: Data = {"Tags": domain.tags}

        def save() -> None:
            domain.tags = dict(shown["Tags"])
            domains.put(domain, tx)

        return shown, save
    api_id, stage_name = found["api"], found["stage"]
    if stage_name is None:
        api = state.api(api_id, tx)
        return api, lambda: state.put_api(api, tx)
    stage = state.stage(api_id, stage_name, tx)
    return stage, lambda: state.put_child(state.stages, api_id, stage_name, stage, tx)


def _tag(state: HttpApiState, params: OperationInput) -> OperationOutput:
    with state.change() as (tx, _):
        record, save = _tagged(state, params["ResourceArn"], tx)
        record["Tags"] = {**(record.get("Tags") or {}), **(params.get("Tags") or {})}
        save()
    return {}


def _untag(state: HttpApiState, params: OperationInput) -> OperationOutput:
    with state.change() as (tx, _):
        record, save = _tagged(state, params["ResourceArn"], tx)
        removed = set(params.get("TagKeys") or ())
        record["Tags"] = {k: v for k, v in (record.get("Tags") or {}).items() if k not in removed}
        save()
    return {}


def _get(state: HttpApiState, params: OperationInput) -> OperationOutput:
    with state.store.transaction() as tx:
        record, _ = _tagged(state, params["ResourceArn"], tx)
    return {"Tags": dict(record.get("Tags") or {})}


OPERATIONS: dict[str, Operation[HttpApiState]] = {
    "TagResource": _tag,
    "UntagResource": _untag,
    "GetTags": _get,
}
