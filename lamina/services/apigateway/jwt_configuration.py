"""The rules of a REST API JWT authorizer's `jwtConfiguration`, checked once for every way
one arrives: CreateAuthorizer / UpdateAuthorizer, an imported OpenAPI body, and a template
(config/rest_jwt.py, which then builds the gateway's model from the checked value).

CloudFormation writes it in PascalCase (`Issuers`, `DefaultAlgorithms`, `ClaimName`, ...),
the API and OpenAPI bodies in camelCase; `field` reads either. The rules are the API
reference's (botocore's apigateway model, JwtConfigurationInput / JwtIssuerInput /
JwtAdditionalClaim):
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-authorizer-jwtconfiguration.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-jwt-authorizer-create.html
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
# "The value cannot be empty and cannot be iss, aud, exp, nbf, iat, scope, or scp."
RESERVED_CLAIMS = frozenset({"iss", "aud", "exp", "nbf", "iat", "scope", "scp"})
CLAIM_FORMATS = ("SINGLE_STRING",)
# Plain http is refused as AWS refuses it, except on loopback, where a local identity
# provider (tests, Lamina's own user pools) serves (docs/fidelity/gateway.md).
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
HEADER_SOURCE = "method.request.header."


class JwtConfigurationError(ValueError):
    """A jwtConfiguration AWS refuses (the API answers BadRequestException)."""


class JwtEnumError(JwtConfigurationError):
    """A value outside one of the model's enums (the API answers ValidationException)."""

    def __init__(self, message: str, value: str, where: str, allowed: tuple[str, ...]) -> None:
        super().__init__(message)
        self.value, self.where, self.allowed = value, where, allowed


def check_identity_source(sources: Sequence[str]) -> None:
    """A REST JWT authorizer's identitySource "is required and must be a single
    request-header mapping expression ... Query string parameters are not supported, and
    there is no default" (CreateAuthorizer; rest-api-jwt-authorizer-create.html)."""
    if len(sources) != 1 or not sources[0].startswith(HEADER_SOURCE) or sources[0] == HEADER_SOURCE:
        raise JwtConfigurationError(
            "a REST JWT authorizer reads exactly one method.request.header.X (there is no default)"
        )


def check_jwt_configuration(value: object) -> Mapping[str, Any]:
    """The jwtConfiguration, checked; JwtConfigurationError naming its first fault."""
    if not isinstance(value, Mapping):
        raise JwtConfigurationError("a REST JWT authorizer needs a JwtConfiguration mapping")
    issuers = items(field(value, "issuers"), "JwtConfiguration.Issuers")
    if not issuers:
        raise JwtConfigurationError("JwtConfiguration.Issuers needs at least one issuer")
    for issuer in issuers:
        _check_issuer(issuer)
    urls = [field(issuer, "issuer") for issuer in issuers]
    if len(set(urls)) != len(urls):
        raise JwtConfigurationError("JwtConfiguration.Issuers: issuer URLs must be unique")
    algorithms = items(field(value, "defaultAlgorithms"), "DefaultAlgorithms")
    if not algorithms:
        raise JwtConfigurationError(
            "JwtConfiguration.DefaultAlgorithms needs at least one algorithm"
        )
    for algorithm in algorithms:
        if algorithm not in ALGORITHMS:
            raise JwtEnumError(
                f"signing algorithm {algorithm!r} is not one of {', '.join(ALGORITHMS)}",
                str(algorithm),
                "jwtConfiguration.defaultAlgorithms",
                ALGORITHMS,
            )
    return value


def check_issuer_url(url: str) -> None:
    """ "an absolute https URL that includes a host and has no user information, query,
    or fragment" (JwtIssuerInput.issuer)."""
    parts = urlsplit(url)
    local = parts.scheme == "http" and parts.hostname in _LOOPBACK
    if parts.scheme != "https" and not local:
        raise JwtConfigurationError(f"issuer {url!r} is not an absolute https URL")
    if not parts.hostname or parts.username is not None or parts.query or parts.fragment:
        raise JwtConfigurationError(
            f"issuer {url!r} must have a host and no user information, query or fragment"
        )


def _check_issuer(value: object) -> None:
    if not isinstance(value, Mapping):
        raise JwtConfigurationError("each JwtConfiguration issuer must be a mapping")
    url = field(value, "issuer")
    if not isinstance(url, str) or not url:
        raise JwtConfigurationError("a JwtConfiguration issuer needs its Issuer URL")
    check_issuer_url(url)
    audiences = items(field(value, "audiences"), f"{url} Audiences")
    if not audiences or any(not audience for audience in audiences):
        raise JwtConfigurationError(f"issuer {url}: Audiences needs at least one non-empty value")
    claims = items(field(value, "additionalClaims"), f"{url} AdditionalClaims")
    names = [_check_claim(url, claim) for claim in claims]
    if len(set(names)) != len(names):
        raise JwtConfigurationError(f"issuer {url}: claim names must be unique within the issuer")


def _check_claim(url: str, value: object) -> str:
    if not isinstance(value, Mapping):
        raise JwtConfigurationError(f"issuer {url}: each additional claim must be a mapping")
    name = field(value, "claimName")
    if not isinstance(name, str) or not name:
        raise JwtConfigurationError(f"issuer {url}: an additional claim needs a ClaimName")
    if name in RESERVED_CLAIMS:
        raise JwtConfigurationError(
            f"issuer {url}: claim {name!r} cannot be an additional claim "
            f"(not one of {', '.join(sorted(RESERVED_CLAIMS))})"
        )
    claim_format = field(value, "format")
    if claim_format not in CLAIM_FORMATS:
        raise JwtEnumError(
            f"issuer {url}: claim {name} Format {claim_format!r} is not SINGLE_STRING",
            str(claim_format),
            "additionalClaims.format",
            CLAIM_FORMATS,
        )
    expected = items(field(value, "expectedValues"), f"{name} ExpectedValues")
    if any(not item for item in expected):
        raise JwtConfigurationError(f"issuer {url}: claim {name} has an empty expected value")
    return name


def field(value: Mapping[str, Any], camel: str) -> Any:
    """The camelCase key (API, OpenAPI) or its PascalCase twin (CloudFormation)."""
    if camel in value:
        return value[camel]
    return value.get(camel[0].upper() + camel[1:])


def items(value: object, what: str) -> list[Any]:
    """A list member (absent: empty)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise JwtConfigurationError(f"{what} must be a list")
    return value
