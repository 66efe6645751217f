"""The records a REST API's definition is kept as: msgspec Structs whose wire names are
API Gateway's own member names (botocore's output shapes: `pathPart`, `resourceMethods`,
`methodIntegration` ...), so a record converted with `msgspec.to_builtins` is the
operation's output (timestamps aside: records keep epoch seconds).

A resource record carries its methods, and each method its responses and integration, as
GetResources(embed=methods) returns them: one record per resource, changed in one put.
"""

from __future__ import annotations

from typing import Any

import msgspec


class Record(msgspec.Struct, rename="camel", omit_defaults=True, kw_only=True):
    """Members in camelCase on the wire; unset (None) members left out."""


class MethodResponse(Record):
    status_code: str
    response_parameters: dict[str, bool] | None = None
    response_models: dict[str, str] | None = None


class IntegrationResponse(Record):
    status_code: str
    selection_pattern: str | None = None
    response_parameters: dict[str, str] | None = None
    response_templates: dict[str, str | None] | None = None
    """A content type may map to null (pass the body through), as PutIntegrationResponse
    stores `{"application/json": null}`."""
    content_handling: str | None = None


class TlsConfig(Record):
    insecure_skip_verification: bool | None = None


class Integration(Record):
    type: str
    http_method: str | None = None
    uri: str | None = None
    connection_type: str | None = None
    connection_id: str | None = None
    credentials: str | None = None
    request_parameters: dict[str, str] | None = None
    request_templates: dict[str, str] | None = None
    passthrough_behavior: str | None = None
    content_handling: str | None = None
    timeout_in_millis: int | None = None
    cache_namespace: str | None = None
    cache_key_parameters: list[str] | None = None
    integration_responses: dict[str, IntegrationResponse] | None = None
    tls_config: TlsConfig | None = None


class Method(Record):
    http_method: str
    authorization_type: str
    authorizer_id: str | None = None
    api_key_required: bool | None = None
    request_validator_id: str | None = None
    operation_name: str | None = None
    request_parameters: dict[str, bool] | None = None
    request_models: dict[str, str] | None = None
    method_responses: dict[str, MethodResponse] | None = None
    method_integration: Integration | None = None
    authorization_scopes: list[str] | None = None


class Resource(Record):
    id: str
    path: str
    parent_id: str | None = None
    path_part: str | None = None
    resource_methods: dict[str, Method] | None = None


class EndpointConfiguration(Record):
    types: list[str] | None = None
    ip_address_type: str | None = None
    vpc_endpoint_ids: list[str] | None = None


class RestApi(Record):
    id: str
    name: str
    created_date: float
    root_resource_id: str
    description: str | None = None
    version: str | None = None
    binary_media_types: list[str] | None = None
    minimum_compression_size: int | None = None
    api_key_source: str | None = None
    endpoint_configuration: EndpointConfiguration | None = None
    policy: str | None = None
    tags: dict[str, str] | None = None
    disable_execute_api_endpoint: bool | None = None
    warnings: list[str] | None = None


class Model(Record):
    id: str
    name: str
    content_type: str
    description: str | None = None
    schema: str | None = None


class RequestValidator(Record):
    id: str
    name: str | None = None
    validate_request_body: bool | None = None
    validate_request_parameters: bool | None = None


class Authorizer(Record):
    id: str
    name: str
    type: str
    provider_arns: list[str] | None = msgspec.field(default=None, name="providerARNs")
    auth_type: str | None = None
    authorizer_uri: str | None = None
    authorizer_credentials: str | None = None
    identity_source: str | None = None
    identity_validation_expression: str | None = None
    authorizer_result_ttl_in_seconds: int | None = None
    jwt_configuration: dict[str, Any] | None = None
    """JWT authorizers: {issuers: [{issuer, audiences, additionalClaims}], defaultAlgorithms}."""


class GatewayResponse(Record):
    response_type: str
    status_code: str | None = None
    response_parameters: dict[str, str] | None = None
    response_templates: dict[str, str] | None = None
    default_response: bool | None = None


def wire(record: Record) -> dict[str, Any]:
    """The record under API Gateway's member names, unset members left out."""
    document: dict[str, Any] = msgspec.to_builtins(record)
    return document


def from_wire(document: dict[str, Any], type_: type[Record]) -> Any:
    """The inverse of `wire` (a patched or imported document back into a record)."""
    return msgspec.convert(document, type_)
