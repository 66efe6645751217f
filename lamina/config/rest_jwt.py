"""The `jwtConfiguration` of a REST API's JWT authorizer: trusted issuers, the audiences
each may issue tokens for, their additional claim rules, and the signing algorithms.

CloudFormation writes it in PascalCase (`Issuers`, `DefaultAlgorithms`, `AdditionalClaims`,
`ClaimName`, ...), the API and OpenAPI bodies in camelCase; both are read here. The rules
are the API reference's (botocore's apigateway model, JwtConfigurationInput /
JwtIssuerInput / JwtAdditionalClaim):
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-authorizer-jwtconfiguration.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-jwt-authorizer-create.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from lamina.config.error import ConfigError
from lamina.gateway.model import JwtClaimRule, JwtIssuer

ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
# "The value cannot be empty and cannot be iss, aud, exp, nbf, iat, scope, or scp."
RESERVED_CLAIMS = frozenset({"iss", "aud", "exp", "nbf", "iat", "scope", "scp"})
CLAIM_FORMATS = ("SINGLE_STRING",)
# Plain http is refused as AWS refuses it, except on loopback, where a local identity
# provider (tests, Lamina's own user pools) serves (docs/fidelity/gateway.md).
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def jwt_configuration(value: object) -> tuple[tuple[JwtIssuer, ...], tuple[str, ...]]:
    """(issuers, algorithms) of a JwtConfiguration; ConfigError naming the first fault."""
    if not isinstance(value, Mapping):
        raise ConfigError("a REST JWT authorizer needs a JwtConfiguration mapping")
    issuers = _list(_get(value, "issuers"), "JwtConfiguration.Issuers")
    if not issuers:
        raise ConfigError("JwtConfiguration.Issuers needs at least one issuer")
    parsed = tuple(_issuer(item) for item in issuers)
    urls = [issuer.issuer for issuer in parsed]
    if len(set(urls)) != len(urls):
        raise ConfigError("JwtConfiguration.Issuers: issuer URLs must be unique")
    algorithms = tuple(str(a) for a in _list(_get(value, "defaultAlgorithms"), "DefaultAlgorithms"))
    if not algorithms:
        raise ConfigError("JwtConfiguration.DefaultAlgorithms needs at least one algorithm")
    for algorithm in algorithms:
        if algorithm not in ALGORITHMS:
            raise ConfigError(
                f"signing algorithm {algorithm!r} is not one of {', '.join(ALGORITHMS)}"
            )
    return parsed, algorithms


def check_issuer_url(url: str) -> None:
    """ "an absolute https URL that includes a host and has no user information, query,
    or fragment" (JwtIssuerInput.issuer)."""
    parts = urlsplit(url)
    local = parts.scheme == "http" and parts.hostname in _LOOPBACK
    if parts.scheme != "https" and not local:
        raise ConfigError(f"issuer {url!r} is not an absolute https URL")
    if not parts.hostname or parts.username is not None or parts.query or parts.fragment:
        raise ConfigError(
            f"issuer {url!r} must have a host and no user information, query or fragment"
        )


def _issuer(value: object) -> JwtIssuer:
    if not isinstance(value, Mapping):
        raise ConfigError("each JwtConfiguration issuer must be a mapping")
    url = _get(value, "issuer")
    if not isinstance(url, str) or not url:
        raise ConfigError("a JwtConfiguration issuer needs its Issuer URL")
    check_issuer_url(url)
    audiences = tuple(str(a) for a in _list(_get(value, "audiences"), f"{url} Audiences"))
    if not audiences or any(not audience for audience in audiences):
        raise ConfigError(f"issuer {url}: Audiences needs at least one non-empty value")
    rules = tuple(
        _claim_rule(url, item)
        for item in _list(_get(value, "additionalClaims"), f"{url} AdditionalClaims")
    )
    names = [rule.name for rule in rules]
    if len(set(names)) != len(names):
        raise ConfigError(f"issuer {url}: claim names must be unique within the issuer")
    return JwtIssuer(issuer=url, audiences=audiences, additional_claims=rules)


def _claim_rule(url: str, value: object) -> JwtClaimRule:
    if not isinstance(value, Mapping):
        raise ConfigError(f"issuer {url}: each additional claim must be a mapping")
    name = _get(value, "claimName")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"issuer {url}: an additional claim needs a ClaimName")
    if name in RESERVED_CLAIMS:
        raise ConfigError(
            f"issuer {url}: claim {name!r} cannot be an additional claim "
            f"(not one of {', '.join(sorted(RESERVED_CLAIMS))})"
        )
    claim_format = _get(value, "format")
    if claim_format not in CLAIM_FORMATS:
        raise ConfigError(
            f"issuer {url}: claim {name} Format {claim_format!r} is not SINGLE_STRING"
        )
    expected = tuple(str(v) for v in _list(_get(value, "expectedValues"), f"{name} ExpectedValues"))
    if any(not item for item in expected):
        raise ConfigError(f"issuer {url}: claim {name} has an empty expected value")
    required = _get(value, "required")
    return JwtClaimRule(
        name=name, required=required in (True, "true", "True"), expected_values=expected
    )


def _get(value: Mapping[str, Any], camel: str) -> Any:
    """The camelCase key (API, OpenAPI) or its PascalCase twin (CloudFormation)."""
    if camel in value:
        return value[camel]
    return value.get(camel[0].upper() + camel[1:])


def _list(value: object, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(f"{what} must be a list")
    return value
