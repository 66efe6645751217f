"""Gateway responses render byte for byte as the golden cases in
tests/fixtures/gateway_errors.json (each case cites its AWS source)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lamina.gateway.error import ApiKind, GatewayError, ResponseType, render_error

GOLDEN = json.loads(
    (Path(__file__).resolve().parents[2] / "fixtures" / "gateway_errors.json").read_text()
)

# Which gateway response type answers each golden case.
CASES = {
    "rest_missing_authentication_token": (ApiKind.REST, ResponseType.MISSING_AUTHENTICATION_TOKEN),
    "rest_lambda_function_error": (ApiKind.REST, ResponseType.INTEGRATION_FAILURE),
    "rest_malformed_proxy_response": (ApiKind.REST, ResponseType.INTEGRATION_FAILURE),
    "rest_lambda_invoke_rejected": (ApiKind.REST, ResponseType.DEFAULT_5XX),
    "rest_integration_timeout": (ApiKind.REST, ResponseType.INTEGRATION_TIMEOUT),
    "rest_http_integration_timeout": (ApiKind.REST, ResponseType.INTEGRATION_TIMEOUT),
    "rest_http_endpoint_unreachable": (ApiKind.REST, ResponseType.DEFAULT_5XX),
    "http_api_http_integration_timeout": (ApiKind.HTTP, ResponseType.INTEGRATION_TIMEOUT),
    "http_api_http_endpoint_unreachable": (ApiKind.HTTP, ResponseType.DEFAULT_5XX),
    "rest_payload_over_10mb": (ApiKind.REST, ResponseType.REQUEST_TOO_LARGE),
    "rest_request_over_lambda_6mb": (ApiKind.REST, ResponseType.DEFAULT_5XX),
    "rest_response_over_lambda_6mb": (ApiKind.REST, ResponseType.INTEGRATION_FAILURE),
    "http_not_found": (ApiKind.HTTP, ResponseType.RESOURCE_NOT_FOUND),
    "http_lambda_function_error": (ApiKind.HTTP, ResponseType.INTEGRATION_FAILURE),
    "http_malformed_lambda_response": (ApiKind.HTTP, ResponseType.INTEGRATION_FAILURE),
    "http_integration_timeout": (ApiKind.HTTP, ResponseType.INTEGRATION_TIMEOUT),
    "rest_lambda_authorizer_unauthorized": (ApiKind.REST, ResponseType.UNAUTHORIZED),
    "rest_lambda_authorizer_implicit_deny": (ApiKind.REST, ResponseType.ACCESS_DENIED),
    "rest_lambda_authorizer_configuration_error": (
        ApiKind.REST,
        ResponseType.AUTHORIZER_CONFIGURATION_ERROR,
    ),
    "http_lambda_authorizer_forbidden": (ApiKind.HTTP, ResponseType.ACCESS_DENIED),
    "http_lambda_authorizer_error": (ApiKind.HTTP, ResponseType.AUTHORIZER_CONFIGURATION_ERROR),
    "rest_waf_filtered": (ApiKind.REST, ResponseType.WAF_FILTERED),
    "rest_invalid_api_key": (ApiKind.REST, ResponseType.INVALID_API_KEY),
    "rest_quota_exceeded": (ApiKind.REST, ResponseType.QUOTA_EXCEEDED),
    "rest_throttled": (ApiKind.REST, ResponseType.THROTTLED),
    "http_throttled": (ApiKind.HTTP, ResponseType.THROTTLED),
    "rest_iam_access_denied": (ApiKind.REST, ResponseType.ACCESS_DENIED),
    "rest_resource_policy_explicit_deny": (ApiKind.REST, ResponseType.ACCESS_DENIED),
    "rest_iam_unrecognized_client": (ApiKind.REST, ResponseType.INVALID_SIGNATURE),
    "rest_iam_invalid_signature": (ApiKind.REST, ResponseType.INVALID_SIGNATURE),
    "rest_iam_signature_expired": (ApiKind.REST, ResponseType.INVALID_SIGNATURE),
    "http_iam_forbidden": (ApiKind.HTTP, ResponseType.INVALID_SIGNATURE),
    "http_jwt_unauthorized": (ApiKind.HTTP, ResponseType.UNAUTHORIZED),
    "http_jwt_insufficient_scope": (ApiKind.HTTP, ResponseType.ACCESS_DENIED),
    "rest_cognito_unauthorized": (ApiKind.REST, ResponseType.UNAUTHORIZED),
    "rest_bad_request_parameters": (ApiKind.REST, ResponseType.BAD_REQUEST_PARAMETERS),
    "rest_bad_request_body": (ApiKind.REST, ResponseType.BAD_REQUEST_BODY),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_gateway_response_matches_golden(case: str) -> None:
    kind, response_type = CASES[case]
    expected = GOLDEN[case]
    # Cases whose text names the request carry it as "message" (and "error_type").
    error = GatewayError(
        response_type, message=expected.get("message"), error_type=expected.get("error_type")
    )
    response = render_error(kind, error)
    assert response.status == expected["status"]
    assert response.body == expected["body"].encode()
    headers = {name.decode(): value.decode() for name, value in response.headers}
    assert headers == {name.lower(): value for name, value in expected["headers"].items()}


def test_every_golden_case_without_a_later_feature_is_checked() -> None:
    assert set(GOLDEN) == set(CASES)
