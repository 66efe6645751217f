"""AddPermission, RemovePermission, GetPolicy: the function's resource-based policy.

Statements are stored as Lambda returns them; GetPolicy's Policy is the policy document
as a JSON string.
https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
import orjson

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput, ServiceError
from lamina.functions.policy import InvokeRequest, allows
from lamina.services.lambda_ import names, persist
from lamina.services.lambda_.error import check_revision, conflict, not_found
from lamina.services.lambda_.state import LambdaState, Operation, new_revision

_ACCOUNT = re.compile(r"\d{12}")
_NO_POLICY = "The resource you requested does not exist."
LATEST = "$LATEST"
MAX_REMEMBERED_DECISIONS = 10_000


def principal(value: str) -> str | dict[str, str]:
    """How the policy names a principal: a service, an account's root, or anyone."""
    if value == "*":
        return "*"
    if _ACCOUNT.fullmatch(value):
        return {"AWS": f"arn:aws:iam::{value}:root"}
    if value.startswith("arn:"):
        return {"AWS": value}
    return {"Service": value}


def _conditions(params: OperationInput) -> dict[str, dict[str, str]]:
    conditions: dict[str, dict[str, str]] = {}
    equals = {
        "AWS:SourceAccount": params.get("SourceAccount"),
        "lambda:EventSourceToken": params.get("EventSourceToken"),
        "aws:PrincipalOrgID": params.get("PrincipalOrgID"),
        "lambda:FunctionUrlAuthType": params.get("FunctionUrlAuthType"),
    }
    present = {key: value for key, value in equals.items() if value}
    if present:
        conditions["StringEquals"] = present
    if params.get("SourceArn"):
        conditions["ArnLike"] = {"AWS:SourceArn": params["SourceArn"]}
    return conditions


def _statement(
    state: LambdaState, name: str, qualifier: str | None, params: OperationInput
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Sid": params["StatementId"],
        "Effect": "Allow",
        "Principal": principal(params["Principal"]),
        "Action": params["Action"],
        "Resource": state.function_arn(name, qualifier),
    }
    conditions = _conditions(params)
    if conditions:
        statement["Condition"] = conditions
    return statement


def _check_revision(state: LambdaState, name: str, params: OperationInput) -> None:
    meta = state.meta_of(name, "$LATEST")
    check_revision(params.get("RevisionId"), meta.revision_id, "GetPolicy")


def _bump_revision(state: LambdaState, name: str) -> None:
    # A policy change gives the function a new RevisionId (GetPolicy reports it).
    meta = state.meta_of(name, "$LATEST")
    state.meta[(name, "$LATEST")] = msgspec.structs.replace(meta, revision_id=new_revision())


async def add_permission(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, qualifier = names.function_name(params["FunctionName"], params.get("Qualifier"))
    state.config(name, qualifier)
    _check_revision(state, name, params)
    statements = state.policies.setdefault((name, qualifier or ""), [])
    if any(s["Sid"] == params["StatementId"] for s in statements):
        raise conflict(
            "The statement id (sid) you provided already exists. Please provide a new "
            "statement id, or remove the existing statement."
        )
    statement = _statement(state, name, qualifier, params)
    statements.append(statement)
    state.policy_decisions.clear()
    _bump_revision(state, name)
    persist.save(state, name)
    return {"Statement": orjson.dumps(statement).decode()}


async def remove_permission(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, qualifier = names.function_name(params["FunctionName"], params.get("Qualifier"))
    state.config(name, qualifier)
    _check_revision(state, name, params)
    statements = state.policies.get((name, qualifier or ""), [])
    kept = [s for s in statements if s["Sid"] != params["StatementId"]]
    if len(kept) == len(statements):
        raise not_found(f"Statement {params['StatementId']} is not found in resource policy.")
    state.policies[(name, qualifier or "")] = kept
    # A template's statement removed now is the API's to re-add (and the template's
    # again at the next start).
    state.template_statements.discard((name, qualifier or "", params["StatementId"]))
    state.policy_decisions.clear()
    _bump_revision(state, name)
    persist.save(state, name)
    return {}


async def get_policy(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, qualifier = names.function_name(params["FunctionName"], params.get("Qualifier"))
    state.config(name, qualifier)
    statements = state.policies.get((name, qualifier or ""))
    if not statements:
        raise not_found(_NO_POLICY)
    policy = {"Version": "2012-10-17", "Id": "default", "Statement": statements}
    revision = state.meta_of(name, "$LATEST").revision_id
    return {"Policy": orjson.dumps(policy).decode(), "RevisionId": revision}


def grant(state: LambdaState, name: str, qualifier: str | None, params: OperationInput) -> None:
    """Add a statement the way AddPermission would (the template's AWS::Lambda::Permission
    resources arrive here), without the API's checks."""
    key = (name, "" if qualifier in (None, LATEST) else qualifier)
    statement = _statement(state, name, qualifier, params)
    state.policies.setdefault(key, []).append(statement)
    state.template_statements.add((*key, statement["Sid"]))
    state.policy_decisions.clear()


def allows_invoke(
    state: LambdaState, name: str, qualifier: str | None, source: InvokeRequest
) -> bool:
    """Does the policy of exactly the invoked resource (the function, or the qualified
    version or alias) let `source` invoke it?"""
    key = (name, "" if qualifier in (None, LATEST) else qualifier)
    asked = (*key, source.principal, source.source_arn, source.source_account)
    decisions = state.policy_decisions
    decision = decisions.get(asked)
    if decision is None:
        if len(decisions) >= MAX_REMEMBERED_DECISIONS:  # source ARNs carry request paths
            decisions.clear()
        decision = decisions[asked] = allows(
            state.policies.get(key, ()), source, function_arn=state.function_arn(name, qualifier)
        )
    return decision


def resource_statements(state: LambdaState, params: OperationInput) -> list[dict[str, Any]]:
    """The function policy of what a call names (the function, or its qualified version
    or alias), for aws.authorize: another principal of the account the policy names may
    invoke the function even when its own policies do not allow it.
    https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html"""
    if "FunctionName" not in params:
        return []
    try:
        name, named = names.function_name(str(params["FunctionName"]))
    except ServiceError:
        return []
    qualifier = params.get("Qualifier") or named
    return state.policies.get((name, "" if qualifier in (None, LATEST) else qualifier), [])


OPERATIONS: dict[str, Operation] = {
    "AddPermission": add_permission,
    "RemovePermission": remove_permission,
    "GetPolicy": get_policy,
}
