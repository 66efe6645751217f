"""Custom domain names and API mappings of the apigatewayv2 API: CreateDomainName /
GetDomainName(s) / UpdateDomainName / DeleteDomainName, CreateApiMapping /
GetApiMapping(s) / UpdateApiMapping / DeleteApiMapping, over the domain records the REST
API's management API shares (services/apigateway/domain_store.py): a domain made there
is seen here, and an API mapping may point at an HTTP API's stage or a REST API's.

An API mapping key may have several levels (`orders/v1/items`) on a REGIONAL domain with
the TLS 1.2 policy; a request goes to the mapping with the longest matching path.
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-mappings.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html
https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/domainnames.html
https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/domainnames-domainname-apimappings.html
"""

from __future__ import annotations

import re
from typing import Any

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.core.store import Reader
from lamina.services.apigateway.domain_store import (
    LEGACY_POLICIES,
    ApiType,
    DomainInputError,
    DomainRecord,
    Domains,
    MappingRecord,
    api_mapping,
    check_policy,
    domain_arn,
    endpoint_target,
    http_domain,
    mutual_tls_of,
    rest_target,
)
from lamina.services.apigatewayv2.state import (
    API_ID_LENGTH,
    HttpApiState,
    bad_request,
    conflict,
    not_found,
    page,
)

# A host name, lowercase, optionally a wildcard's `*.` in front.
_DOMAIN = re.compile(r"(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
# Each level: "letters, numbers, and the following characters: $-_.+!*'()".
# https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html
_KEY_LEVEL = re.compile(r"[A-Za-z0-9$\-_.+!*'()]+")
_ENDPOINT_TYPES = ("REGIONAL", "EDGE")


def domain(state: HttpApiState, name: str, tx: Reader | None = None) -> DomainRecord:
    found = Domains(state.store).get(name, tx)
    if found is None:
        raise not_found(f"Invalid domain name identifier specified {state.account_id}:{name}")
    return found


def _configure(record: DomainRecord, given: dict[str, Any], now: float) -> None:
    """Lay a DomainNameConfiguration input over the record."""
    if "SecurityPolicy" in given:
        record.security_policy = given["SecurityPolicy"]
    if "CertificateArn" in given or "CertificateName" in given:
        if record.regional:
            record.regional_certificate_arn = given.get("CertificateArn")
            record.regional_certificate_name = given.get("CertificateName")
        else:
            record.certificate_arn = given.get("CertificateArn")
            record.certificate_name = given.get("CertificateName")
        record.certificate_upload_date = now
    if "IpAddressType" in given:
        record.ip_address_type = given["IpAddressType"]
    if "OwnershipVerificationCertificateArn" in given:
        record.ownership_verification_certificate_arn = given["OwnershipVerificationCertificateArn"]


def _check(
    state: HttpApiState, record: DomainRecord, given: Any, *, updating: bool = False
) -> None:
    """Read the truststore a MutualTlsAuthentication input names (an update without one
    keeps the domain's), then check the policy as config/domain.py checks a template's:
    TLS_1_0 or TLS_1_2, mutual TLS with TLS_1_2 only."""
    try:
        if given is not None or not updating:
            record.mutual_tls = mutual_tls_of(given, "Truststore", state.truststores)
        check_policy(record.security_policy, LEGACY_POLICIES, record.mutual_tls, None)
    except DomainInputError as error:
        raise bad_request(str(error)) from error


def _create_domain(state: HttpApiState, params: OperationInput) -> OperationOutput:
    name = str(params["DomainName"]).lower()
    if not _DOMAIN.fullmatch(name):
        raise bad_request(f"Invalid domain name: {params['DomainName']}")
    configurations = list(params.get("DomainNameConfigurations") or [{}])
    if len(configurations) != 1:
        raise bad_request("Only one DomainNameConfiguration is supported")
    given = dict(configurations[0])
    endpoint_type = given.get("EndpointType") or "REGIONAL"
    if endpoint_type not in _ENDPOINT_TYPES:
        raise bad_request(f"Invalid endpoint type: {endpoint_type}")
    target, zone = endpoint_target(endpoint_type, state.region)
    record = DomainRecord(
        domain_name=name,
        domain_name_arn=domain_arn(state.region, name),
        endpoint_type=endpoint_type,
        target_domain_name=target,
        hosted_zone_id=zone,
        routing_mode=params.get("RoutingMode") or "API_MAPPING_ONLY",
        tags=dict(params.get("Tags") or {}),
    )
    _configure(record, given, state.now())
    _check(state, record, params.get("MutualTlsAuthentication"))
    domains = Domains(state.store)
    with state.change() as (tx, _):
        if domains.get(name, tx) is not None:
            # Also when apigateway made it: one domain-name resource for both APIs.
            # https://docs.aws.amazon.com/apigateway/latest/api/API_CreateDomainName.html
            raise conflict("The domain name you provided already exists.")
        domains.put(record, tx)
    return http_domain(record)


def _get_domain(state: HttpApiState, params: OperationInput) -> OperationOutput:
    return http_domain(domain(state, str(params["DomainName"]).lower()))


def _get_domains(state: HttpApiState, params: OperationInput) -> OperationOutput:
    return page([http_domain(record) for record in Domains(state.store).all()], params)


def _update_domain(state: HttpApiState, params: OperationInput) -> OperationOutput:
    name = str(params["DomainName"]).lower()
    domains = Domains(state.store)
    with state.change() as (tx, announce):
        record = domain(state, name, tx)
        for given in params.get("DomainNameConfigurations") or []:
            _configure(record, dict(given), state.now())
        _check(state, record, params.get("MutualTlsAuthentication"), updating=True)
        if "RoutingMode" in params:
            record.routing_mode = params["RoutingMode"]
        domains.put(record, tx)
        announce.update(mapping.api_id for mapping in domains.mappings_of(name, tx))
    return http_domain(record)


def _delete_domain(state: HttpApiState, params: OperationInput) -> OperationOutput:
    name = str(params["DomainName"]).lower()
    domains = Domains(state.store)
    with state.change() as (tx, announce):
        domain(state, name, tx)
        announce.update(mapping.api_id for mapping in domains.delete(name, tx))
    return {}


def check_mapping_key(key: str, record: DomainRecord | None = None) -> None:
    """ "" (the `(none)` mapping) or levels separated by single slashes; several levels
    only on a REGIONAL domain with the TLS 1.2 policy.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html"""
    if key == "":
        return
    levels = key.split("/")
    if not all(_KEY_LEVEL.fullmatch(level) for level in levels):
        raise bad_request(
            f"Invalid API mapping key '{key}': use levels of letters, digits and $-_.+!*'() "
            "separated by '/', without a leading or trailing '/'"
        )
    multi_level_allowed = record is None or (
        record.regional and record.security_policy == "TLS_1_2"
    )
    if len(levels) > 1 and not multi_level_allowed:
        raise bad_request(
            f"API mapping key '{key}' has several levels: the domain name must be "
            "REGIONAL and use the TLS_1_2 security policy"
        )


def _api_type(state: HttpApiState, api_id: str, stage: str | None, tx: Reader) -> ApiType:
    """Whether `api_id` is an HTTP API or a REST API, checking the stage exists."""
    if state.apis.get(api_id, tx) is not None:
        if stage is None:
            raise bad_request("Stage is required")
        state.stage(api_id, stage, tx)
        return "HTTP"
    api_found, stage_found = rest_target(tx, api_id, stage)
    if not api_found:
        raise not_found(f"Invalid API identifier specified {state.account_id}:{api_id}")
    if not stage_found:
        raise not_found(f"Invalid stage identifier specified {stage}")
    return "REST"


def _check_mapping(
    state: HttpApiState, record: DomainRecord, mapping: MappingRecord, tx: Reader
) -> None:
    check_mapping_key(mapping.base_path, record)
    mapping.api_type = _api_type(state, mapping.api_id, mapping.stage, tx)
    if Domains(state.store).taken(mapping, tx):
        # Base paths of REST base path mappings are taken here too.
        raise conflict(
            f"API mapping key '{mapping.base_path}' already exists for domain name "
            f"{record.domain_name}"
        )


def mapping(
    state: HttpApiState, name: str, mapping_id: str, tx: Reader | None = None
) -> MappingRecord:
    domain(state, name, tx)
    found = Domains(state.store).mapping(name, mapping_id, tx)
    if found is None:
        raise not_found(f"Invalid ApiMapping identifier specified {mapping_id}")
    return found


def _create_mapping(state: HttpApiState, params: OperationInput) -> OperationOutput:
    name = str(params["DomainName"]).lower()
    with state.change(params["ApiId"]) as (tx, _):
        record = domain(state, name, tx)
        created = MappingRecord(
            id=state.new_id(API_ID_LENGTH),
            domain_name=name,
            base_path=params.get("ApiMappingKey") or "",
            api_id=params["ApiId"],
            api_type="HTTP",
            stage=params["Stage"],
        )
        _check_mapping(state, record, created, tx)
        Domains(state.store).put_mapping(created, tx)
    return api_mapping(created)


def _get_mapping(state: HttpApiState, params: OperationInput) -> OperationOutput:
    return api_mapping(mapping(state, str(params["DomainName"]).lower(), params["ApiMappingId"]))


def _get_mappings(state: HttpApiState, params: OperationInput) -> OperationOutput:
    record = domain(state, str(params["DomainName"]).lower())
    listed = Domains(state.store).mappings_of(record.domain_name)
    return page([api_mapping(found) for found in listed], params)


def _update_mapping(state: HttpApiState, params: OperationInput) -> OperationOutput:
    name, mapping_id = str(params["DomainName"]).lower(), params["ApiMappingId"]
    with state.change(params["ApiId"]) as (tx, announce):
        record = domain(state, name, tx)
        found = mapping(state, name, mapping_id, tx)
        announce.add(found.api_id)
        found.api_id = params["ApiId"]
        if "ApiMappingKey" in params:
            found.base_path = params["ApiMappingKey"] or ""
        if "Stage" in params:
            found.stage = params["Stage"]
        _check_mapping(state, record, found, tx)
        Domains(state.store).put_mapping(found, tx)
    return api_mapping(found)


def _delete_mapping(state: HttpApiState, params: OperationInput) -> OperationOutput:
    name, mapping_id = str(params["DomainName"]).lower(), params["ApiMappingId"]
    with state.change() as (tx, announce):
        found = mapping(state, name, mapping_id, tx)
        announce.add(found.api_id)
        Domains(state.store).delete_mapping(found, tx)
    return {}


OPERATIONS: dict[str, Operation[HttpApiState]] = {
    "CreateDomainName": _create_domain,
    "GetDomainName": _get_domain,
    "GetDomainNames": _get_domains,
    "UpdateDomainName": _update_domain,
    "DeleteDomainName": _delete_domain,
    "CreateApiMapping": _create_mapping,
    "GetApiMapping": _get_mapping,
    "GetApiMappings": _get_mappings,
    "UpdateApiMapping": _update_mapping,
    "DeleteApiMapping": _delete_mapping,
}
