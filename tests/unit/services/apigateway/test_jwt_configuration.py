"""The jwtConfiguration and identitySource rules shared by CreateAuthorizer, ImportRestApi
and templates (services/apigateway/jwt_configuration.py).
https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-jwt-authorizer-create.html
"""

from __future__ import annotations

import pytest

from lamina.services.apigateway.jwt_configuration import (
    JwtConfigurationError,
    JwtEnumError,
    check_identity_source,
    check_jwt_configuration,
)

CAMEL = {
    "issuers": [{"issuer": "https://idp.example.com/", "audiences": ["api://orders"]}],
    "defaultAlgorithms": ["RS256"],
}
PASCAL = {
    "Issuers": [{"Issuer": "https://idp.example.com/", "Audiences": ["api://orders"]}],
    "DefaultAlgorithms": ["RS256"],
}


@pytest.mark.parametrize("config", [CAMEL, PASCAL])
def test_check_jwt_configuration_reads_api_and_template_spellings(
    config: dict[str, object],
) -> None:
    assert check_jwt_configuration(config) is config


def test_check_jwt_configuration_enum_faults_name_the_member_and_its_values() -> None:
    with pytest.raises(JwtEnumError) as refused:
        check_jwt_configuration({**CAMEL, "defaultAlgorithms": ["HS256"]})
    assert refused.value.value == "HS256"
    assert refused.value.where == "jwtConfiguration.defaultAlgorithms"
    assert "ES512" in refused.value.allowed


@pytest.mark.parametrize(
    "sources",
    [
        [],
        ["method.request.header."],
        ["method.request.querystring.token"],
        ["method.request.header.A", "method.request.header.B"],
    ],
)
def test_check_identity_source_refuses_all_but_one_header(sources: list[str]) -> None:
    with pytest.raises(JwtConfigurationError, match=r"exactly one method\.request\.header\.X"):
        check_identity_source(sources)


def test_check_identity_source_takes_one_header() -> None:
    check_identity_source(["method.request.header.X-Id-Token"])
