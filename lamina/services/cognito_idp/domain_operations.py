"""User pool domains (the hosted pages' host), tags, the SAML signing certificate and the
pool's MFA configuration.

https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolDomain.html
"""

from __future__ import annotations

import base64
import datetime
import re
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from lamina.aws.service import Operation, OperationInput, OperationOutput, ServiceError
from lamina.services.cognito_idp import tokens
from lamina.services.cognito_idp.model import Pool

if TYPE_CHECKING:
    from lamina.services.cognito_idp.provider import CognitoIdpProvider

HOSTED_SUFFIX = "auth.localhost"
"""Prefix domains answer at `{prefix}.auth.localhost` (hosted.py); Cognito's host is
`{prefix}.auth.{region}.amazoncognito.com`."""


_PREFIX = re.compile(r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?")
"""A prefix domain's pattern, as Cognito's InvalidParameterException quotes it. [reported]"""


def _pool_with(idp: CognitoIdpProvider, domain: str) -> Pool | None:
    for pool in idp.store.all(Pool, ""):
        if domain in (pool.domain, pool.custom_domain) and domain:
            return pool
    return None


def _certificate_arn(params: OperationInput) -> str:
    return str((params.get("CustomDomainConfig") or {}).get("CertificateArn") or "")


async def _create_domain(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    """A prefix domain (`auth`) or, with CustomDomainConfig, a custom one (`auth.example.com`,
    stored and described; Lamina does not serve custom domains). One of each per pool.
    [reported] error texts, as Cognito answers them."""
    pool = idp.pool(params["UserPoolId"])
    domain = str(params["Domain"])
    certificate = _certificate_arn(params)
    if not certificate and _PREFIX.fullmatch(domain) is None:
        raise ServiceError(
            "InvalidParameterException",
            "The domain name contains an invalid character. Domain names can only contain "
            "lower-case letters, numbers, and hyphens. Please enter a different name that "
            "follows this format: ^[a-z0-9](?:[a-z0-9\\-]{0,61}[a-z0-9])?$",
        )
    if _pool_with(idp, domain) is not None:
        raise ServiceError(
            "InvalidParameterException", "Domain already associated with another user pool."
        )
    if (pool.custom_domain if certificate else pool.domain) != "":
        raise ServiceError(
            "InvalidParameterException", "User pool already has a domain configured."
        )
    if certificate:
        pool.custom_domain, pool.custom_domain_certificate = domain, certificate
    else:
        pool.domain = domain
    pool.managed_login_version = int(params.get("ManagedLoginVersion") or 1)
    pool.modified = idp.now()
    idp.store.put("", pool.id, pool)
    output: dict[str, Any] = {"ManagedLoginVersion": pool.managed_login_version}
    if certificate:
        # The host a custom domain's DNS alias points at: Lamina's own domain form.
        output["CloudFrontDomain"] = f"{pool.domain or pool.id.lower()}.{HOSTED_SUFFIX}"
    return output


async def _describe_domain(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    """An unknown domain answers an empty DomainDescription, not an error. [reported]
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DescribeUserPoolDomain.html
    """
    domain = str(params["Domain"])
    pool = _pool_with(idp, domain)
    if pool is None:
        return {"DomainDescription": {}}
    described: dict[str, Any] = {
        "UserPoolId": pool.id,
        "AWSAccountId": pool.arn.split(":")[4],
        "Domain": domain,
        "CloudFrontDistribution": f"{pool.domain or domain}.{HOSTED_SUFFIX}",
        "Version": "20130630",
        "Status": "ACTIVE",
        "ManagedLoginVersion": pool.managed_login_version,
    }
    if domain == pool.custom_domain:
        described["CustomDomainConfig"] = {"CertificateArn": pool.custom_domain_certificate}
    return {"DomainDescription": described}


def _owned(idp: CognitoIdpProvider, params: OperationInput) -> tuple[Pool, str]:
    pool = idp.pool(params["UserPoolId"])
    domain = str(params["Domain"])
    if not domain or domain not in (pool.domain, pool.custom_domain):
        raise ServiceError("InvalidParameterException", "No such domain or user pool exists.")
    return pool, domain


async def _delete_domain(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool, domain = _owned(idp, params)
    if domain == pool.custom_domain:
        pool.custom_domain = pool.custom_domain_certificate = ""
    else:
        pool.domain = ""
    pool.modified = idp.now()
    idp.store.put("", pool.id, pool)
    return {}


async def _update_domain(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    """The managed login version, or a custom domain's certificate.
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolDomain.html
    """
    pool, domain = _owned(idp, params)
    certificate = _certificate_arn(params)
    if certificate and domain == pool.custom_domain:
        pool.custom_domain_certificate = certificate
    if params.get("ManagedLoginVersion") is not None:
        pool.managed_login_version = int(params["ManagedLoginVersion"])
    pool.modified = idp.now()
    idp.store.put("", pool.id, pool)
    output: dict[str, Any] = {"ManagedLoginVersion": pool.managed_login_version}
    if domain == pool.custom_domain:
        output["CloudFrontDomain"] = f"{pool.domain or pool.id.lower()}.{HOSTED_SUFFIX}"
    return output


# -- tags -------------------------------------------------------------------------------


def _tagged(idp: CognitoIdpProvider, arn: str) -> Pool:
    """User pools are the taggable resource.
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_TagResource.html
    """
    pool_id = arn.rpartition(":userpool/")[2]
    pool = idp.store.get(Pool, "", pool_id) if pool_id else None
    if pool is not None and pool.arn == arn:
        return pool
    raise ServiceError("ResourceNotFoundException", f"Resource {arn} does not exist.")


async def _tag(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = _tagged(idp, params["ResourceArn"])
    pool.tags.update({str(k): str(v) for k, v in (params.get("Tags") or {}).items()})
    if len(pool.tags) > 50:
        # "A user pool can have as many as 50 tags." [choice] the error's wording.
        # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_TagResource.html
        raise ServiceError("InvalidParameterException", "A user pool can have at most 50 tags.")
    idp.store.put("", pool.id, pool)
    return {}


async def _untag(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = _tagged(idp, params["ResourceArn"])
    for key in params.get("TagKeys") or []:
        pool.tags.pop(str(key), None)
    idp.store.put("", pool.id, pool)
    return {}


async def _list_tags(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    return {"Tags": dict(_tagged(idp, params["ResourceArn"]).tags)}


# -- signing certificate, MFA configuration, identity provider by identifier --------------


async def _signing_certificate(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    """The certificate SAML identity providers verify the pool's signed requests with: a
    self-signed X.509 certificate over the pool's signing key, base64 DER.
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetSigningCertificate.html
    """
    pool = idp.pool(params["UserPoolId"])
    return {"Certificate": signing_certificate(idp.signing_key(pool), pool)}


def signing_certificate(key: tokens.SigningKey, pool: Pool) -> str:
    private = serialization.load_der_private_key(key.der(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, pool.id)])
    start = datetime.datetime.fromtimestamp(pool.created, datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(int.from_bytes(key.kid.encode()[:16].ljust(16, b"\0"), "big") or 1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=3650))
        .sign(private, hashes.SHA256())
    )
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()


_MFA_KEYS = (
    "SmsMfaConfiguration",
    "SoftwareTokenMfaConfiguration",
    "EmailMfaConfiguration",
    "WebAuthnConfiguration",
)


def _mfa_output(pool: Pool) -> dict[str, Any]:
    output: dict[str, Any] = {
        key: pool.mfa_config[key] for key in _MFA_KEYS if key in pool.mfa_config
    }
    output["MfaConfiguration"] = pool.mfa
    return output


async def _get_mfa(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetUserPoolMfaConfig.html
    return _mfa_output(idp.pool(params["UserPoolId"]))


async def _set_mfa(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    """Stored and returned; Lamina does not challenge for MFA. A configuration not given
    keeps its stored value. [choice]
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SetUserPoolMfaConfig.html
    """
    pool = idp.pool(params["UserPoolId"])
    for key in _MFA_KEYS:
        if params.get(key) is not None:
            pool.mfa_config[key] = params[key]
    if params.get("MfaConfiguration"):
        pool.mfa = str(params["MfaConfiguration"])
    pool.modified = idp.now()
    idp.store.put("", pool.id, pool)
    return _mfa_output(pool)


OPERATIONS: dict[str, Operation[CognitoIdpProvider]] = {
    "CreateUserPoolDomain": _create_domain,
    "DescribeUserPoolDomain": _describe_domain,
    "DeleteUserPoolDomain": _delete_domain,
    "UpdateUserPoolDomain": _update_domain,
    "TagResource": _tag,
    "UntagResource": _untag,
    "ListTagsForResource": _list_tags,
    "GetSigningCertificate": _signing_certificate,
    "GetUserPoolMfaConfig": _get_mfa,
    "SetUserPoolMfaConfig": _set_mfa,
}
