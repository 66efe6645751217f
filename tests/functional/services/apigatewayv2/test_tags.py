"""TagResource / UntagResource / GetTags on APIs, stages and domain names.

https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/tags-resource-arn.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .errors import error_of

PREFIX = "arn:aws:apigateway:us-east-1::"


def test_tags_on_an_api_a_stage_and_a_domain(v2: Any) -> None:
    api_id = v2.create_api(Name="t", ProtocolType="HTTP", Tags={"a": "1"})["ApiId"]
    v2.create_stage(ApiId=api_id, StageName="dev")
    v2.create_domain_name(DomainName="api.example.com")
    for arn, before in (
        (f"{PREFIX}/apis/{api_id}", {"a": "1"}),
        (f"{PREFIX}/apis/{api_id}/stages/dev", {}),
        (f"{PREFIX}/domainnames/api.example.com", {}),
    ):
        assert v2.get_tags(ResourceArn=arn)["Tags"] == before
        v2.tag_resource(ResourceArn=arn, Tags={"b": "2", "c": "3"})
        assert v2.get_tags(ResourceArn=arn)["Tags"] == {**before, "b": "2", "c": "3"}
        v2.untag_resource(ResourceArn=arn, TagKeys=["c"])
        assert v2.get_tags(ResourceArn=arn)["Tags"] == {**before, "b": "2"}
    assert v2.get_api(ApiId=api_id)["Tags"] == {"a": "1", "b": "2"}
    assert v2.get_stage(ApiId=api_id, StageName="dev")["Tags"] == {"b": "2"}


def test_tags_of_unknown_resources_are_not_found(v2: Any) -> None:
    for arn in (f"{PREFIX}/apis/missing123", f"{PREFIX}/domainnames/x.example.com", "arn:x"):
        with pytest.raises(ClientError) as info:
            v2.get_tags(ResourceArn=arn)
        assert error_of(info)[:2] == (404, "NotFoundException"), arn
