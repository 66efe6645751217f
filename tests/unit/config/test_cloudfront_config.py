"""AWS::CloudFront::Distribution compiled for the edge: ids, origins by DomainName form,
behaviors, error responses, and the API shape GetDistributionConfig answers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from lamina.aws.service import ServiceError
from lamina.config.cloudfront import (
    CLOUDFRONT_TYPES,
    cloudfront_id,
    compile_distribution,
    distribution_domain,
    provision,
)
from lamina.config.load import load_application
from lamina.config.model import TemplateResource
from lamina.services.cloudfront.policy import (
    MANAGED_CACHE_POLICIES,
    MANAGED_ORIGIN_REQUEST_POLICIES,
)
from lamina.services.cloudfront.provider import CloudFrontProvider
from lamina.services.cloudfront.shapes import ConfigShapes


def _compile(config: dict[str, Any]) -> Any:
    resource = TemplateResource(
        type="AWS::CloudFront::Distribution",
        logical_id="Cdn",
        physical_id=cloudfront_id("stack", "Cdn"),
        properties={"DistributionConfig": config},
    )
    return compile_distribution(
        resource,
        account_id="123456789012",
        cache_policies=MANAGED_CACHE_POLICIES,
        origin_request_policies=MANAGED_ORIGIN_REQUEST_POLICIES,
        now=0.0,
    )


def _config(*origins: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "Origins": list(origins),
        "DefaultCacheBehavior": {
            "TargetOriginId": origins[0]["Id"],
            "ViewerProtocolPolicy": "allow-all",
        },
        **extra,
    }


def test_ids_and_domain_have_cloudfronts_forms() -> None:
    distribution_id = cloudfront_id("stack", "Cdn")
    assert re.fullmatch(r"E[A-Z0-9]{13}", distribution_id)
    assert cloudfront_id("stack", "Cdn") == distribution_id  # deterministic
    assert cloudfront_id("stack", "Other") != distribution_id
    assert re.fullmatch(r"d[a-z0-9]{13}\.cloudfront\.net", distribution_domain(distribution_id))


@pytest.mark.parametrize(
    "domain",
    [
        "site-bucket.s3.amazonaws.com",
        "site-bucket.s3.eu-west-1.amazonaws.com",
        "site-bucket.s3-eu-west-1.amazonaws.com",
    ],
)
def test_s3_origin_forms_name_the_bucket(domain: str) -> None:
    origin = _compile(_config({"Id": "s3", "DomainName": domain})).origins["s3"]
    assert (origin.kind, origin.bucket, origin.access_control) == ("s3", "site-bucket", False)


def test_origin_access_control_or_identity_marks_the_origin() -> None:
    with_oac = {"Id": "a", "DomainName": "b.s3.amazonaws.com", "OriginAccessControlId": "E1"}
    assert _compile(_config(with_oac)).origins["a"].access_control
    with_oai = {
        "Id": "a",
        "DomainName": "b.s3.amazonaws.com",
        "S3OriginConfig": {"OriginAccessIdentity": "origin-access-identity/cloudfront/E1"},
    }
    assert _compile(_config(with_oai)).origins["a"].access_control


def test_api_origin_with_stage_path() -> None:
    api = {
        "Id": "api",
        "DomainName": "abc123.execute-api.us-east-1.amazonaws.com",
        "OriginPath": "/Prod/",
    }
    origin = _compile(_config(api)).origins["api"]
    assert (origin.kind, origin.api_id, origin.origin_path) == ("api", "abc123", "/Prod")


def test_behaviors_keep_order_and_defaults() -> None:
    origin = {"Id": "o", "DomainName": "b.s3.amazonaws.com"}
    distribution = _compile(
        _config(
            origin,
            CacheBehaviors=[
                {"PathPattern": "/b/*", "TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all"},
                {"PathPattern": "/a/*", "TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all"},
            ],
            CustomErrorResponses=[
                {"ErrorCode": 404, "ResponseCode": 200, "ResponsePagePath": "/i.html"}
            ],
        )
    )
    assert [b.path_pattern for b in distribution.behaviors] == ["/b/*", "/a/*"]
    assert distribution.default_behavior.allowed_methods == ("GET", "HEAD")
    assert distribution.error_responses[404].caching_min_ttl == 10  # CloudFront's default


def test_unknown_origin_or_cache_policy_is_refused() -> None:
    origin = {"Id": "o", "DomainName": "b.s3.amazonaws.com"}
    config = _config(origin)
    config["DefaultCacheBehavior"]["TargetOriginId"] = "missing"
    with pytest.raises(ServiceError) as raised:
        _compile(config)
    assert raised.value.code == "NoSuchOrigin"
    config = _config(origin)
    config["DefaultCacheBehavior"]["CachePolicyId"] = "00000000-0000-0000-0000-000000000000"
    with pytest.raises(ServiceError) as raised:
        _compile(config)
    assert raised.value.code == "NoSuchCachePolicy"


def test_api_shape_wraps_lists_in_quantity_items() -> None:
    config = _config(
        {"Id": "o", "DomainName": "b.s3.amazonaws.com"},
        Aliases=["www.example.com"],
        Enabled=True,
    )
    config["DefaultCacheBehavior"]["AllowedMethods"] = ["GET", "HEAD", "OPTIONS"]
    config["DefaultCacheBehavior"]["CachedMethods"] = ["GET", "HEAD"]
    shaped = ConfigShapes().api_config(config, "ref")
    assert shaped["Aliases"] == {"Quantity": 1, "Items": ["www.example.com"]}
    assert shaped["Origins"]["Quantity"] == 1
    methods = shaped["DefaultCacheBehavior"]["AllowedMethods"]
    assert methods["Quantity"] == 3
    assert methods["CachedMethods"] == {"Quantity": 2, "Items": ["GET", "HEAD"]}
    assert shaped["CallerReference"] == "ref" and shaped["Enabled"] is True
    assert shaped["CacheBehaviors"] == {"Quantity": 0}


TEMPLATE = """
Resources:
  Site:
    Type: AWS::S3::Bucket
  Rewrite:
    Type: AWS::CloudFront::Function
    Properties:
      Name: rewrite-index
      AutoPublish: true
      FunctionConfig: {Comment: index.html for folders, Runtime: cloudfront-js-2.0}
      FunctionCode: "function handler(event) { return event.request; }"
  Security:
    Type: AWS::CloudFront::ResponseHeadersPolicy
    Properties:
      ResponseHeadersPolicyConfig:
        Name: security
        CustomHeadersConfig:
          Items: [{Header: X-Team, Value: edge, Override: true}]
  Cdn:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        Origins:
          - {Id: s3, DomainName: !GetAtt Site.RegionalDomainName, S3OriginConfig: {}}
        DefaultCacheBehavior:
          TargetOriginId: s3
          ViewerProtocolPolicy: allow-all
          CachePolicyId: 658327ea-f89d-4fab-a63d-7e88639e58f6
          ResponseHeadersPolicyId: !Ref Security
          FunctionAssociations:
            - {EventType: viewer-request, FunctionARN: !GetAtt Rewrite.FunctionARN}
Outputs:
  Arn:
    Value: !Ref Rewrite
"""


def test_template_function_and_response_headers_policy_reach_the_behavior(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    app = load_application(tmp_path, stack_name="edge")
    provider = CloudFrontProvider()
    for resource in app.service_resources:
        if resource.type in CLOUDFRONT_TYPES:
            provision(resource, provider, app.account_id)
    (distribution,) = provider.distributions()
    behavior = distribution.default_behavior
    assert behavior.viewer_request is not None
    assert (
        behavior.viewer_request.arn
        == f"arn:aws:cloudfront::{app.account_id}:function/rewrite-index"
    )
    assert behavior.viewer_request.runtime == "cloudfront-js-2.0"
    assert behavior.response_headers is not None
    assert behavior.response_headers.headers[0].name == "X-Team"
    assert not [w for w in app.warnings if "CloudFront" in w]
