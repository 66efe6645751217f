"""Custom domain names and API mappings of the apigatewayv2 API: CreateDomainName /
GetDomainName(s) / UpdateDomainName / DeleteDomainName, CreateApiMapping /
GetApiMapping(s) / UpdateApiMapping / DeleteApiMapping.

An API mapping key may have several levels (`orders/v1/items`); a request goes to the
mapping with the longest matching path. https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-mappings.html
https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/domainnames.html
https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/domainnames-domainname-apimappings.html
"""

from __future__ import annotations

import re
from typing import Any

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.core.store import Reader
from lamina.services.apigatewayv2.state import (
    API_ID_LENGTH,
    Data,
    HttpApiState,
    Record,
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


def _configuration(state: HttpApiState, given: dict[str, Any]) -> Data:
    configuration: Data = {
        "ApiGatewayDomainName": (
            f"d-{state.new_id(API_ID_LENGTH)}.execute-api.{state.region}.amazonaws.com"
        ),
        "DomainNameStatus": "AVAILABLE",
        "EndpointType": "REGIONAL",
        "IpAddressType": "ipv4",
        "SecurityPolicy": "TLS_1_2",
    }
    configuration.update(given)
    if "CertificateArn" in given:
        configuration.setdefault("CertificateUploadDate", state.now())
    return configuration


def domain(state: HttpApiState, name: str, tx: Reader | None = None) -> Data:
    found = state.domains.get(name, tx)
    if found is None:
        raise not_found(f"Invalid domain name identifier specified {state.account_id}:{name}")
    return found.data


def _create_domain(state: HttpApiState, params: OperationInput) -> OperationOutput:
    name = str(params["DomainName"]).lower()
    if not _DOMAIN.fullmatch(name):
        raise bad_request(f"Invalid domain name: {params['DomainName']}")
    with state.change() as (tx, _):
        if state.domains.get(name, tx) is not None:
            # The REST API's wording: domain names are one resource for both APIs.
            # https://docs.aws.amazon.com/apigateway/latest/api/API_CreateDomainName.html
            raise conflict("The domain name you provided already exists.")
        record: Data = {
            "ApiMappingSelectionExpression": "$request.basepath",
            "DomainName": name,
            "DomainNameArn": f"arn:aws:apigateway:{state.region}::/domainnames/{name}",
            "DomainNameConfigurations": [
                _configuration(state, given)
                for given in (params.get("DomainNameConfigurations") or [{}])
            ],
            "RoutingMode": params.get("RoutingMode", "API_MAPPING_ONLY"),
            "Tags": dict(params.get("Tags") or {}),
        }
        if params.get("MutualTlsAuthentication"):
            record["MutualTlsAuthentication"] = dict(params["MutualTlsAuthentication"])
        state.domains.put(name, Record(record), tx)
    return record


def _get_domain(state: HttpApiState, params: OperationInput) -> OperationOutput:
    return domain(state, str(params["DomainName"]).lower())


def _get_domains(state: HttpApiState, params: OperationInput) -> OperationOutput:
    return page([record.data for record in state.domains.all()], params)


def _update_domain(state: HttpApiState, params: OperationInput) -> OperationOutput:
    name = str(params["DomainName"]).lower()
    with state.change() as (tx, announce):
        record = domain(state, name, tx)
        if "DomainNameConfigurations" in params:
            previous = (record.get("DomainNameConfigurations") or [{}])[0]
            record["DomainNameConfigurations"] = [
                {**previous, **_configuration(state, given), **given}
                for given in params["DomainNameConfigurations"]
            ]
        if "MutualTlsAuthentication" in params:
            record["MutualTlsAuthentication"] = dict(params["MutualTlsAuthentication"])
        if "RoutingMode" in params:
            record["RoutingMode"] = params["RoutingMode"]
        state.domains.put(name, Record(record), tx)
        announce.update(mapping["ApiId"] for mapping in _mappings(state, name, tx))
    return record


def _delete_domain(state: HttpApiState, params: OperationInput) -> OperationOutput:
    name = str(params["DomainName"]).lower()
    with state.change() as (tx, announce):
        domain(state, name, tx)
        announce.update(mapping["ApiId"] for mapping in _mappings(state, name, tx))
        tx.delete_prefix(state.mappings.kind, f"{name}/")
        state.domains.delete(name, tx)
    return {}


def _mappings(state: HttpApiState, name: str, tx: Reader | None) -> list[Data]:
    return [record.data for record in state.mappings.all(f"{name}/", tx)]


def check_mapping_key(key: str) -> None:
    """ "" (the `(none)` mapping) or levels separated by single slashes."""
    if key == "":
        return
    if not all(_KEY_LEVEL.fullmatch(level) for level in key.split("/")):
        raise bad_request(
            f"Invalid API mapping key '{key}': use levels of letters, digits and $-_.+!*'() "
            "separated by '/', without a leading or trailing '/'"
        )


def _check_mapping(state: HttpApiState, name: str, record: Data, tx: Reader) -> None:
    check_mapping_key(record["ApiMappingKey"])
    state.stage(record["ApiId"], record["Stage"], tx)
    for other in _mappings(state, name, tx):
        if other["ApiMappingId"] != record["ApiMappingId"] and (
            other["ApiMappingKey"] == record["ApiMappingKey"]
        ):
            raise conflict(
                f"API mapping key '{record['ApiMappingKey']}' already exists for domain name {name}"
            )


def mapping(state: HttpApiState, name: str, mapping_id: str, tx: Reader | None = None) -> Data:
    domain(state, name, tx)
    found = state.mappings.get(f"{name}/{mapping_id}", tx)
    if found is None:
        raise not_found(f"Invalid ApiMapping identifier specified {mapping_id}")
    return found.data


def _create_mapping(state: HttpApiState, params: OperationInput) -> OperationOutput:
    name = str(params["DomainName"]).lower()
    with state.change(params["ApiId"]) as (tx, _):
        domain(state, name, tx)
        record: Data = {
            "ApiId": params["ApiId"],
            "ApiMappingId": state.new_id(API_ID_LENGTH),
            "ApiMappingKey": params.get("ApiMappingKey", ""),
            "Stage": params["Stage"],
        }
        _check_mapping(state, name, record, tx)
        state.mappings.put(f"{name}/{record['ApiMappingId']}", Record(record), tx)
    return record


def _get_mapping(state: HttpApiState, params: OperationInput) -> OperationOutput:
    return mapping(state, str(params["DomainName"]).lower(), params["ApiMappingId"])


def _get_mappings(state: HttpApiState, params: OperationInput) -> OperationOutput:
    name = str(params["DomainName"]).lower()
    domain(state, name)
    return page(_mappings(state, name, None), params)


def _update_mapping(state: HttpApiState, params: OperationInput) -> OperationOutput:
    name, mapping_id = str(params["DomainName"]).lower(), params["ApiMappingId"]
    with state.change(params["ApiId"]) as (tx, announce):
        record = mapping(state, name, mapping_id, tx)
        announce.add(record["ApiId"])
        for member in ("ApiId", "ApiMappingKey", "Stage"):
            if member in params:
                record[member] = params[member]
        _check_mapping(state, name, record, tx)
        state.mappings.put(f"{name}/{mapping_id}", Record(record), tx)
    return record


def _delete_mapping(state: HttpApiState, params: OperationInput) -> OperationOutput:
    name, mapping_id = str(params["DomainName"]).lower(), params["ApiMappingId"]
    with state.change() as (tx, announce):
        record = mapping(state, name, mapping_id, tx)
        announce.add(record["ApiId"])
        state.mappings.delete(f"{name}/{mapping_id}", tx)
    return {}


def domain_mappings(state: HttpApiState) -> list[tuple[Data, list[Data]]]:
    """Every domain name with its API mappings, for the data plane."""
    with state.store.transaction() as tx:
        return [
            (record.data, _mappings(state, key, tx)) for key, record in state.domains.items("", tx)
        ]


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
