"""Requests botocore would refuse to build, sent raw: AWS's server-side answers."""

from __future__ import annotations

from typing import Any

import httpx
from botocore.auth import SigV4Auth  # type: ignore[import-untyped]
from botocore.awsrequest import AWSRequest  # type: ignore[import-untyped]
from botocore.credentials import Credentials  # type: ignore[import-untyped]

from tests.functional.aws.conftest import AwsServer


def _signed(method: str, url: str, body: bytes = b"", **headers: str) -> httpx.Response:
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(Credentials("test", "test"), "lambda", "us-east-1").add_auth(request)
    prepared: Any = request.prepare()
    return httpx.request(method, url, content=body, headers=dict(prepared.headers))


def test_lambda_missing_body_member_answers_validation_exception(aws: AwsServer) -> None:
    body = b'{"FunctionName": "fn", "Code": {}}'
    answer = _signed("POST", f"{aws.url}/2015-03-31/functions", body)
    assert answer.status_code == 400
    assert answer.headers["x-amzn-ErrorType"] == "ValidationException"
    # Role is the one required member left out (Handler is optional: container images).
    assert answer.json()["message"] == (
        "1 validation error detected: Value null at 'role' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_lambda_malformed_json_answers_invalid_request_content(aws: AwsServer) -> None:
    answer = _signed("POST", f"{aws.url}/2015-03-31/functions", b"{not json")
    assert answer.status_code == 400
    assert answer.headers["x-amzn-ErrorType"] == "InvalidRequestContentException"
    assert answer.json()["Type"] == "User"


def test_lambda_unknown_path_answers_unknown_operation(aws: AwsServer) -> None:
    answer = _signed("GET", f"{aws.url}/2015-03-31/teleporters")
    assert answer.status_code == 404
    assert answer.headers["x-amzn-ErrorType"] == "UnknownOperationException"


def test_lambda_percent_encoded_label_decoded_and_signature_valid(aws: AwsServer) -> None:
    url = f"{aws.url}/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af"
    answer = _signed("GET", url)
    assert answer.status_code == 404  # the fake's ResourceNotFoundException, after routing
    assert answer.json()["Message"].endswith("function:arn:aws:lambda:us-east-1:1:function:f")


def test_lambda_body_changed_after_signing_refused(aws: AwsServer) -> None:
    url = f"{aws.url}/2015-03-31/functions/fn/invocations"
    request = AWSRequest(method="POST", url=url, data=b"{}")
    SigV4Auth(Credentials("test", "test"), "lambda", "us-east-1").add_auth(request)
    headers = dict(request.prepare().headers)
    answer = httpx.post(url, content=b"[]", headers=headers)
    assert answer.status_code == 403
    assert answer.headers["x-amzn-ErrorType"] == "InvalidSignatureException"


def test_lambda_oversized_body_answers_413_request_too_large(aws: AwsServer) -> None:
    from lamina.http.server import MAX_BODY_BYTES

    url = f"{aws.url}/2015-03-31/functions/fn/invocations"
    answer = _signed("POST", url, b"x" * (MAX_BODY_BYTES + 1))
    assert answer.status_code == 413
    assert answer.headers["x-amzn-ErrorType"] == "RequestTooLargeException"
