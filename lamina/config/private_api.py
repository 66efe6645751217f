"""Private REST APIs: a RestApi's endpoint type and associated VPC endpoints, and the
template's interface VPC endpoints for execute-api.

Where the template says so:
- CloudFormation: RestApi `EndpointConfiguration: {Types: [PRIVATE], VpcEndpointIds: [...]}`
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-restapi-endpointconfiguration.html
- SAM: Api `EndpointConfiguration: {Type: PRIVATE, VPCEndpointIds: [...]}`, which the
  translator writes as the above plus `Parameters: {endpointConfigurationTypes: PRIVATE}`.
- OpenAPI: `x-amazon-apigateway-endpoint-configuration: {vpcEndpointIds: [...]}` (the type
  is no part of the body: an import takes it as the `endpointConfigurationTypes` parameter).
  https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-endpoint-configuration.html
- `AWS::EC2::VPCEndpoint` with ServiceName `com.amazonaws.{region}.execute-api`.

"Your current private API is inaccessible to all VPCs. Use a resource policy to grant your
VPCs and VPC endpoints access", and an API without one "can't [be] deploy[ed]": CreateDeployment
answers `Private REST API doesn't have a resource policy attached to it` (BadRequestException).
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-api-create.html
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lamina.config.error import ConfigError
from lamina.config.ids import ec2_id
from lamina.config.reference import CfnResource
from lamina.config.stack import Stack
from lamina.core.openapi import ENDPOINT_CONFIGURATION, endpoint_extension
from lamina.gateway.model import RestApi, VpcEndpoint

VPC_ENDPOINT = "AWS::EC2::VPCEndpoint"
VPC = "AWS::EC2::VPC"
BODY_KEY = ENDPOINT_CONFIGURATION
NO_POLICY = "Private REST API doesn't have a resource policy attached to it"
_TYPES = ("EDGE", "REGIONAL", "PRIVATE")


def endpoint_configuration(
    stack: Stack, resource: CfnResource, body: Mapping[str, Any] | None
) -> tuple[bool, tuple[str, ...]]:
    """(private, associated VPC endpoint ids) of one RestApi."""
    config = stack.prop(resource, "EndpointConfiguration")
    types: list[str] = []
    ids: list[str] = []
    if config is not None:
        if not isinstance(config, Mapping):
            raise ConfigError("EndpointConfiguration must be a mapping")
        types = _strings(config.get("Types"), "EndpointConfiguration.Types")
        ids = _strings(config.get("VpcEndpointIds"), "EndpointConfiguration.VpcEndpointIds")
    parameters = stack.prop(resource, "Parameters")
    if not types and isinstance(parameters, Mapping):
        given = parameters.get("endpointConfigurationTypes")
        types = [given] if isinstance(given, str) else []
    extension = endpoint_extension(body) if body is not None else None
    if not ids and extension is not None:
        ids = _strings(extension.get("vpcEndpointIds"), f"{BODY_KEY}.vpcEndpointIds")
    for given in types:
        if given not in _TYPES:
            raise ConfigError(
                f"EndpointConfiguration type {given!r} is not one of {', '.join(_TYPES)}"
            )
    if len(types) > 1:
        raise ConfigError("EndpointConfiguration.Types takes exactly one endpoint type")
    private = types == ["PRIVATE"]
    if ids and not private:
        # The extension's vpcEndpointIds: "It is only supported for the PRIVATE endpoint type."
        raise ConfigError("VpcEndpointIds are only supported for the PRIVATE endpoint type")
    return private, tuple(dict.fromkeys(ids))


def check_private(api: RestApi) -> None:
    """A private API with a stage must have a resource policy (AWS refuses to deploy it)."""
    if api.private and api.policy is None and api.stages:
        raise ConfigError(f"{NO_POLICY} (private REST API {api.logical_id}, id {api.id})")


def build_vpc_endpoints(stack: Stack, rest_apis: Iterable[RestApi]) -> tuple[VpcEndpoint, ...]:
    """The template's execute-api interface endpoints, then those the APIs only name by id;
    when there is a private API and no endpoint at all, one Lamina names (`Default`)."""
    region = str(stack.resolver.parameters["AWS::Region"])
    found: dict[str, VpcEndpoint] = {}
    for resource in stack.of_type(VPC_ENDPOINT):
        with stack.blame(resource.logical_id):
            service = stack.text(resource, "ServiceName", "")
            if service != f"com.amazonaws.{region}.execute-api":
                continue  # an endpoint of another service: no API is reached through it
            endpoint_id = ec2_id("vpce", stack.resources.stack_name, resource.logical_id)
            vpc = stack.text(resource, "VpcId", "") or None
            found[endpoint_id] = VpcEndpoint(id=endpoint_id, vpc_id=vpc)
    apis = list(rest_apis)
    for api in apis:
        for endpoint_id in api.vpc_endpoint_ids:
            found.setdefault(endpoint_id, VpcEndpoint(id=endpoint_id))
    if not found and any(api.private for api in apis):
        name = stack.resources.stack_name
        default = VpcEndpoint(
            id=ec2_id("vpce", name, "Default"), vpc_id=ec2_id("vpc", name, "Default")
        )
        found[default.id] = default
    return tuple(found.values())


def _strings(value: object, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where} must be a list of strings")
    return list(value)
