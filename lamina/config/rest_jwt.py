"""The `jwtConfiguration` of a REST API's JWT authorizer as the gateway's model: trusted
issuers, the audiences each may issue tokens for, their additional claim rules, and the
signing algorithms. The rules it must meet are checked by the API's own checker
(services/apigateway/jwt_configuration.py), so a template and CreateAuthorizer refuse the
same configurations.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-authorizer-jwtconfiguration.html
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lamina.config.error import ConfigError
from lamina.gateway.model import JwtClaimRule, JwtIssuer
from lamina.services.apigateway.jwt_configuration import (
    JwtConfigurationError,
    check_identity_source,
    check_jwt_configuration,
    field,
    items,
)


def jwt_configuration(
    sources: Sequence[str], value: object
) -> tuple[tuple[JwtIssuer, ...], tuple[str, ...]]:
    """(issuers, algorithms) of a JwtConfiguration read through the identity `sources`;
    ConfigError naming the first fault."""
    try:
        config = check_jwt_configuration(value)
        check_identity_source(sources)
    except JwtConfigurationError as error:
        raise ConfigError(str(error)) from None
    issuers = tuple(_issuer(item) for item in items(field(config, "issuers"), ""))
    algorithms = tuple(str(a) for a in items(field(config, "defaultAlgorithms"), ""))
    return issuers, algorithms


def _issuer(value: Mapping[str, Any]) -> JwtIssuer:
    return JwtIssuer(
        issuer=field(value, "issuer"),
        audiences=tuple(str(a) for a in items(field(value, "audiences"), "")),
        additional_claims=tuple(
            _claim_rule(item) for item in items(field(value, "additionalClaims"), "")
        ),
    )


def _claim_rule(value: Mapping[str, Any]) -> JwtClaimRule:
    return JwtClaimRule(
        name=field(value, "claimName"),
        required=field(value, "required") in (True, "true", "True"),
        expected_values=tuple(str(v) for v in items(field(value, "expectedValues"), "")),
    )
