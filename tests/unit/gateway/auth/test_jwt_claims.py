"""Claims rendered as API Gateway delivers them (captures cited in docs/fidelity/gateway.md)."""

from __future__ import annotations

from lamina.gateway.auth.claims import http_claims, java_date, rest_claims

# A REST Cognito authorizer capture (note.kiriukun.com, 2019-11-06), its token's claims
# and what the function received in requestContext.authorizer.claims.
TOKEN = {
    "sub": "4216ac0c-b092-493a-8567-1fff71b4XXXX",
    "aud": "s65q9nma0510d6h15g9t8XXXX",
    "event_id": "afc54790-3048-4d50-b458-01f1dfbc7fc8",
    "token_use": "id",
    "auth_time": 1573022214,
    "iss": "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_XXXXXXXXX",
    "cognito:username": "kiriukun",
    "exp": 1573025814,
    "iat": 1573022214,
}
DELIVERED = {
    "sub": "4216ac0c-b092-493a-8567-1fff71b4XXXX",
    "aud": "s65q9nma0510d6h15g9t8XXXX",
    "event_id": "afc54790-3048-4d50-b458-01f1dfbc7fc8",
    "token_use": "id",
    "auth_time": "1573022214",
    "iss": "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_XXXXXXXXX",
    "cognito:username": "kiriukun",
    "exp": "Wed Nov 06 07:36:54 UTC 2019",
    "iat": "Wed Nov 06 06:36:54 UTC 2019",
}


def test_rest_claims_match_the_capture() -> None:
    assert rest_claims(TOKEN) == DELIVERED


def test_rest_claims_booleans_and_groups() -> None:
    rendered = rest_claims(
        {"phone_number_verified": True, "cognito:groups": ["team_manager"], "x": None}
    )
    assert rendered == {"phone_number_verified": "true", "cognito:groups": "team_manager"}
    assert rest_claims({"cognito:groups": ["a", "b"]}) == {"cognito:groups": "a,b"}


def test_java_date_pads_the_day_and_uses_english_names() -> None:
    assert java_date(1680629979) == "Tue Apr 04 17:39:39 UTC 2023"


def test_http_claims_stringify_numbers_and_bracket_arrays() -> None:
    rendered = http_claims(
        {
            "exp": 1700000000,
            "email_verified": False,
            "cognito:groups": ["admin", "poweruser"],
            "ratio": 0.5,
            "address": {"country": "FR"},
            "gone": None,
        }
    )
    assert rendered == {
        "exp": "1700000000",
        "email_verified": "false",
        "cognito:groups": "[admin poweruser]",
        "ratio": "0.5",
        "address": '{"country":"FR"}',
    }
