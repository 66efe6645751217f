"""HTTP API integrations: CreateIntegration / GetIntegration(s) / UpdateIntegration /
DeleteIntegration. HTTP APIs take AWS_PROXY (Lambda, or an AWS service with an
IntegrationSubtype) and HTTP_PROXY integrations.

https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-integrations.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations.html
"""

from __future__ import annotations

import re

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.core.store import Transaction
from lamina.services.apigatewayv2.state import (
    CHILD_ID_LENGTH,
    Data,
    HttpApiState,
    bad_request,
    conflict,
    merge,
)

# "Custom timeout between 50 and 30,000 milliseconds for HTTP APIs. The default timeout is
# 30 seconds." https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-integrations.html
DEFAULT_TIMEOUT_MS = 30_000
MIN_TIMEOUT_MS = 50
_HTTP_API_TYPES = ("AWS_PROXY", "HTTP_PROXY")
_PAYLOAD_FORMATS = ("1.0", "2.0")
# A function ARN (name and qualifier may hold `${stageVariables.x}`, substituted per
# request: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.stage-variables.html)
# or the API Gateway invocation URI around one.
_NAME = r"(?:[A-Za-z0-9_-]|\$\{stageVariables\.[A-Za-z0-9_]+\})+"
_LAMBDA_ARN = re.compile(
    rf"arn:[a-z-]+:lambda:[a-z0-9-]+:\d{{12}}:function:{_NAME}(?::(?:{_NAME}|\$LATEST))?"
    r"|arn:[a-z-]+:apigateway:[a-z0-9-]+:lambda:path/[0-9-]+/functions/.+/invocations"
)
_URL = re.compile(r"https?://[^\s/]+(/\S*)?")
_MEMBERS = (
    "ConnectionId",
    "ConnectionType",
    "ContentHandlingStrategy",
    "CredentialsArn",
    "Description",
    "IntegrationMethod",
    "IntegrationSubtype",
    "IntegrationType",
    "IntegrationUri",
    "PassthroughBehavior",
    "PayloadFormatVersion",
    "RequestParameters",
    "RequestTemplates",
    "ResponseParameters",
    "TemplateSelectionExpression",
    "TimeoutInMillis",
    "TlsConfig",
)


def new_integration(
    state: HttpApiState, api_id: str, params: OperationInput, tx: Transaction, *, managed: bool
) -> Data:
    state.api(api_id, tx)
    record: Data = {
        "ConnectionType": "INTERNET",
        "IntegrationId": state.new_id(CHILD_ID_LENGTH),
        "TimeoutInMillis": DEFAULT_TIMEOUT_MS,
    }
    if managed:
        record["ApiGatewayManaged"] = True
    apply_integration(record, params)
    state.put_child(state.integrations, api_id, record["IntegrationId"], record, tx)
    return record


def apply_integration(record: Data, params: OperationInput) -> None:
    """Copy the members `params` gives onto `record`, with defaults, and validate it."""
    merge(record, params, _MEMBERS)
    _defaults(record)
    _check(record)


def _defaults(record: Data) -> None:
    if record["IntegrationType"] == "AWS_PROXY" and "IntegrationSubtype" not in record:
        # Lambda is invoked with POST.
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
        record.setdefault("IntegrationMethod", "POST")
    if record["IntegrationType"] == "HTTP_PROXY":
        # "For all other integrations, 1.0 is the only supported value."
        record.setdefault("PayloadFormatVersion", "1.0")


def _check(record: Data) -> None:
    kind = record["IntegrationType"]
    if kind not in _HTTP_API_TYPES:
        # AWS, HTTP and MOCK integrations are WebSocket API integrations.
        raise bad_request(f"Integration type {kind} is not supported for HTTP APIs")
    version = record.get("PayloadFormatVersion")
    timeout = record["TimeoutInMillis"]
    if not MIN_TIMEOUT_MS <= timeout <= DEFAULT_TIMEOUT_MS:
        raise bad_request(
            f"Timeout must be between {MIN_TIMEOUT_MS} ms and {DEFAULT_TIMEOUT_MS} ms"
        )
    uri = record.get("IntegrationUri")
    if kind == "AWS_PROXY" and "IntegrationSubtype" in record:
        return
    if kind == "AWS_PROXY":
        # "If you create a Lambda integration by using the AWS CLI, CloudFormation, or an
        # SDK, you must specify a payloadFormatVersion."
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
        if version not in _PAYLOAD_FORMATS:
            raise bad_request("PayloadFormatVersion must be 1.0 or 2.0 for Lambda integrations")
        if not isinstance(uri, str) or not _LAMBDA_ARN.fullmatch(uri):
            raise bad_request(
                f"Invalid Lambda function ARN specified as the integration URI: {uri}"
            )
        return
    if version != "1.0":
        raise bad_request("PayloadFormatVersion must be 1.0 for HTTP_PROXY integrations")
    if "IntegrationMethod" not in record:
        raise bad_request("IntegrationMethod is required for HTTP_PROXY integrations")
    if record["ConnectionType"] == "INTERNET" and not (
        isinstance(uri, str) and _URL.fullmatch(uri)
    ):
        raise bad_request(f"Invalid HTTP endpoint specified for URI: {uri}")


def lambda_arn_of(target: str) -> bool:
    return bool(_LAMBDA_ARN.fullmatch(target))


def _create(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id = params["ApiId"]
    with state.change() as (tx, announce):
        record = new_integration(state, api_id, params, tx, managed=False)
        state.auto_deploy(api_id, tx, announce)
    return record


def _get(state: HttpApiState, params: OperationInput) -> OperationOutput:
    return state.integration(params["ApiId"], params["IntegrationId"])


def _get_all(state: HttpApiState, params: OperationInput) -> OperationOutput:
    return state.page_of(state.integrations, params)


def _update(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id, integration_id = params["ApiId"], params["IntegrationId"]
    with state.change() as (tx, announce):
        record = state.integration(api_id, integration_id, tx)
        apply_integration(record, params)
        state.put_child(state.integrations, api_id, integration_id, record, tx)
        state.auto_deploy(api_id, tx, announce)
    return record


def _delete(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id, integration_id = params["ApiId"], params["IntegrationId"]
    with state.change() as (tx, announce):
        if state.integration(api_id, integration_id, tx).get("ApiGatewayManaged"):
            # "You can update a managed integration, but you can't delete it."
            # https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-integrations-integrationid.html
            raise bad_request("An integration managed by API Gateway cannot be deleted")
        target = f"integrations/{integration_id}"
        users = [
            r["RouteId"]
            for r in state.all_of(state.routes, api_id, tx)
            if r.get("Target") == target
        ]
        if users:
            # AWS's words, as reported against DeleteIntegration in
            # https://github.com/milliHQ/terraform-aws-next-js/issues/247
            raise conflict(
                "Cannot delete Integration because it is referenced by the following Routes "
                f"with Ids: [{', '.join(users)}]"
            )
        state.integrations.delete(f"{api_id}/{integration_id}", tx)
        state.auto_deploy(api_id, tx, announce)
    return {}


OPERATIONS: dict[str, Operation[HttpApiState]] = {
    "CreateIntegration": _create,
    "GetIntegration": _get,
    "GetIntegrations": _get_all,
    "UpdateIntegration": _update,
    "DeleteIntegration": _delete,
}
