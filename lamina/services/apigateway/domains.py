"""Custom domain names (Create/Get/GetMany/Update/DeleteDomainName) and their base path
mappings (Create/Get/GetMany/Update/DeleteBasePathMapping).

Certificates are kept as given (ARNs are not looked up); serving TLS for a domain is the
edge's business. A mapping's base path may have several levels ("myservice/cat/v1") on a
REGIONAL domain, as API Gateway allows there; the data plane picks the longest match.
https://docs.aws.amazon.com/apigateway/latest/api/API_CreateDomainName.html
https://docs.aws.amazon.com/apigateway/latest/api/API_CreateBasePathMapping.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.core.store import Reader, Store
from lamina.services.apigateway import patching
from lamina.services.apigateway.deploy_records import (
    EVERYTHING,
    BasePathMapping,
    DomainName,
    EndpointConfiguration,
    Records,
    render,
)
from lamina.services.apigateway.error import bad_request, conflict, not_found
from lamina.services.apigateway.ids import API_ID_LENGTH, new_id
from lamina.services.apigateway.listing import page
from lamina.services.apigateway.state import ApiGatewayState

NO_BASE_PATH = "(none)"
_TYPES = ("EDGE", "REGIONAL", "PRIVATE")
_POLICIES = ("TLS_1_0", "TLS_1_2")
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
_DNS_NAME = re.compile(r"(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_BASE_PATH_SEGMENT = re.compile(r"[A-Za-z0-9$\-_.+!*'()]+")


class DomainRoutes(NamedTuple):
    """A domain and its mappings, as the data plane routes Host + path prefix."""

    domain: dict[str, Any]
    mappings: list[dict[str, Any]]


def domain_not_found() -> Exception:
    return not_found("Invalid domain name identifier specified")


def domain(records: Records, name: str, tx: Reader | None = None) -> DomainName:
    record = records.domains.get(name, tx)
    if record is None:
        raise domain_not_found()
    return record


def domain_routes(store: Store) -> list[DomainRoutes]:
    """Every domain with its base path mappings, in one consistent read (for the wiring)."""
    records = Records(store)
    with store.transaction() as tx:
        return [
            DomainRoutes(
                render(record),
                [_mapping_output(m) for m in records.mappings.all(f"{record.domain_name}/", tx)],
            )
            for record in records.domains.all("", tx)
        ]


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
    if policy not in _POLICIES:
        raise bad_request(f"Invalid security policy: {policy}")
    regional = kind != "EDGE"
    _check_certificate(params, regional)
    records, now = Records(state.store), state.now()
    record = DomainName(
        domain_name=name,
        endpoint_configuration=EndpointConfiguration(types=[kind]),
        domain_name_arn=f"arn:aws:apigateway:{state.region}::/domainnames/{name}",
        security_policy=policy,
        tags=dict(params["tags"]) if params.get("tags") else None,
    )
    if regional:
        record.regional_certificate_arn = params.get("regionalCertificateArn")
        record.regional_certificate_name = params.get("regionalCertificateName")
        record.regional_domain_name = (
            f"d-{new_id(API_ID_LENGTH)}.execute-api.{state.region}.amazonaws.com"
        )
        record.regional_hosted_zone_id = _REGIONAL_ZONES.get(state.region)
    else:
        record.certificate_arn = params.get("certificateArn")
        record.certificate_name = params.get("certificateName")
        record.certificate_upload_date = now
        record.distribution_domain_name = f"d{new_id(13)}.cloudfront.net"
        record.distribution_hosted_zone_id = _CLOUDFRONT_ZONE
    with state.store.transaction() as tx:
        if records.domains.get(name, tx) is not None:
            raise bad_request("The domain name you provided already exists.")
        records.domains.put(name, record, tx)
    state.changed(EVERYTHING)
    return render(record)


def _check_certificate(params: OperationInput, regional: bool) -> None:
    if regional:
        if not (params.get("regionalCertificateArn") or params.get("regionalCertificateName")):
            raise bad_request("A regional certificate must be provided for a REGIONAL domain name")
    elif not (params.get("certificateArn") or params.get("certificateBody")):
        raise bad_request("A certificate must be provided for an EDGE domain name")


def _get_domain_name(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    return render(domain(Records(state.store), params["domainName"]))


def _get_domain_names(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    return page([render(record) for record in Records(state.store).domains.all()], params)


def _update_domain_name(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html (UpdateDomainName)
    fields = {
        "/certificateArn": "certificate_arn",
        "/certificateName": "certificate_name",
        "/regionalCertificateArn": "regional_certificate_arn",
        "/regionalCertificateName": "regional_certificate_name",
        "/securityPolicy": "security_policy",
    }
    records = Records(state.store)
    with state.store.transaction() as tx:
        record = domain(records, params["domainName"], tx)
        for patch in patching.patches(params):
            if patch.path not in fields:
                raise patching.invalid_path(patch.path)
            if patch.op != "replace":
                raise patching.invalid_op(patch)
            value = patching.required(patch)
            if patch.path == "/securityPolicy" and value not in _POLICIES:
                raise bad_request(f"Invalid security policy: {value}")
            setattr(record, fields[patch.path], value)
        records.domains.put(record.domain_name, record, tx)
    state.changed(EVERYTHING)
    return render(record)


def _delete_domain_name(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    records = Records(state.store)
    with state.store.transaction() as tx:
        record = domain(records, params["domainName"], tx)
        records.domains.delete(record.domain_name, tx)
        tx.delete_prefix(records.mappings.kind, f"{record.domain_name}/")
    state.changed(EVERYTHING)
    return {}


def _mapping_output(record: BasePathMapping) -> dict[str, Any]:
    return render(record, "domainName")


def _base_path(text: str | None, record: DomainName) -> str:
    """The mapping's base path: "(none)" for none; several levels only on REGIONAL domains."""
    path = (text or "").strip("/")
    if not path or path == NO_BASE_PATH:
        return NO_BASE_PATH
    levels = path.split("/")
    if len(levels) > 1 and "REGIONAL" not in record.endpoint_configuration.types:
        raise bad_request(
            "API Gateway V1 doesn't support the slash character (/) in base path mappings. "
            "To create a multi-level base path mapping, use API Gateway V2."
        )
    if not all(_BASE_PATH_SEGMENT.fullmatch(level) for level in levels):
        raise bad_request(f"Invalid base path: {text}")
    return path


def _check_target(
    state: ApiGatewayState, records: Records, api_id: str, stage: str | None, tx: Reader
) -> None:
    if not api_id or state.rest_apis.get(api_id, tx) is None:
        raise bad_request("Invalid REST API identifier specified")
    if stage and records.stages.get(f"{api_id}/{stage}", tx) is None:
        raise bad_request("Invalid stage identifier specified")


def _mapping(
    records: Records, domain_name: str, base_path: str, tx: Reader | None = None
) -> BasePathMapping:
    domain(records, domain_name, tx)
    path = (base_path or NO_BASE_PATH).strip("/") or NO_BASE_PATH
    record = records.mappings.get(f"{domain_name}/{path}", tx)
    if record is None:
        raise not_found("Invalid base path mapping identifier specified")
    return record


def _create_base_path_mapping(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    records, name = Records(state.store), params["domainName"]
    with state.store.transaction() as tx:
        record = domain(records, name, tx)
        base_path = _base_path(params.get("basePath"), record)
        _check_target(state, records, params["restApiId"], params.get("stage"), tx)
        if records.mappings.get(f"{name}/{base_path}", tx) is not None:
            raise _mapping_conflict()
        mapping = BasePathMapping(
            domain_name=name,
            base_path=base_path,
            rest_api_id=params["restApiId"],
            stage=params.get("stage") or None,
        )
        records.mappings.put(f"{name}/{base_path}", mapping, tx)
    state.changed(EVERYTHING)
    return _mapping_output(mapping)


def _mapping_conflict() -> Exception:
    return conflict("Base path already exists for this domain name")


def _get_base_path_mapping(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    records = Records(state.store)
    return _mapping_output(_mapping(records, params["domainName"], params["basePath"]))


def _get_base_path_mappings(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    records, name = Records(state.store), params["domainName"]
    domain(records, name)
    return page([_mapping_output(m) for m in records.mappings.all(f"{name}/")], params)


def _update_base_path_mapping(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    # Paths /basePath, /restapiId, /stage (replace).
    # https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html
    records, name = Records(state.store), params["domainName"]
    with state.store.transaction() as tx:
        mapping = _mapping(records, name, params["basePath"], tx)
        old_key = f"{name}/{mapping.base_path}"
        for patch in patching.patches(params):
            if patch.op != "replace":
                raise patching.invalid_op(patch)
            if patch.path == "/basePath":
                mapping.base_path = _base_path(patch.value, domain(records, name, tx))
            elif patch.path in ("/restapiId", "/restApiId"):
                mapping.rest_api_id = patching.required(patch)
            elif patch.path == "/stage":
                mapping.stage = patch.value or None
            else:
                raise patching.invalid_path(patch.path)
        _check_target(state, records, mapping.rest_api_id, mapping.stage, tx)
        new_key = f"{name}/{mapping.base_path}"
        if new_key != old_key:
            if records.mappings.get(new_key, tx) is not None:
                raise _mapping_conflict()
            records.mappings.delete(old_key, tx)
        records.mappings.put(new_key, mapping, tx)
    state.changed(EVERYTHING)
    return _mapping_output(mapping)


def _delete_base_path_mapping(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    records, name = Records(state.store), params["domainName"]
    with state.store.transaction() as tx:
        mapping = _mapping(records, name, params["basePath"], tx)
        records.mappings.delete(f"{name}/{mapping.base_path}", tx)
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
