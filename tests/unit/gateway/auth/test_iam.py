"""AWS_IAM authorization: SigV4 as botocore signs it (header and presigned, with session
tokens), API Gateway's refusals byte for byte, identity policies, and the caller's fields
in the proxy event (REST identity, HTTP API authorizer.iam)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from lamina.aws.credentials import TEST_CREDENTIALS, Identity
from lamina.gateway.auth.iam import masked_arn
from lamina.gateway.error import GatewayResponse
from tests.unit.gateway.auth.test_iam_support import (
    ACCOUNT,
    ALICE,
    HTTP_ID,
    REST_ID,
    ROLE,
    STRANGER,
    Pipeline,
    http_url,
    rest_url,
    sign,
)

TEST_ROOT = Identity(
    access_key=TEST_CREDENTIALS[0],
    secret_key=TEST_CREDENTIALS[1],
    arn="unused",
    account_id=ACCOUNT,
    principal_id="unused",
)


def _headers(response: GatewayResponse) -> dict[str, str]:
    return {name.decode(): value.decode() for name, value in response.headers}


def _denied_body(caller: str, path: str, *, explicit: bool = False) -> bytes:
    arn = f"arn:aws:execute-api:us-east-1:********9012:{REST_ID}/Prod/GET{path}"
    tail = " with an explicit deny" if explicit else ""
    return (
        f'{{"Message":"User: {caller} is not authorized to perform: execute-api:Invoke on '
        f'resource: {arn}{tail}"}}'
    ).encode()


async def test_header_signature_admits_and_fills_rest_identity() -> None:
    pipeline = Pipeline()
    response = await pipeline.handle(sign(rest_url("/allowed"), ALICE))
    assert response.status == 200
    identity = pipeline.event["requestContext"]["identity"]
    assert identity["accessKey"] == ALICE.access_key
    assert identity["accountId"] == ACCOUNT
    assert identity["caller"] == ALICE.principal_id
    assert identity["user"] == ALICE.principal_id
    assert identity["userArn"] == "arn:aws:iam::123456789012:user/alice"
    assert identity["cognitoIdentityId"] is None
    assert identity["cognitoAuthenticationType"] is None
    assert identity["sourceIp"] == "127.0.0.1"


async def test_presigned_url_admits() -> None:
    pipeline = Pipeline()
    response = await pipeline.handle(sign(rest_url("/allowed"), ALICE, presign=True))
    assert response.status == 200


async def test_signed_query_string_and_path_style_url_admit() -> None:
    pipeline = Pipeline()
    url = rest_url("/allowed?b=2&a=x%20y&a=%2Fz")
    assert (await pipeline.handle(sign(url, ALICE))).status == 200
    path_style = f"http://127.0.0.1:3000/restapis/{REST_ID}/Prod/_user_request_/allowed"
    assert (await pipeline.handle(sign(path_style, ALICE))).status == 200


async def test_unsigned_request_is_missing_authentication_token() -> None:
    response = await Pipeline().handle(sign(rest_url("/allowed"), None))
    assert response.status == 403
    assert response.body == b'{"message":"Missing Authentication Token"}'
    assert _headers(response)["x-amzn-errortype"] == "MissingAuthenticationTokenException"


async def test_other_authorization_scheme_is_an_incomplete_signature() -> None:
    request = sign(rest_url("/allowed"), None, headers={"Authorization": "Bearer abc.def"})
    response = await Pipeline().handle(request)
    assert response.status == 403
    assert _headers(response)["x-amzn-errortype"] == "IncompleteSignatureException"
    assert response.body == (
        b'{"message":"Authorization header requires \'Credential\' parameter. '
        b"Authorization header requires 'Signature' parameter. "
        b"Authorization header requires 'SignedHeaders' parameter. "
        b"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
        b'header. Authorization=Bearer abc.def"}'
    )


async def test_unknown_access_key_is_unrecognized_client() -> None:
    stranger = Identity(
        access_key="AKIANOBODY0000000000",
        secret_key="x" * 40,
        arn="unused",
        account_id=ACCOUNT,
        principal_id="unused",
    )
    response = await Pipeline().handle(sign(rest_url("/allowed"), stranger))
    assert response.status == 403
    assert response.body == b'{"message":"The security token included in the request is invalid."}'
    assert _headers(response)["x-amzn-errortype"] == "UnrecognizedClientException"


async def test_wrong_secret_quotes_canonical_request_and_string_to_sign() -> None:
    request = sign(rest_url("/allowed?q=1"), ALICE, secret="wrong" * 8)
    response = await Pipeline().handle(request)
    assert response.status == 403
    assert _headers(response)["x-amzn-errortype"] == "InvalidSignatureException"
    message = response.body.decode()
    # What botocore computed is what the message quotes (it was signed with another key).
    aws = AWSRequest(method="GET", url=rest_url("/allowed?q=1"))
    aws.context["timestamp"] = dict(request.headers)["X-Amz-Date"]
    signer = SigV4Auth(Credentials(ALICE.access_key, ALICE.secret_key), "execute-api", "us-east-1")
    aws.headers["X-Amz-Date"] = aws.context["timestamp"]
    aws.headers["Host"] = f"{REST_ID}.execute-api.localhost:3000"
    canonical = signer.canonical_request(aws)
    string_to_sign = signer.string_to_sign(aws, canonical)
    expected = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. Consult the service "
        "documentation for details.\n\nThe Canonical String for this request should have "
        f"been\n'{canonical}'\n\nThe String-to-Sign should have been\n'{string_to_sign}'\n"
    )
    assert json.loads(message) == {"message": expected}
    assert "\n/Prod/allowed\nq=1\n" in canonical  # the path as sent, the stage included


async def test_date_older_than_fifteen_minutes_has_expired() -> None:
    response = await Pipeline(skew=timedelta(minutes=20)).handle(sign(rest_url("/allowed"), ALICE))
    assert response.status == 403
    assert _headers(response)["x-amzn-errortype"] == "InvalidSignatureException"
    assert re.fullmatch(
        rb'\{"message":"Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z '
        rb'\(\d{8}T\d{6}Z - 15 min\.\)"\}',
        response.body,
    ), response.body


async def test_date_fifteen_minutes_ahead_is_not_yet_current() -> None:
    response = await Pipeline(skew=-timedelta(minutes=20)).handle(sign(rest_url("/allowed"), ALICE))
    assert response.status == 403
    assert re.fullmatch(
        rb'\{"message":"Signature not yet current: \d{8}T\d{6}Z is still later than '
        rb'\d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)"\}',
        response.body,
    ), response.body


async def test_small_clock_skew_is_accepted() -> None:
    response = await Pipeline(skew=timedelta(minutes=14)).handle(sign(rest_url("/allowed"), ALICE))
    assert response.status == 200


async def test_expired_presigned_url_is_refused() -> None:
    request = sign(rest_url("/allowed"), ALICE, presign=True, expires=60)
    response = await Pipeline(skew=timedelta(seconds=90)).handle(request)
    assert response.status == 403
    assert _headers(response)["x-amzn-errortype"] == "InvalidSignatureException"


async def test_temporary_key_needs_its_session_token() -> None:
    pipeline = Pipeline()
    ok = await pipeline.handle(sign(rest_url("/allowed"), ROLE, token=ROLE.session_token))
    assert ok.status == 200
    identity = pipeline.event["requestContext"]["identity"]
    assert identity["caller"] == "AROAROLE0000000000001:session-1"
    assert identity["userArn"] == "arn:aws:sts::123456789012:assumed-role/worker/session-1"
    presigned = sign(rest_url("/allowed"), ROLE, token=ROLE.session_token, presign=True)
    assert (await pipeline.handle(presigned)).status == 200
    for token in (None, "another-token"):
        refused = await pipeline.handle(sign(rest_url("/allowed"), ROLE, token=token))
        assert refused.status == 403
        assert _headers(refused)["x-amzn-errortype"] == "UnrecognizedClientException"


async def test_long_term_key_with_a_session_token_is_refused() -> None:
    response = await Pipeline().handle(sign(rest_url("/allowed"), ALICE, token="made-up"))
    assert response.status == 403
    assert _headers(response)["x-amzn-errortype"] == "UnrecognizedClientException"


async def test_test_pair_is_the_account_root() -> None:
    pipeline = Pipeline()
    response = await pipeline.handle(sign(rest_url("/other"), TEST_ROOT))
    assert response.status == 200
    identity = pipeline.event["requestContext"]["identity"]
    assert identity["userArn"] == "arn:aws:iam::123456789012:root"
    assert identity["caller"] == ACCOUNT
    assert identity["accessKey"] == "test"


async def test_signature_for_another_service_is_refused() -> None:
    response = await Pipeline().handle(sign(rest_url("/allowed"), ALICE, service="lambda"))
    assert response.status == 403
    assert response.body == (
        b'{"message":"Credential should be scoped to correct service: \'execute-api\'. "}'
    )


async def test_identity_policy_without_allow_is_implicitly_denied() -> None:
    response = await Pipeline().handle(sign(rest_url("/other"), ALICE))
    assert response.status == 403
    assert response.body == _denied_body(ALICE.arn, "/other")
    assert _headers(response)["x-amzn-errortype"] == "AccessDeniedException"


async def test_identity_policy_deny_is_explicit() -> None:
    response = await Pipeline().handle(sign(rest_url("/forbidden"), ALICE))
    assert response.status == 403
    assert response.body == _denied_body(ALICE.arn, "/forbidden", explicit=True)


async def test_other_account_needs_a_resource_policy() -> None:
    """Table B: cross-account access needs the API's resource policy to allow too."""
    response = await Pipeline().handle(sign(rest_url("/allowed"), STRANGER))
    assert response.status == 403
    assert response.body == _denied_body(STRANGER.arn, "/allowed")


async def test_http_api_payload_2_gets_authorizer_iam() -> None:
    pipeline = Pipeline()
    response = await pipeline.handle(sign(http_url("/iam"), ALICE))
    assert response.status == 200
    assert pipeline.event["requestContext"]["authorizer"] == {
        "iam": {
            "accessKey": ALICE.access_key,
            "accountId": ACCOUNT,
            "callerId": ALICE.principal_id,
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": ALICE.arn,
            "userId": ALICE.principal_id,
        }
    }


async def test_http_api_payload_1_gets_identity_fields() -> None:
    pipeline = Pipeline()
    response = await pipeline.handle(sign(http_url("/v1"), ROLE, token=ROLE.session_token))
    assert response.status == 200
    assert pipeline.event["requestContext"]["identity"]["userArn"] == ROLE.arn


async def test_http_api_refusals_are_plain_forbidden() -> None:
    pipeline = Pipeline()
    for request in (
        sign(http_url("/iam"), None),
        sign(http_url("/iam"), ALICE, secret="wrong" * 8),
        sign(http_url("/v1"), ALICE),  # signed, but the policy does not allow it
    ):
        response = await pipeline.handle(request)
        assert (response.status, response.body, response.headers) == (
            403,
            b'{"message":"Forbidden"}',
            [],
        )


def test_masked_arn_keeps_the_last_four_digits() -> None:
    arn = f"arn:aws:execute-api:us-east-1:123456789012:{HTTP_ID}/$default/GET/iam"
    assert (
        masked_arn(arn) == f"arn:aws:execute-api:us-east-1:********9012:{HTTP_ID}/$default/GET/iam"
    )
