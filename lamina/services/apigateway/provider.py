"""ApiGatewayProvider: the botocore "apigateway" service (rest-json, signing name
"apigateway", shared with apigatewayv2) over an ApiGatewayState in the control plane's
Store.

API reference: https://docs.aws.amazon.com/apigateway/latest/api/API_Operations.html
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from lamina.aws.service import Handler, Operation, bind_operations
from lamina.core.store import Store
from lamina.services.apigateway import (
    api_keys,
    authorizers,
    deployments,
    domains,
    gateway_responses,
    integrations,
    methods,
    models,
    resources,
    rest_apis,
    sdk,
    stage_cache,
    stages,
    tags,
    test_invoke,
    transfer,
    usage,
    usage_plans,
    validators,
)
from lamina.services.apigateway.domain_store import migrate_legacy
from lamina.services.apigateway.state import ApiGatewayState

OPERATIONS: dict[str, Operation[ApiGatewayState]] = {
    **rest_apis.OPERATIONS,
    **resources.OPERATIONS,
    **methods.OPERATIONS,
    **integrations.OPERATIONS,
    **models.OPERATIONS,
    **validators.OPERATIONS,
    **authorizers.OPERATIONS,
    **gateway_responses.OPERATIONS,
    **transfer.OPERATIONS,
    **deployments.OPERATIONS,
    **stages.OPERATIONS,
    **stage_cache.OPERATIONS,
    **api_keys.OPERATIONS,
    **usage_plans.OPERATIONS,
    **usage.OPERATIONS,
    **test_invoke.OPERATIONS,
    **domains.OPERATIONS,
    **sdk.OPERATIONS,
    **tags.OPERATIONS,
}

# A call's resource, from its parameters, outermost first.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html
_ARN_SEGMENTS = (
    ("resourceId", "resources"),
    ("httpMethod", "methods"),
    ("modelName", "models"),
    ("authorizerId", "authorizers"),
    ("requestValidatorId", "requestvalidators"),
    ("responseType", "gatewayresponses"),
    ("deploymentId", "deployments"),
    ("stageName", "stages"),
)
_TOP_LEVEL = (
    ("apiKey", "apikeys"),
    ("usagePlanId", "usageplans"),
    ("domainName", "domainnames"),
)


class ApiGatewayProvider(ApiGatewayState):
    def __init__(
        self,
        *,
        store: Store,
        region: str,
        account_id: str,
        clock: Callable[[], float] = time.time,
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(
            store, region=region, account_id=account_id, clock=clock, on_change=on_change
        )
        self._handlers = bind_operations(self, OPERATIONS)
        migrate_legacy(store)  # domain names kept apart by an older Lamina
        self.usage: usage.UsageSource | None = None
        """The data plane's usage counters (GetUsage, UpdateUsage); set by the wiring."""
        self.test_invoker: test_invoke.MethodTester | None = None
        """Runs TestInvokeMethod's request through the data plane; set by the wiring."""
        self.caches: stage_cache.StageCaches | None = None
        """The data plane's response and authorizer caches (FlushStage*Cache); set by the
        wiring."""

    @property
    def service_name(self) -> str:
        return "apigateway"

    def handlers(self) -> Mapping[str, Handler]:
        return self._handlers

    def resource_arns(self, operation: str, params: Mapping[str, Any]) -> list[str] | None:
        """The API Gateway resource a call acts on, for IAM, e.g.
        `arn:aws:apigateway:{region}::/restapis/{id}/resources/{id}/methods/GET/integration`
        (operations on a collection name it: `/restapis`)."""
        path = ""
        for member, segment in _TOP_LEVEL:
            if params.get(member):
                path += f"/{segment}/{params[member]}"
        if params.get("restApiId"):
            path += f"/restapis/{params['restApiId']}"
            for member, segment in _ARN_SEGMENTS:
                if params.get(member):
                    path += f"/{segment}/{params[member]}"
            if "Integration" in operation:
                path += "/integration"
            if params.get("httpMethod") and params.get("statusCode"):
                path += f"/responses/{params['statusCode']}"
        return [f"arn:aws:apigateway:{self.region}::{path or '/restapis'}"]
