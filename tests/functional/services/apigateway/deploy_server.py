"""Helpers of the deployment-side tests (deployments, stages, keys, plans, domains), which
run on conftest.py's `apigw` client and `server` (its `store` and `changes`)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from lamina.core.store import Store
from lamina.services.apigateway.provider import ApiGatewayProvider
from tests.loopback import ACCOUNT, REGION, LoopbackServer


def api_with_method(apigw: Any, path_part: str | None = None, name: str = "pets") -> str:
    """A REST API whose GET (on / or on /{path_part}) has a MOCK integration: deployable."""
    api_id: str = apigw.create_rest_api(name=name)["id"]
    resource_id = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"])
    if path_part is not None:
        resource_id = apigw.create_resource(
            restApiId=api_id, parentId=resource_id, pathPart=path_part
        )["id"]
    apigw.put_method(
        restApiId=api_id, resourceId=resource_id, httpMethod="GET", authorizationType="NONE"
    )
    apigw.put_integration(
        restApiId=api_id,
        resourceId=resource_id,
        httpMethod="GET",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    return api_id


def deployed_api(apigw: Any, stage: str = "dev") -> tuple[str, str]:
    """(api id, deployment id) of an API deployed to `stage`."""
    api_id = api_with_method(apigw)
    return api_id, apigw.create_deployment(restApiId=api_id, stageName=stage)["id"]


def error_of(info: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    """(HTTP status, error code, message) of a ClientError."""
    response = info.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


class FreshProvider(LoopbackServer):
    """A second ApiGatewayProvider over the same store: what a restarted Lamina (or another
    edge node) sees, since nothing is kept outside the store."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.serve(ApiGatewayProvider(store=store, region=REGION, account_id=ACCOUNT))

    def client(self) -> Any:
        return boto3.client("apigateway", **self.client_options())
