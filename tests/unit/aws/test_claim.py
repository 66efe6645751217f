"""Which requests the AWS API endpoint claims, from the request alone."""

from __future__ import annotations

import pytest

from lamina.aws.claim import Catalog, identify
from lamina.aws.model import ModelLibrary

LIBRARY = ModelLibrary()
SCOPE = "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/{}/aws4_request, "
SCOPE += "SignedHeaders=host;x-amz-date, Signature=00"


def _request(
    headers: list[tuple[str, str]],
    *,
    method: str = "GET",
    path: str = "/",
    query: str = "",
    body: bytes = b"",
) -> object:
    from lamina.http.message import HttpRequest

    return HttpRequest(
        method=method,
        path=path,
        query_string=query,
        headers=headers,
        body=body,
        client="127.0.0.1",
        http_version="1.1",
    )


def _services(request: object, *registered: str) -> list[str] | None:
    claim = identify(request, Catalog(registered, LIBRARY))  # type: ignore[arg-type]
    return None if claim is None else [spec.name for spec in claim.specs]


@pytest.mark.parametrize(
    ("signing_name", "registered", "expected"),
    [
        ("lambda", ("lambda",), ["lambda"]),
        ("lambda", ("dynamodb",), None),
        ("execute-api", ("lambda",), None),
        ("apigateway", ("apigateway", "apigatewayv2"), ["apigateway", "apigatewayv2"]),
    ],
)
def test_claim_signature_scope_names_registered_service(
    signing_name: str, registered: tuple[str, ...], expected: list[str] | None
) -> None:
    request = _request([("Authorization", SCOPE.format(signing_name))])
    assert _services(request, *registered) == expected


def test_claim_presigned_query_credential_claims() -> None:
    query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20240101%2Fus-east-1"
    query += "%2Flambda%2Faws4_request&X-Amz-Signature=00"
    assert _services(_request([], query=query), "lambda") == ["lambda"]


def test_claim_unsigned_target_of_registered_json_service_claims() -> None:
    request = _request(
        [("X-Amz-Target", "AWSCognitoIdentityProviderService.SignUp")], method="POST"
    )
    assert _services(request, "cognito-idp", "lambda") == ["cognito-idp"]
    assert _services(request, "lambda") is None


def test_claim_query_protocol_action_claims_only_its_service() -> None:
    body = b"Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=x"
    headers = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
    request = _request(headers, method="POST", body=body)
    assert _services(request, "sts") == ["sts"]
    other = _request(headers, method="POST", body=b"Action=Subscribe&Email=a")
    assert _services(other, "sts") is None


def test_claim_plain_request_not_claimed() -> None:
    assert _services(_request([("Host", "x")], path="/prod/items"), "lambda", "sts") is None
