"""TagResource / UntagResource / GetTags on the REST API's resources, by ARN."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.loopback import REGION

from .deploy_server import deployed_api, error_of

ARN = f"arn:aws:apigateway:{REGION}::"


def test_tags_of_an_api_and_its_stage_are_added_listed_and_removed(apigw: Any) -> None:
    api_id, _ = deployed_api(apigw)
    for arn in (f"{ARN}/restapis/{api_id}", f"{ARN}/restapis/{api_id}/stages/dev"):
        apigw.tag_resource(resourceArn=arn, tags={"team": "pets", "tier": "1"})
        apigw.tag_resource(resourceArn=arn, tags={"tier": "2"})
        assert apigw.get_tags(resourceArn=arn)["tags"] == {"team": "pets", "tier": "2"}
        apigw.untag_resource(resourceArn=arn, tagKeys=["team", "absent"])
        assert apigw.get_tags(resourceArn=arn)["tags"] == {"tier": "2"}
    assert apigw.get_rest_api(restApiId=api_id)["tags"] == {"tier": "2"}
    assert apigw.get_stage(restApiId=api_id, stageName="dev")["tags"] == {"tier": "2"}


def test_tags_of_keys_plans_and_domains(apigw: Any) -> None:
    key = apigw.create_api_key(name="k")["id"]
    plan = apigw.create_usage_plan(name="p")["id"]
    apigw.create_domain_name(domainName="api.example.com", certificateArn="arn:cert")
    for arn in (
        f"{ARN}/apikeys/{key}",
        f"{ARN}/usageplans/{plan}",
        f"{ARN}/domainnames/api.example.com",
    ):
        apigw.tag_resource(resourceArn=arn, tags={"owner": "me"})
        assert apigw.get_tags(resourceArn=arn)["tags"] == {"owner": "me"}
    assert apigw.get_api_key(apiKey=key)["tags"] == {"owner": "me"}
    assert apigw.get_usage_plan(usagePlanId=plan)["tags"] == {"owner": "me"}


@pytest.mark.parametrize(
    "arn",
    [
        f"{ARN}/restapis/missing",
        f"{ARN}/apikeys/missing",
        "arn:aws:apigateway:eu-west-1::/restapis/x",
        "not-an-arn",
    ],
)
def test_tags_of_an_unknown_resource_are_not_found(apigw: Any, arn: str) -> None:
    with pytest.raises(ClientError) as info:
        apigw.get_tags(resourceArn=arn)
    assert error_of(info)[:2] == (404, "NotFoundException")
