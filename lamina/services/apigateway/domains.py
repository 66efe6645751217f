"""Custom domain names (Create/Get/GetMany/Update/DeleteDomainName) and their base path
mappings (Create/Get/GetMany/Update/DeleteBasePathMapping), over the domain records the
HTTP API's management API shares (domain_store.py): GetBasePathMappings lists every
mapping of the domain, API mappings made with apigatewayv2 included.

Certificates are kept as given (ARNs are not looked up); serving TLS for a domain is the
edge's business. A base path made here has one level: multi-level ones ("myservice/cat/v1")
are made with apigatewayv2's CreateApiMapping, and read, updated and deleted here as well.
https://docs.aws.amazon.com/apigateway/latest/api/API_CreateDomainName.html
https://docs.aws.amazon.com/apigateway/latest/api/API_CreateBasePathMapping.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html
"""

from __future__ import annotations

import re

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.core.store import Reader
from lamina.services.apigateway import patching
from lamina.services.apigateway.deploy_records import EVERYTHING
from lamina.services.apigateway.domain_store import (
    ENHANCED_POLICIES,
    LEGACY_POLICIES,
    NO_BASE_PATH,
    DomainInputError,
    DomainRecord,
    Domains,
    MappingRecord,
    base_path_mapping,
    check_policy,
    domain_arn,
    endpoint_target,
    mutual_tls_of,
    rest_domain,
    rest_target,
)
from lamina.services.apigateway.error import bad_request, conflict, not_found
from lamina.services.apigateway.ids import new_id
from lamina.services.apigateway.listing import page
from lamina.services.apigateway.state import ApiGatewayState

_TYPES = ("EDGE", "REGIONAL", "PRIVATE")
_POLICIES = LEGACY_POLICIES + ENHANCED_POLICIES
_TRUSTSTORE_PATHS = (
    "/mutualTlsAuthentication/truststoreUri",
    "/mutualTlsAuthentication/truststoreVersion",
)
_DNS_NAME = re.compile(r"(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_BASE_PATH = re.compile(r"[A-Za-z0-9$\-_.+!*'()]+")


def domain_not_found() -> Exception:
    return not_found("Invalid domain name identifier specified")


def domain(domains: Domains, name: str, tx: Reader | None = None) -> DomainRecord:
    record = domains.get(name, tx)
    if record is None:
        raise domain_not_found()
    return record


def _endpoint_type(params: OperationInput) -> str:
    types = list((params.get("endpointConfiguration") or {}).get("types") or ["EDGE"])
    if len(types) != 1 or types[0] not in _TYPES:
        raise bad_request(
            "Invalid endpoint configuration: exactly one of EDGE, REGIONAL or PRIVATE"
        )
    return str(types[0])


def _create_domain_name(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    name = str(params.get("domainName") or "").lower()
    if not name:
        raise bad_request("No Domain Name specified")
    if not _DNS_NAME.fullmatch(name):
        raise bad_request(f"Invalid domain name: {name}")
    kind = _endpoint_type(params)
    policy = params.get("securityPolicy") or "TLS_1_2"
    access_mode = params.get("endpointAccessMode")
    regional = kind != "EDGE"
    _check_certificate(params, regional)
    try:
        mutual_tls = mutual_tls_of(
            params.get("mutualTlsAuthentication"), "truststore", state.truststores
        )
        check_policy(policy, _POLICIES, mutual_tls, access_mode)
    except DomainInputError as error:
        raise bad_request(str(error)) from error
    target, zone = endpoint_target(kind, state.region)
    record = DomainRecord(
        domain_name=name,
        domain_name_arn=domain_arn(state.region, name),
        endpoint_type=kind,
        target_domain_name=target,
        hosted_zone_id=zone,
        security_policy=policy,
        endpoint_access_mode=access_mode,
        ip_address_type=(params.get("endpointConfiguration") or {}).get("ipAddressType") or "ipv4",
        ownership_verification_certificate_arn=params.get("ownershipVerificationCertificateArn"),
        routing_mode=params.get("routingMode") or "API_MAPPING_ONLY",
        mutual_tls=mutual_tls,
        tags=dict(params.get("tags") or {}),
    )
    if regional:
        record.regional_certificate_arn = params.get("regionalCertificateArn")
        record.regional_certificate_name = params.get("regionalCertificateName")
    else:
        record.certificate_arn = params.get("certificateArn")
        record.certificate_name = params.get("certificateName")
        record.certificate_upload_date = state.now()
    domains = Domains(state.store)
    with state.store.transaction() as tx:
        if domains.get(name, tx) is not None:
            # Also when apigatewayv2 made it: one domain-name resource for both APIs.
            raise bad_request("The domain name you provided already exists.")
        domains.put(record, tx)
    state.changed(EVERYTHING)
    return rest_domain(record)


def _check_certificate(params: OperationInput, regional: bool) -> None:
    if regional:
        if not (params.get("regionalCertificateArn") or params.get("regionalCertificateName")):
            raise bad_request("A regional certificate must be provided for a REGIONAL domain name")
    elif not (params.get("certificateArn") or params.get("certificateBody")):
        raise bad_request("A certificate must be provided for an EDGE domain name")


def _get_domain_name(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    return rest_domain(domain(Domains(state.store), params["domainName"]))


def _get_domain_names(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    return page([rest_domain(record) for record in Domains(state.store).all()], params)


def _update_domain_name(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html (UpdateDomainName)
    fields = {
        "/certificateArn": "certificate_arn",
        "/certificateName": "certificate_name",
        "/regionalCertificateArn": "regional_certificate_arn",
        "/regionalCertificateName": "regional_certificate_name",
        "/securityPolicy": "security_policy",
        "/endpointAccessMode": "endpoint_access_mode",
    }
    domains = Domains(state.store)
    with state.store.transaction() as tx:
        record = domain(domains, params["domainName"], tx)
        truststore = _truststore_input(record)
        for patch in patching.patches(params, "updateDomainNameInput"):
            if patch.path in _TRUSTSTORE_PATHS:
                truststore[patch.path.rpartition("/")[2]] = _replaced(patch)
                continue
            if patch.path not in fields:
                raise patching.invalid_path(patch.path)
            setattr(record, fields[patch.path], _replaced(patch))
        try:
            if truststore != _truststore_input(record):
                # A new URI or version: read again, warnings again ("API Gateway produces
                # certificate warnings only when you update your domain name").
                record.mutual_tls = mutual_tls_of(truststore, "truststore", state.truststores)
            check_policy(
                record.security_policy, _POLICIES, record.mutual_tls, record.endpoint_access_mode
            )
        except DomainInputError as error:
            raise bad_request(str(error)) from error
        domains.put(record, tx)
    state.changed(EVERYTHING)
    return rest_domain(record)


def _truststore_input(record: DomainRecord) -> dict[str, str | None]:
    if record.mutual_tls is None:
        return {"truststoreUri": None, "truststoreVersion": None}
    return {
        "truststoreUri": record.mutual_tls.truststore_uri,
        "truststoreVersion": record.mutual_tls.truststore_version,
    }


def _replaced(patch: patching.Patch) -> str:
    if patch.op != "replace":
        raise patching.invalid_op(patch)
    return patching.required(patch)


def _delete_domain_name(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    domains = Domains(state.store)
    with state.store.transaction() as tx:
        domains.delete(domain(domains, params["domainName"], tx).domain_name, tx)
    state.changed(EVERYTHING)
    return {}


def _base_path(text: str | None) -> str:
    """A base path given to this API: "" for `(none)`; one level only (AWS's wording).
    https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html"""
    path = text or ""
    if path in ("", NO_BASE_PATH):
        return ""
    if "/" in path:
        raise bad_request(
            "API Gateway V1 doesn't support the slash character (/) in base path mappings. "
            "To create a multi-level base path mapping, use API Gateway V2."
        )
    if not _BASE_PATH.fullmatch(path):
        raise bad_request(f"Invalid base path: {text}")
    return path


def _check_target(api_id: str, stage: str | None, tx: Reader) -> None:
    api_found, stage_found = rest_target(tx, api_id, stage)
    if not api_found:
        raise bad_request("Invalid REST API identifier specified")
    if not stage_found:
        raise bad_request("Invalid stage identifier specified")


def _mapping(
    domains: Domains, name: str, base_path: str, tx: Reader | None = None
) -> MappingRecord:
    """The mapping a GetBasePathMapping path names (any number of levels, `(none)`)."""
    record = domain(domains, name, tx)
    path = (base_path or "").strip("/")
    found = domains.mapping_at(record.domain_name, "" if path == NO_BASE_PATH else path, tx)
    if found is None:
        raise not_found("Invalid base path mapping identifier specified")
    return found


def _mapping_conflict() -> Exception:
    return conflict("Base path already exists for this domain name")


def _create_base_path_mapping(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    domains = Domains(state.store)
    with state.store.transaction() as tx:
        record = domain(domains, params["domainName"], tx)
        stage = params.get("stage") or None
        if stage == NO_BASE_PATH:
            stage = None
        mapping = MappingRecord(
            id=new_id(),
            domain_name=record.domain_name,
            base_path=_base_path(params.get("basePath")),
            api_id=params["restApiId"],
            api_type="REST",
            stage=stage,
        )
        _check_target(mapping.api_id, mapping.stage, tx)
        if domains.taken(mapping, tx):
            raise _mapping_conflict()
        domains.put_mapping(mapping, tx)
    state.changed(EVERYTHING)
    return base_path_mapping(mapping)


def _get_base_path_mapping(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    domains = Domains(state.store)
    return base_path_mapping(_mapping(domains, params["domainName"], params["basePath"]))


def _get_base_path_mappings(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    domains = Domains(state.store)
    record = domain(domains, params["domainName"])
    listed = domains.mappings_of(record.domain_name)
    return page([base_path_mapping(mapping) for mapping in listed], params)


def _update_base_path_mapping(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    # Paths /basePath, /restapiId, /stage (replace).
    # https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html
    domains = Domains(state.store)
    with state.store.transaction() as tx:
        mapping = _mapping(domains, params["domainName"], params["basePath"], tx)
        for patch in patching.patches(params, "updateBasePathMappingInput"):
            if patch.op != "replace":
                raise patching.invalid_op(patch)
            if patch.path == "/basePath":
                mapping.base_path = _base_path(patch.value)
            elif patch.path in ("/restapiId", "/restApiId"):
                mapping.api_id = patching.required(patch)
                mapping.api_type = "REST"
            elif patch.path == "/stage":
                mapping.stage = None if patch.value in (None, "", NO_BASE_PATH) else patch.value
            else:
                raise patching.invalid_path(patch.path)
        _check_target(mapping.api_id, mapping.stage, tx)
        if domains.taken(mapping, tx):
            raise _mapping_conflict()
        domains.put_mapping(mapping, tx)
    state.changed(EVERYTHING)
    return base_path_mapping(mapping)


def _delete_base_path_mapping(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    domains = Domains(state.store)
    with state.store.transaction() as tx:
        domains.delete_mapping(_mapping(domains, params["domainName"], params["basePath"], tx), tx)
    state.changed(EVERYTHING)
    return {}


OPERATIONS: dict[str, Operation[ApiGatewayState]] = {
    "CreateDomainName": _create_domain_name,
    "GetDomainName": _get_domain_name,
    "GetDomainNames": _get_domain_names,
    "UpdateDomainName": _update_domain_name,
    "DeleteDomainName": _delete_domain_name,
    "CreateBasePathMapping": _create_base_path_mapping,
    "GetBasePathMapping": _get_base_path_mapping,
    "GetBasePathMappings": _get_base_path_mappings,
    "UpdateBasePathMapping": _update_base_path_mapping,
    "DeleteBasePathMapping": _delete_base_path_mapping,
}
