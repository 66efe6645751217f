"""TestInvokeMethod: run one method of a REST API's *current* definition (not a deployment)
with a simulated request, and answer {status, body, headers, multiValueHeaders, log,
latency}. https://docs.aws.amazon.com/apigateway/latest/api/API_TestInvokeMethod.html

The request runs through the data plane, which this layer may not import: the wiring sets
the provider's `test_invoker` to a `MethodTester` (lamina/cli/test_invoke.py). This module
checks what AWS checks first (the API, resource and method exist, the method has an
integration) and hands over the API's snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from lamina.aws.service import Operation, OperationInput, OperationOutput, ServiceError
from lamina.services.apigateway.error import bad_request
from lamina.services.apigateway.snapshot import snapshot
from lamina.services.apigateway.state import ApiGatewayState, method_of


class MethodTester(Protocol):
    async def test_invoke(
        self,
        snapshot: Mapping[str, Any],
        resource_id: str,
        http_method: str,
        request: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Run `http_method` of resource `resource_id` of the API `snapshot` describes with
        `request` (TestInvokeMethod's input members: pathWithQueryString, body, headers,
        multiValueHeaders, stageVariables, clientCertificateId), authorization skipped;
        answer TestInvokeMethod's output."""
        ...


def method_tester(state: ApiGatewayState) -> MethodTester | None:
    """The provider's `test_invoker` (ApiGatewayProvider.test_invoker, set by the wiring)."""
    tester: MethodTester | None = getattr(state, "test_invoker", None)
    return tester


async def _test_invoke_method(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id, resource_id = params["restApiId"], params["resourceId"]
    http_method = str(params["httpMethod"]).upper()
    with state.store.transaction() as tx:
        state.rest_api(api_id, tx)
        method = method_of(state.resource(api_id, resource_id, tx), http_method)
        if method.method_integration is None:
            # AWS's answer for a method without an integration.
            raise bad_request("No integration defined for method")
        definition = snapshot(state, api_id, tx)
    tester = method_tester(state)
    if tester is None:
        raise ServiceError(
            "ServiceUnavailableException",
            "No gateway is connected to this API Gateway endpoint to run the method",
            status=503,
        )
    return await tester.test_invoke(definition, resource_id, http_method, params)


OPERATIONS: dict[str, Operation[ApiGatewayState]] = {
    "TestInvokeMethod": _test_invoke_method,
}
