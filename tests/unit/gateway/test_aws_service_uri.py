"""AWS service integration URIs as API Gateway reads them: service, path or action.
https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-request-basic-setup.html
"""

from __future__ import annotations

import pytest

from lamina.gateway.error import GatewayError, ResponseType
from lamina.gateway.integrations.aws_service import parse_service_uri


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (
            "arn:aws:apigateway:us-east-1:s3:path/{bucket}/{key}",
            ("s3", "path", "{bucket}/{key}"),
        ),
        # A subdomain before the service (`{bucket}.s3`) still names S3.
        ("arn:aws:apigateway:eu-west-1:photos.s3:path/{key}", ("s3", "path", "{key}")),
        ("arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", ("dynamodb", "action", "PutItem")),
        (
            "arn:aws:apigateway:us-west-2:sqs:action/SendMessage&Version=2012-11-05",
            ("sqs", "action", "SendMessage&Version=2012-11-05"),
        ),
        ("arn:aws-cn:apigateway:cn-north-1:s3:path/b/k", ("s3", "path", "b/k")),
    ],
)
def test_service_uris(uri: str, expected: tuple[str, str, str]) -> None:
    assert parse_service_uri(uri) == expected


@pytest.mark.parametrize(
    "uri",
    [
        "arn:aws:apigateway:us-east-1:s3:object/b/k",  # neither path nor action
        "arn:aws:apigateway:us-east-1:dynamodb:action/",
        "https://example.com/items",
    ],
)
def test_other_uris_are_configuration_errors(uri: str) -> None:
    with pytest.raises(GatewayError) as raised:
        parse_service_uri(uri)
    assert raised.value.response_type is ResponseType.DEFAULT_5XX
