"""/oauth2/authorize's checks and PKCE, without a server.

PKCE vector: RFC 7636 Appendix B. https://www.rfc-editor.org/rfc/rfc7636#appendix-B
"""

from __future__ import annotations

import pytest

from lamina.services.cognito_idp.hosted_grant import (
    AuthorizeRequest,
    CodeStore,
    ErrorPage,
    RedirectError,
    challenge_met,
    parse_authorize,
)
from lamina.services.cognito_idp.model import Client, Pool

VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
CALLBACK = "https://app.example/cb"
POOL = Pool(id="us-east-1_abcdefghi", name="p", arn="arn", created=0, modified=0)
CLIENT = Client(
    id="c1",
    pool_id=POOL.id,
    name="web",
    created=0,
    modified=0,
    allowed_oauth_flows=["code"],
    allowed_oauth_scopes=["openid", "email"],
    callback_urls=[CALLBACK],
    supported_identity_providers=["COGNITO"],
)


def _parse(**query: str) -> AuthorizeRequest:
    given = {"client_id": "c1", "redirect_uri": CALLBACK, "response_type": "code", **query}
    return parse_authorize(POOL, given, {"c1": CLIENT}.get)[0]


def test_s256_matches_the_rfc_7636_vector() -> None:
    assert challenge_met(CHALLENGE, "S256", VERIFIER)
    assert not challenge_met(CHALLENGE, "S256", VERIFIER[:-1] + "l")
    assert not challenge_met(CHALLENGE, "plain", VERIFIER)


def test_plain_compares_the_verifier_and_short_verifiers_fail() -> None:
    assert challenge_met(VERIFIER, "plain", VERIFIER)
    assert not challenge_met("short", "plain", "short")  # under 43 characters


def test_no_scope_means_every_allowed_scope() -> None:
    assert _parse().scopes == ["openid", "email"]
    assert _parse(scope="email").scope == "email"


def test_challenge_method_defaults_to_plain() -> None:
    assert _parse(code_challenge=VERIFIER).code_challenge_method == "plain"


def test_unknown_challenge_method_is_told_at_the_redirect_uri() -> None:
    with pytest.raises(RedirectError) as raised:
        _parse(code_challenge=CHALLENGE, code_challenge_method="S512", state="x y")
    assert raised.value.location == f"{CALLBACK}?error=invalid_request&state=x+y"


def test_unregistered_redirect_uri_and_other_pools_client_are_error_pages() -> None:
    with pytest.raises(ErrorPage) as raised:
        _parse(redirect_uri=CALLBACK + "/")  # exact match only
    assert raised.value.code == "redirect_mismatch"
    other = Client(id="c1", pool_id="us-east-1_zzzzzzzzz", name="x", created=0, modified=0)
    with pytest.raises(ErrorPage):
        parse_authorize(POOL, {"client_id": "c1"}, {"c1": other}.get)


def test_codes_are_one_use_and_expire() -> None:
    now = [1000.0]
    codes = CodeStore(lambda: now[0])
    request = _parse()
    first = codes.issue(POOL, request, "ada", 1000)
    assert codes.redeem(first) is not None
    assert codes.redeem(first) is None
    late = codes.issue(POOL, request, "ada", 1000)
    now[0] += 300
    assert codes.redeem(late) is None


def test_sign_in_needs_cognito_among_the_clients_identity_providers() -> None:
    assert _parse(identity_provider="COGNITO").client_id == "c1"
    with pytest.raises(ErrorPage):
        _parse(identity_provider="Google")
    without = Client(
        id="c2",
        pool_id=POOL.id,
        name="web",
        created=0,
        modified=0,
        allowed_oauth_flows=["code"],
        allowed_oauth_scopes=["openid"],
        callback_urls=[CALLBACK],
    )
    query = {"client_id": "c2", "redirect_uri": CALLBACK, "response_type": "code"}
    with pytest.raises(ErrorPage) as raised:
        parse_authorize(POOL, query, {"c2": without}.get)
    assert "Login option is not available" in raised.value.message
