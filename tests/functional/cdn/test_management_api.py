"""CloudFront's management API through boto3 on a loopback AwsApi: the error document is
the rest-xml protocol's wrapped `<ErrorResponse>` (not S3's bare `<Error>`), and the
answers carry CloudFront's namespace.
https://smithy.io/2.0/aws/protocols/aws-restxml-protocol.html#error-response-serialization
https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetDistribution.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

import boto3
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from lamina.services.cloudfront.model import Behavior, Distribution
from lamina.services.cloudfront.provider import NAMESPACE, CloudFrontProvider
from tests.loopback import LoopbackServer

DISTRIBUTION_ID = "EDFDVBD6EXAMPL"


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    provider = CloudFrontProvider()
    provider.put_distribution(
        Distribution(
            id=DISTRIBUTION_ID,
            arn=f"arn:aws:cloudfront::123456789012:distribution/{DISTRIBUTION_ID}",
            domain_name="d111111abcdef8.cloudfront.net",
            default_behavior=Behavior(target_origin_id="o"),
        )
    )
    loopback = LoopbackServer()
    loopback.serve(provider)
    yield loopback
    loopback.close()


def _client(server: LoopbackServer) -> Any:
    return boto3.client("cloudfront", **server.client_options())


def test_an_unknown_distribution_answers_the_wrapped_error_document(
    server: LoopbackServer,
) -> None:
    with pytest.raises(ClientError) as raised:
        _client(server).get_distribution(Id="ENOSUCHDIST000")
    error = raised.value.response["Error"]
    assert error["Code"] == "NoSuchDistribution"
    assert error["Type"] == "Sender"  # only the wrapped form carries the fault's side
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404

    raw = _signed_get(server, "/2020-05-31/distribution/ENOSUCHDIST000")
    root = ElementTree.fromstring(raw.content)
    assert root.tag == f"{{{NAMESPACE}}}ErrorResponse"
    children = [child.tag.removeprefix(f"{{{NAMESPACE}}}") for child in root]
    assert children == ["Error", "RequestId"]
    assert root.findtext(f"{{{NAMESPACE}}}RequestId") == raw.headers["x-amz-request-id"]


def test_answers_carry_cloudfronts_namespace(server: LoopbackServer) -> None:
    raw = _signed_get(server, f"/2020-05-31/distribution/{DISTRIBUTION_ID}")
    assert raw.status_code == 200
    assert ElementTree.fromstring(raw.content).tag == f"{{{NAMESPACE}}}Distribution"


def _signed_get(server: LoopbackServer, path: str) -> httpx.Response:
    """The raw answer to a GET signed as boto3 signs it."""
    request = AWSRequest(method="GET", url=server.url + path)
    SigV4Auth(Credentials("test", "test"), "cloudfront", "us-east-1").add_auth(request)
    headers = {name: str(value) for name, value in request.headers.items()}
    return httpx.get(server.url + path, headers=headers, timeout=10)
