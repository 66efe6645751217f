"""TestInvokeMethod runs the method whatever the API's endpoint: a private API (reached
on AWS only through a VPC endpoint) and one whose default endpoint is disabled are tested
from the management API as any other, since no client connection is involved.
https://docs.aws.amazon.com/apigateway/latest/api/API_TestInvokeMethod.html
"""

from __future__ import annotations

import pytest

from lamina.cli.test_invoke import TestInvoker
from lamina.config.apigateway_render import render_definition
from lamina.functions.model import InvokeResult
from lamina.gateway.model import LambdaIntegration, Method, Resource, RestApi, Stage
from tests.invoker import ScriptedInvoker

OK = InvokeResult(payload=b'{"statusCode": 200, "body": "tested"}')
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}
    ],
}


def _api(**endpoint: object) -> RestApi:
    return RestApi(
        id="restapi001",
        logical_id="Api",
        name="Api",
        stages=(Stage(name="prod"),),
        resources=(
            Resource(
                id="items",
                path="/items",
                methods={
                    "GET": Method(
                        http_method="GET", integration=LambdaIntegration(function_name="Fn")
                    )
                },
            ),
        ),
        policy=POLICY,
        **endpoint,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    "endpoint",
    [
        {"private": True, "vpc_endpoint_ids": ("vpce-0123456789abcdef0",)},
        {"private": True},
        {"disable_execute_api_endpoint": True},
    ],
)
async def test_test_invoke_runs_a_method_of_an_api_without_a_public_endpoint(
    endpoint: dict[str, object],
) -> None:
    snapshot = render_definition(_api(**endpoint), region="us-east-1", account_id="123456789012")
    (resource,) = [r for r in snapshot["resources"] if r["path"] == "/items"]
    invoker = ScriptedInvoker(OK)
    tester = TestInvoker(invoker, region="us-east-1", account_id="123456789012")
    answer = await tester.test_invoke(snapshot, resource["id"], "GET", {})
    assert (answer["status"], answer["body"]) == (200, "tested")
    assert len(invoker.events) == 1
