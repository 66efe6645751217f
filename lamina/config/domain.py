"""Custom domain names from templates: AWS::ApiGateway::DomainName + BasePathMapping (REST)
and AWS::ApiGatewayV2::DomainName + ApiMapping (HTTP). SAM's `Domain` on an Api / HttpApi
arrives as these resources (aws-sam-translator writes them).

https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-domainname.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-basepathmapping.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-domainname.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-apimapping.html

Certificates: AWS takes an ACM certificate ARN; locally Lamina's CA issues one for the
domain name (lamina.http.certificate), so the ARN is read and not used.

Truststores (MutualTlsAuthentication.TruststoreUri): an s3:// URI on AWS. Until Lamina's
own S3 serves it, a truststore is a PEM file beside the template:
- a path relative to the template folder (`truststore.pem`) or a file:// URI;
- `s3://bucket/key` → the file `key`, else `bucket/key`, in the template folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lamina.config.error import ConfigError
from lamina.config.reference import CfnResource
from lamina.config.stack import Stack
from lamina.gateway.domain import ApiMapping, CustomDomain, MutualTls
from lamina.http.truststore import TruststoreError, read_truststore
from lamina.services.apigateway.domain_store import (
    ENHANCED_POLICIES,
    LEGACY_POLICIES,
    DomainInputError,
    check_policy,
)

REST_DOMAIN = "AWS::ApiGateway::DomainName"
REST_MAPPING = "AWS::ApiGateway::BasePathMapping"
HTTP_DOMAIN = "AWS::ApiGatewayV2::DomainName"
HTTP_MAPPING = "AWS::ApiGatewayV2::ApiMapping"
DOMAIN_TYPES = (REST_DOMAIN, REST_MAPPING, HTTP_DOMAIN, HTTP_MAPPING)


def build_domains(stack: Stack) -> list[CustomDomain]:
    domains: dict[str, CustomDomain] = {}
    for resource in stack.of_type(REST_DOMAIN, HTTP_DOMAIN):
        with stack.blame(resource.logical_id):
            domain = _domain(stack, resource)
            if domain.name in domains:
                raise ConfigError(f"domain name {domain.name} is declared twice")
            domains[domain.name] = domain
    mappings: dict[str, list[ApiMapping]] = {name: [] for name in domains}
    for resource in stack.of_type(REST_MAPPING, HTTP_MAPPING):
        with stack.blame(resource.logical_id):
            name = stack.text(resource, "DomainName").lower()
            if name not in mappings:
                stack.warnings.append(
                    f"{resource.logical_id}: domain name {name} is not declared in the "
                    "template — mapping ignored"
                )
                continue
            mapping = _mapping(stack, resource)
            if any(m.base_path == mapping.base_path for m in mappings[name]):
                shown = mapping.base_path or "(none)"
                raise ConfigError(f"base path {shown} of {name} is mapped twice")
            mappings[name].append(mapping)
    return [
        CustomDomain(
            name=domain.name,
            logical_id=domain.logical_id,
            mappings=tuple(mappings[domain.name]),
            mutual_tls=domain.mutual_tls,
            security_policy=domain.security_policy,
            endpoint_access_mode=domain.endpoint_access_mode,
        )
        for domain in domains.values()
    ]


def _domain(stack: Stack, resource: CfnResource) -> CustomDomain:
    name = stack.text(resource, "DomainName").lower()
    policy = stack.prop(resource, "SecurityPolicy")
    allowed: tuple[str, ...] = LEGACY_POLICIES + ENHANCED_POLICIES
    if resource.type == HTTP_DOMAIN:
        configurations = stack.prop(resource, "DomainNameConfigurations") or [{}]
        first = configurations[0] if isinstance(configurations, list) and configurations else {}
        policy = first.get("SecurityPolicy") if isinstance(first, dict) else None
        allowed = LEGACY_POLICIES
    security_policy = str(policy or "TLS_1_2")
    mutual_tls = _mutual_tls(stack, resource)
    mode = stack.prop(resource, "EndpointAccessMode")
    try:
        check_policy(security_policy, allowed, mutual_tls, mode)
    except DomainInputError as error:
        raise ConfigError(str(error)) from None
    return CustomDomain(
        name=name,
        logical_id=resource.logical_id,
        mutual_tls=mutual_tls,
        security_policy=security_policy,
        endpoint_access_mode=None if mode is None else str(mode),
    )


def _mutual_tls(stack: Stack, resource: CfnResource) -> MutualTls | None:
    raw: Any = stack.prop(resource, "MutualTlsAuthentication")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ConfigError("MutualTlsAuthentication must be a mapping")
    uri = raw.get("TruststoreUri")
    if not uri:  # an empty TruststoreUri turns mutual TLS off
        return None
    version = raw.get("TruststoreVersion")
    path = truststore_path(str(uri), Path(stack.document.folder))
    # AWS checks the truststore's certificates when the domain is created and answers
    # warnings for invalid ones (MutualTlsAuthentication.truststoreWarnings); Lamina lists
    # them at start. A file that is no PEM bundle stops `lamina up --tls` (tls.py).
    try:
        stack.warnings.extend(f"{resource.logical_id}: {w}" for w in read_truststore(path).warnings)
    except TruststoreError as error:
        stack.warnings.append(f"{resource.logical_id}: {error}")
    return MutualTls(
        truststore=str(path),
        truststore_uri=str(uri),
        truststore_version=str(version) if version is not None else None,
    )


def truststore_path(uri: str, folder: Path) -> Path:
    """The local PEM bundle a TruststoreUri stands for (see the module docstring)."""
    if uri.startswith("s3://"):
        bucket, _, key = uri[len("s3://") :].partition("/")
        candidates = [folder / key, folder / bucket / key] if key else []
    elif uri.startswith("file://"):
        candidates = [folder / uri[len("file://") :]]
    elif "://" in uri:
        raise ConfigError(f"TruststoreUri {uri!r}: Lamina reads s3://, file:// or a path")
    else:
        candidates = [folder / uri]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    looked = ", ".join(str(c) for c in candidates) or "nowhere (no key)"
    hint = "; put the PEM bundle of trusted client CAs there" if candidates else ""
    raise ConfigError(f"TruststoreUri {uri!r}: no PEM file found (looked at {looked}){hint}")


def _mapping(stack: Stack, resource: CfnResource) -> ApiMapping:
    if resource.type == REST_MAPPING:
        api_id = stack.text(resource, "RestApiId")
        base_path = stack.text(resource, "BasePath", "")
        stage = stack.text(resource, "Stage", "") or None
    else:
        api_id = stack.text(resource, "ApiId")
        base_path = stack.text(resource, "ApiMappingKey", "")
        stage = stack.text(resource, "Stage")
    # "(none)" is how the console and the API show the empty base path.
    base_path = "" if base_path == "(none)" else base_path.strip("/")
    return ApiMapping(api_id=api_id, base_path=base_path, stage=stage)
