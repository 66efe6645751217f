"""Custom domain names: ONE resource that the REST API (apigateway) and the HTTP API
(apigatewayv2) management APIs share, as on AWS: a domain made with either API is seen,
changed and deleted by both; its mappings are listed by both, each in its own shape
(GetBasePathMappings: basePath/restApiId/stage; GetApiMappings: ApiMappingKey/ApiId/Stage/
ApiMappingId), and a base path is taken once, whichever API took it.
https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-mappings.html

    kind                      key                          record
    apigateway/domainnames    {domainName}                 DomainRecord
    apigateway/apimappings    {domainName}/{mappingId}     MappingRecord

A mapping says what it points at: a REST API's stage (`REST`; the stage may be unset, the
REST `(none)` stage: the next path segment names it) or an HTTP API's (`HTTP`). Its base
path is "" for the `(none)` mapping, else levels without slashes around them.

Stores written before this module kept four kinds (apigw/domainnames,
apigw/basepathmappings, apigatewayv2/domains, apigatewayv2/mappings): `migrate_legacy`
converts them in one transaction and deletes them; both providers run it when they are
built (a no-op once done). A name held by both old kinds keeps the REST record, and an
old HTTP API mapping whose base path the REST one took is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

import msgspec

from lamina.core.store import Collection, Reader, Store, Transaction
from lamina.http.truststore import TruststoreError, parse_truststore
from lamina.services.apigateway.deploy_records import STAGES, Records
from lamina.services.apigateway.ids import API_ID_LENGTH, new_id
from lamina.services.apigateway.state import REST_APIS

DOMAINS = "apigateway/domainnames"
MAPPINGS = "apigateway/apimappings"
NO_BASE_PATH = "(none)"
ApiType = Literal["REST", "HTTP"]
_CLOUDFRONT_ZONE = "Z2FDTNDATAQYW2"
# Route 53 hosted zones of API Gateway's regional endpoints.
# https://docs.aws.amazon.com/general/latest/gr/apigateway.html
_REGIONAL_ZONES = {
    "us-east-1": "Z1UJRXOUMOOFQ8",
    "us-east-2": "ZOJJZC49E0EPZ",
    "us-west-1": "Z2MUQ32089INYE",
    "us-west-2": "Z2OJLYMUO9EFXC",
    "eu-west-1": "ZLY8HYME6SFDD",
    "eu-west-2": "ZJ5UAJN8Y3Z2Q",
    "eu-central-1": "Z1U9ULNL0V5AJ3",
    "ap-northeast-1": "Z1YSHQZHG15GKL",
    "ap-southeast-1": "ZL327KTPIQFUL",
    "ap-southeast-2": "Z2RPCDW04V8134",
}
_LEGACY_REST = ("apigw/domainnames", "apigw/basepathmappings")
# The SecurityPolicy enums of the API references (API_CreateDomainName, apigateway and
# apigatewayv2): legacy TLS_1_0 / TLS_1_2, and REST domains' enhanced SecurityPolicy_* ones.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-security-policies.html
LEGACY_POLICIES = ("TLS_1_0", "TLS_1_2")
ENHANCED_POLICIES = (
    "SecurityPolicy_TLS13_1_3_2025_09",
    "SecurityPolicy_TLS13_1_3_FIPS_2025_09",
    "SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_FIPS_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_FIPS_PFS_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_Ext2_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_Ext2_FIPS_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_2021_06",
    "SecurityPolicy_TLS13_2025_EDGE",
    "SecurityPolicy_TLS12_PFS_2025_EDGE",
    "SecurityPolicy_TLS12_2018_EDGE",
)
ACCESS_MODES = ("STRICT", "BASIC")
TruststoreSource = Callable[[str, str, str | None], bytes]
"""(bucket, key, version id or None) → the S3 object's bytes; raises LookupError when
there is no such bucket, key or version (Lamina's own S3, wired by the CLI)."""


class DomainInputError(ValueError):
    """A domain's settings AWS refuses (each API answers it as BadRequestException)."""


_LEGACY_HTTP = ("apigatewayv2/domains", "apigatewayv2/mappings")


class MutualTls(msgspec.Struct, kw_only=True):
    truststore_uri: str
    truststore_version: str | None = None
    truststore_warnings: list[str] | None = None
    truststore_pem: str | None = None
    """The certificates that can be trusted, read from S3 when the domain was created or
    updated (None: a record written before truststores were read)."""


class DomainRecord(msgspec.Struct, kw_only=True):
    """One custom domain name, whichever API made it. `certificate_*` is the EDGE
    certificate, `regional_certificate_*` the REGIONAL/PRIVATE one (the v2 view shows
    the one of the domain's endpoint type as its configuration's CertificateArn)."""

    domain_name: str
    domain_name_arn: str
    endpoint_type: str
    target_domain_name: str
    """regionalDomainName / distributionDomainName (v1), ApiGatewayDomainName (v2)."""
    hosted_zone_id: str | None = None
    certificate_arn: str | None = None
    certificate_name: str | None = None
    regional_certificate_arn: str | None = None
    regional_certificate_name: str | None = None
    certificate_upload_date: float | None = None
    security_policy: str = "TLS_1_2"
    status: str = "AVAILABLE"
    ip_address_type: str = "ipv4"
    ownership_verification_certificate_arn: str | None = None
    routing_mode: str = "API_MAPPING_ONLY"
    mutual_tls: MutualTls | None = None
    endpoint_access_mode: str | None = None
    tags: dict[str, str] = msgspec.field(default_factory=dict)

    @property
    def regional(self) -> bool:
        return self.endpoint_type != "EDGE"


class MappingRecord(msgspec.Struct, kw_only=True):
    id: str
    domain_name: str
    base_path: str
    """"" for `(none)`; else levels joined by single slashes."""
    api_id: str
    api_type: ApiType
    stage: str | None = None


def endpoint_target(endpoint_type: str, region: str) -> tuple[str, str | None]:
    """A new domain's target host name and its Route 53 hosted zone."""
    if endpoint_type == "EDGE":
        return f"d{new_id(13)}.cloudfront.net", _CLOUDFRONT_ZONE
    host = f"d-{new_id(API_ID_LENGTH)}.execute-api.{region}.amazonaws.com"
    return host, _REGIONAL_ZONES.get(region)


def domain_arn(region: str, name: str) -> str:
    return f"arn:aws:apigateway:{region}::/domainnames/{name}"


class Domains:
    """The two kinds over one store; every method takes the caller's transaction."""

    __slots__ = ("mappings", "names", "store")

    def __init__(self, store: Store) -> None:
        self.store = store
        self.names = Collection(store, DOMAINS, DomainRecord)
        self.mappings = Collection(store, MAPPINGS, MappingRecord)

    def get(self, name: str, tx: Reader | None = None) -> DomainRecord | None:
        return self.names.get(name.lower(), tx)

    def all(self, tx: Reader | None = None) -> list[DomainRecord]:
        return self.names.all("", tx)

    def put(self, record: DomainRecord, tx: Transaction) -> None:
        self.names.put(record.domain_name, record, tx)

    def delete(self, name: str, tx: Transaction) -> list[MappingRecord]:
        """The domain and its mappings; the mappings that went."""
        gone = self.mappings_of(name, tx)
        tx.delete_prefix(MAPPINGS, f"{name}/")
        self.names.delete(name, tx)
        return gone

    def mappings_of(self, name: str, tx: Reader | None = None) -> list[MappingRecord]:
        return self.mappings.all(f"{name}/", tx)

    def mapping(self, name: str, mapping_id: str, tx: Reader | None = None) -> MappingRecord | None:
        return self.mappings.get(f"{name}/{mapping_id}", tx)

    def mapping_at(
        self, name: str, base_path: str, tx: Reader | None = None
    ) -> MappingRecord | None:
        """The domain's mapping of `base_path` ("" for `(none)`)."""
        for mapping in self.mappings_of(name, tx):
            if mapping.base_path == base_path:
                return mapping
        return None

    def taken(self, mapping: MappingRecord, tx: Reader) -> bool:
        """Whether another mapping of the domain has the same base path."""
        other = self.mapping_at(mapping.domain_name, mapping.base_path, tx)
        return other is not None and other.id != mapping.id

    def put_mapping(self, mapping: MappingRecord, tx: Transaction) -> None:
        self.mappings.put(f"{mapping.domain_name}/{mapping.id}", mapping, tx)

    def delete_mapping(self, mapping: MappingRecord, tx: Transaction) -> None:
        self.mappings.delete(f"{mapping.domain_name}/{mapping.id}", tx)

    def mappings_to(
        self, api_id: str, tx: Reader | None = None, stage: str | None = None
    ) -> list[MappingRecord]:
        """Every mapping, of any domain, to the API (to its `stage` when given)."""
        return [
            mapping
            for mapping in self.mappings.all("", tx)
            if mapping.api_id == api_id and stage in (None, mapping.stage)
        ]

    def drop_mappings_to(self, api_id: str, tx: Transaction, stage: str | None = None) -> None:
        for mapping in self.mappings_to(api_id, tx, stage):
            self.delete_mapping(mapping, tx)


def rest_target(tx: Reader, api_id: str, stage: str | None) -> tuple[bool, bool]:
    """(the REST API exists, the stage exists or none is named)."""
    if not api_id or tx.get(REST_APIS, api_id) is None:
        return False, False
    return True, not stage or tx.get(STAGES, f"{api_id}/{stage}") is not None


def domain_table(
    store: Store, tx: Reader | None = None
) -> list[tuple[DomainRecord, list[MappingRecord]]]:
    """Every domain with its mappings (REST and HTTP alike), in one consistent read (`tx`'s,
    else a transaction of its own): what the data plane routes on Host and base path."""
    if tx is None:
        with store.transaction() as own:
            return domain_table(store, own)
    domains = Domains(store)
    return [(record, domains.mappings_of(record.domain_name, tx)) for record in domains.all(tx)]


# -- the two APIs' views ----------------------------------------------------------------


def rest_domain(record: DomainRecord) -> dict[str, Any]:
    """GetDomainName (apigateway) output.
    https://docs.aws.amazon.com/apigateway/latest/api/API_DomainName.html"""
    out: dict[str, Any] = {
        "domainName": record.domain_name,
        "domainNameArn": record.domain_name_arn,
        "endpointConfiguration": {
            "types": [record.endpoint_type],
            "ipAddressType": record.ip_address_type,
        },
        "domainNameStatus": record.status,
        "securityPolicy": record.security_policy,
        "endpointAccessMode": record.endpoint_access_mode,
        "routingMode": record.routing_mode,
    }
    if record.regional:
        out["regionalDomainName"] = record.target_domain_name
        out["regionalHostedZoneId"] = record.hosted_zone_id
    else:
        out["distributionDomainName"] = record.target_domain_name
        out["distributionHostedZoneId"] = record.hosted_zone_id
    optional = {
        "certificateArn": record.certificate_arn,
        "certificateName": record.certificate_name,
        "regionalCertificateArn": record.regional_certificate_arn,
        "regionalCertificateName": record.regional_certificate_name,
        "ownershipVerificationCertificateArn": record.ownership_verification_certificate_arn,
    }
    out.update({key: value for key, value in optional.items() if value is not None})
    if record.certificate_upload_date is not None:
        out["certificateUploadDate"] = datetime.fromtimestamp(record.certificate_upload_date, UTC)
    if record.mutual_tls is not None:
        out["mutualTlsAuthentication"] = _mutual_tls(record.mutual_tls, "truststore")
    if record.tags:
        out["tags"] = dict(record.tags)
    return {key: value for key, value in out.items() if value is not None}


def http_domain(record: DomainRecord) -> dict[str, Any]:
    """GetDomainName (apigatewayv2) output: one configuration, the domain's endpoint.
    https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/domainnames-domainname.html"""
    configuration: dict[str, Any] = {
        "ApiGatewayDomainName": record.target_domain_name,
        "DomainNameStatus": record.status,
        "EndpointType": record.endpoint_type,
        "HostedZoneId": record.hosted_zone_id,
        "IpAddressType": record.ip_address_type,
        "SecurityPolicy": record.security_policy,
        "CertificateArn": record.regional_certificate_arn
        if record.regional
        else record.certificate_arn,
        "CertificateName": record.regional_certificate_name
        if record.regional
        else record.certificate_name,
        "CertificateUploadDate": record.certificate_upload_date,
        "OwnershipVerificationCertificateArn": record.ownership_verification_certificate_arn,
    }
    out: dict[str, Any] = {
        "ApiMappingSelectionExpression": "$request.basepath",
        "DomainName": record.domain_name,
        "DomainNameArn": record.domain_name_arn,
        "DomainNameConfigurations": [
            {key: value for key, value in configuration.items() if value is not None}
        ],
        "RoutingMode": record.routing_mode,
        "Tags": dict(record.tags),
    }
    if record.mutual_tls is not None:
        out["MutualTlsAuthentication"] = _mutual_tls(record.mutual_tls, "Truststore")
    return out


def _mutual_tls(value: MutualTls, prefix: str) -> dict[str, Any]:
    shown = {
        f"{prefix}Uri": value.truststore_uri,
        f"{prefix}Version": value.truststore_version,
        f"{prefix}Warnings": value.truststore_warnings,
    }
    return {key: item for key, item in shown.items() if item is not None}


def mutual_tls_of(
    given: Any, prefix: str, source: TruststoreSource | None = None
) -> MutualTls | None:
    """MutualTlsAuthentication input (`truststoreUri` / `TruststoreUri`) as stored. With a
    `source`, the truststore is read from S3 and checked as API Gateway checks it: a URI
    that is no s3:// object, or an object that is no PEM bundle of certificates, raises
    DomainInputError; invalid certificates become truststoreWarnings ("Mutual TLS is still
    enabled, but some clients might not be able to access your API").
    https://docs.aws.amazon.com/apigateway/latest/api/API_MutualTlsAuthentication.html
    https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html"""
    if not given or not given.get(f"{prefix}Uri"):
        return None
    uri, version = str(given[f"{prefix}Uri"]), given.get(f"{prefix}Version")
    stored = MutualTls(truststore_uri=uri, truststore_version=version)
    if source is None:
        return stored
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not uri.startswith("s3://") or not bucket or not key:
        raise DomainInputError(f"Invalid truststore URI {uri}: expected s3://bucket-name/key-name")
    try:
        data = source(bucket, key, version)
    except LookupError as error:
        shown = f" (version {version})" if version else ""
        raise DomainInputError(
            f"There was an error accessing the truststore at {uri}{shown}: {error}"
        ) from error
    try:
        truststore = parse_truststore(data, uri)
    except TruststoreError as error:
        raise DomainInputError(f"Invalid truststore at {uri}: {error}") from error
    stored.truststore_pem = truststore.pem()
    stored.truststore_warnings = truststore.warnings or None
    return stored


def check_policy(
    policy: str,
    allowed: tuple[str, ...],
    mutual_tls: object,
    access_mode: object,
) -> None:
    """A domain's security policy, as a template (config/domain.py) and the API both check
    it (`mutual_tls` is either layer's MutualTls, or None): a known policy; mutual TLS only
    with TLS_1_2 ("You can't enable mutual TLS on a domain name that uses an enhanced
    security policy", apigateway-custom-domain-tls-version.html; rest-api-mutual-tls.html
    needs "a minimum TLS version of 1.2"); EndpointAccessMode STRICT or BASIC, required
    with an enhanced policy.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-security-policies.html"""
    if policy not in allowed:
        raise DomainInputError(
            f"Invalid security policy: SecurityPolicy {policy} is not one of {', '.join(allowed)}"
        )
    if mutual_tls is not None and policy != "TLS_1_2":
        raise DomainInputError(
            f"Mutual TLS authentication needs SecurityPolicy TLS_1_2 (this domain has {policy})"
        )
    if access_mode is not None and access_mode not in ACCESS_MODES:
        raise DomainInputError(
            f"Invalid endpoint access mode: EndpointAccessMode {access_mode} is not one of "
            f"{', '.join(ACCESS_MODES)}"
        )
    if access_mode is None and policy in ENHANCED_POLICIES:
        raise DomainInputError(
            f"Security policy {policy} requires an endpoint access mode: it needs "
            f"EndpointAccessMode STRICT or BASIC"
        )


def base_path_mapping(mapping: MappingRecord) -> dict[str, Any]:
    """GetBasePathMapping output: `(none)` for the empty base path, no stage when unset.
    https://docs.aws.amazon.com/apigateway/latest/api/API_BasePathMapping.html"""
    out = {"basePath": mapping.base_path or NO_BASE_PATH, "restApiId": mapping.api_id}
    if mapping.stage:
        out["stage"] = mapping.stage
    return out


def api_mapping(mapping: MappingRecord) -> dict[str, Any]:
    """GetApiMapping output: "" for the empty key; a REST mapping without a stage shows
    the `(none)` stage it was made with.
    https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/domainnames-domainname-apimappings-apimappingid.html"""
    return {
        "ApiId": mapping.api_id,
        "ApiMappingId": mapping.id,
        "ApiMappingKey": mapping.base_path,
        "Stage": mapping.stage or NO_BASE_PATH,
    }


# -- stores written before domains were shared -------------------------------------------


class _LegacyHttpRecord(msgspec.Struct):
    data: dict[str, Any]


def migrate_legacy(store: Store) -> None:
    """Convert the four old kinds (see the module's docstring) and delete them."""
    if not any(store.scan(kind) for kind in (*_LEGACY_REST, *_LEGACY_HTTP)):
        return
    domains, rest = Domains(store), Records(store)
    http_names = Collection(store, _LEGACY_HTTP[0], _LegacyHttpRecord)
    http_mappings = Collection(store, _LEGACY_HTTP[1], _LegacyHttpRecord)
    with store.transaction() as tx:
        for old in rest.domains.all("", tx):
            types = old.endpoint_configuration.types or ["EDGE"]
            domains.put(
                DomainRecord(
                    domain_name=old.domain_name,
                    domain_name_arn=old.domain_name_arn or "",
                    endpoint_type=types[0],
                    target_domain_name=old.regional_domain_name
                    or old.distribution_domain_name
                    or "",
                    hosted_zone_id=old.regional_hosted_zone_id or old.distribution_hosted_zone_id,
                    certificate_arn=old.certificate_arn,
                    certificate_name=old.certificate_name,
                    regional_certificate_arn=old.regional_certificate_arn,
                    regional_certificate_name=old.regional_certificate_name,
                    certificate_upload_date=old.certificate_upload_date,
                    security_policy=old.security_policy,
                    status=old.domain_name_status,
                    tags=dict(old.tags or {}),
                ),
                tx,
            )
        for old_mapping in rest.mappings.all("", tx):
            path = "" if old_mapping.base_path == NO_BASE_PATH else old_mapping.base_path
            domains.put_mapping(
                MappingRecord(
                    id=new_id(),
                    domain_name=old_mapping.domain_name,
                    base_path=path,
                    api_id=old_mapping.rest_api_id,
                    api_type="REST",
                    stage=old_mapping.stage,
                ),
                tx,
            )
        for old_http in http_names.all("", tx):
            if domains.get(old_http.data["DomainName"], tx) is None:
                domains.put(_from_http(old_http.data), tx)
        for key, old_http in http_mappings.items("", tx):
            data = old_http.data
            mapping = MappingRecord(
                id=str(data["ApiMappingId"]),
                domain_name=key.rpartition("/")[0],
                base_path=str(data.get("ApiMappingKey") or ""),
                api_id=str(data["ApiId"]),
                api_type="REST" if tx.get(REST_APIS, str(data["ApiId"])) else "HTTP",
                stage=data.get("Stage"),
            )
            if domains.get(mapping.domain_name, tx) is not None and not domains.taken(mapping, tx):
                domains.put_mapping(mapping, tx)
        for kind in (*_LEGACY_REST, *_LEGACY_HTTP):
            tx.delete_prefix(kind, "")


def _from_http(data: dict[str, Any]) -> DomainRecord:
    configuration = (data.get("DomainNameConfigurations") or [{}])[0]
    endpoint_type = str(configuration.get("EndpointType") or "REGIONAL")
    regional = endpoint_type != "EDGE"
    mutual = data.get("MutualTlsAuthentication")
    return DomainRecord(
        domain_name=str(data["DomainName"]),
        domain_name_arn=str(data.get("DomainNameArn") or ""),
        endpoint_type=endpoint_type,
        target_domain_name=str(configuration.get("ApiGatewayDomainName") or ""),
        hosted_zone_id=configuration.get("HostedZoneId"),
        certificate_arn=None if regional else configuration.get("CertificateArn"),
        certificate_name=None if regional else configuration.get("CertificateName"),
        regional_certificate_arn=configuration.get("CertificateArn") if regional else None,
        regional_certificate_name=configuration.get("CertificateName") if regional else None,
        certificate_upload_date=configuration.get("CertificateUploadDate"),
        security_policy=str(configuration.get("SecurityPolicy") or "TLS_1_2"),
        status=str(configuration.get("DomainNameStatus") or "AVAILABLE"),
        ip_address_type=str(configuration.get("IpAddressType") or "ipv4"),
        routing_mode=str(data.get("RoutingMode") or "API_MAPPING_ONLY"),
        mutual_tls=mutual_tls_of(mutual, "Truststore"),
        tags=dict(data.get("Tags") or {}),
    )
