"""CreateDeployment of a private REST API through boto3: refused without a resource policy
("you can't deploy your API" until one is attached), accepted with one.
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-api-create.html
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .deploy_server import api_with_method, error_of

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}
    ],
}


def _private(apigw: Any) -> str:
    api_id = api_with_method(apigw)
    apigw.update_rest_api(
        restApiId=api_id,
        patchOperations=[
            {"op": "replace", "path": "/endpointConfiguration/types/EDGE", "value": "PRIVATE"}
        ],
    )
    assert apigw.get_rest_api(restApiId=api_id)["endpointConfiguration"]["types"] == ["PRIVATE"]
    return api_id


def test_private_api_without_resource_policy_cannot_be_deployed(apigw: Any) -> None:
    api_id = _private(apigw)
    with pytest.raises(ClientError) as info:
        apigw.create_deployment(restApiId=api_id, stageName="dev")
    assert error_of(info) == (
        400,
        "BadRequestException",
        "Private REST API doesn't have a resource policy attached to it",
    )
    assert apigw.get_stages(restApiId=api_id)["item"] == []


def test_private_api_with_resource_policy_deploys(apigw: Any) -> None:
    api_id = _private(apigw)
    apigw.update_rest_api(
        restApiId=api_id,
        patchOperations=[{"op": "replace", "path": "/policy", "value": json.dumps(POLICY)}],
    )
    assert apigw.create_deployment(restApiId=api_id, stageName="dev")["id"]


def test_vpc_endpoints_are_associated_and_dissociated_by_patch(apigw: Any) -> None:
    api_id = apigw.create_rest_api(
        name="private",
        endpointConfiguration={"types": ["PRIVATE"], "vpcEndpointIds": ["vpce-0212a4ababd5b8c3e"]},
    )["id"]

    def patch(op: str, value: str) -> list[str]:
        ops = [{"op": op, "path": "/endpointConfiguration/vpcEndpointIds", "value": value}]
        updated = apigw.update_rest_api(restApiId=api_id, patchOperations=ops)
        return list(updated["endpointConfiguration"].get("vpcEndpointIds") or [])

    assert patch("add", "vpce-01d622316a7df47f9") == [
        "vpce-0212a4ababd5b8c3e",
        "vpce-01d622316a7df47f9",
    ]
    assert patch("remove", "vpce-0212a4ababd5b8c3e") == ["vpce-01d622316a7df47f9"]
    assert patch("remove", "vpce-01d622316a7df47f9") == []
    with pytest.raises(ClientError) as info:
        patch("replace", "vpce-01d622316a7df47f9")
    assert error_of(info)[:2] == (400, "BadRequestException")


def test_import_takes_the_vpc_endpoint_ids_of_a_private_api(apigw: Any) -> None:
    document = {
        "openapi": "3.0.1",
        "info": {"title": "imported-private", "version": "1"},
        "paths": {},
        # OpenAPI 3: "it should be present under the vendor extensions of the Server object".
        "servers": [
            {
                "url": "https://example.com/{basePath}",
                "variables": {"basePath": {"default": "v1"}},
                "x-amazon-apigateway-endpoint-configuration": {
                    "vpcEndpointIds": ["vpce-0212a4ababd5b8c3e"]
                },
            }
        ],
    }
    api = apigw.import_rest_api(
        body=json.dumps(document).encode(), parameters={"endpointConfigurationTypes": "PRIVATE"}
    )
    assert api["endpointConfiguration"]["types"] == ["PRIVATE"]
    assert api["endpointConfiguration"]["vpcEndpointIds"] == ["vpce-0212a4ababd5b8c3e"]


def test_export_gives_the_vpc_endpoint_ids(apigw: Any) -> None:
    api_id = _private(apigw)
    apigw.update_rest_api(
        restApiId=api_id,
        patchOperations=[
            {"op": "replace", "path": "/policy", "value": json.dumps(POLICY)},
            {
                "op": "add",
                "path": "/endpointConfiguration/vpcEndpointIds",
                "value": "vpce-0212a4ababd5b8c3e",
            },
        ],
    )
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    exported = json.loads(
        apigw.get_export(
            restApiId=api_id,
            stageName="dev",
            exportType="oas30",
            parameters={"extensions": "apigateway"},
        )["body"].read()
    )
    extension = exported["x-amazon-apigateway-endpoint-configuration"]
    assert extension == {"vpcEndpointIds": ["vpce-0212a4ababd5b8c3e"]}
