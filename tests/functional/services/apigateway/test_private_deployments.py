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
