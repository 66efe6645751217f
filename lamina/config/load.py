"""`load_application`: a SAM or CloudFormation template into Lamina's Application.

read (document) -> parameters -> SAM translation (only with the Serverless transform)
-> resource conditions -> layers -> functions -> REST APIs -> HTTP APIs.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lamina.aws.credentials import local_secret_seed
from lamina.config.code import LocalArtifacts
from lamina.config.document import TemplateDocument, find_template, load_document
from lamina.config.domain import DOMAIN_TYPES, build_domains
from lamina.config.error import ConfigError
from lamina.config.event_source import build_event_source_mappings
from lamina.config.function import build_functions, build_releases, function_index
from lamina.config.http_api import build_http_apis
from lamina.config.iam import IAM_TYPES, build_identities, build_roles
from lamina.config.integration_role import unusable_integration_roles
from lamina.config.intrinsic import Resolver
from lamina.config.invoke_permission import unpermitted_authorizers
from lamina.config.layer import build_layers
from lamina.config.method_settings import unmatched_method_settings
from lamina.config.model import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, Application
from lamina.config.parameter import Environment, parameter_values
from lamina.config.permission import build_permissions
from lamina.config.private_api import VPC, VPC_ENDPOINT, build_vpc_endpoints
from lamina.config.reference import CfnResource, Resources
from lamina.config.rest_api import build_rest_apis
from lamina.config.sam import translate_sam, uses_serverless_transform
from lamina.config.service_resources import SERVICE_TYPES, build_service_resources
from lamina.config.stack import Stack
from lamina.config.table import build_tables
from lamina.config.usage_plan import build_access_limits
from lamina.config.waf import WAF_TYPES, attach_web_acls

__all__ = ["DEFAULT_ACCOUNT_ID", "DEFAULT_REGION", "load_application"]

# Types Lamina reads, and types it accepts without effect because nothing enforces them
# locally (invoke permissions, execution roles) or they only name a snapshot.
_BUILT_TYPES = frozenset(
    {
        "AWS::Logs::LogGroup",  # its name and ARN, for access logs
        *SERVICE_TYPES,
        "AWS::Lambda::Function",
        "AWS::Lambda::LayerVersion",
        "AWS::DynamoDB::Table",
        "AWS::Lambda::EventSourceMapping",
        "AWS::ApiGateway::RestApi",
        "AWS::ApiGateway::Resource",
        "AWS::ApiGateway::Method",
        "AWS::ApiGateway::Stage",
        "AWS::ApiGateway::Deployment",
        "AWS::ApiGateway::ApiKey",
        "AWS::ApiGateway::UsagePlan",
        "AWS::ApiGateway::UsagePlanKey",
        "AWS::ApiGateway::GatewayResponse",
        "AWS::ApiGateway::Authorizer",
        "AWS::ApiGatewayV2::Api",
        "AWS::ApiGatewayV2::Route",
        "AWS::ApiGatewayV2::Integration",
        "AWS::ApiGatewayV2::Stage",
        "AWS::ApiGatewayV2::Deployment",
        *WAF_TYPES,
        *DOMAIN_TYPES,
        "AWS::ApiGatewayV2::Authorizer",
        VPC_ENDPOINT,  # execute-api endpoints, for private REST APIs
        VPC,  # its id, for the endpoints' aws:SourceVpc
    }
)
_ACCEPTED_TYPES = frozenset(
    {
        "AWS::Lambda::Permission",
        "AWS::Lambda::LayerVersionPermission",
        "AWS::Lambda::Version",
        "AWS::Lambda::Alias",
        "AWS::IAM::Role",
        *IAM_TYPES,  # read by lamina.config.iam
    }
)

_STACK_NAME_INVALID = re.compile(r"[^A-Za-z0-9-]+")


def load_application(
    path: str | os.PathLike[str],
    *,
    parameter_overrides: Mapping[str, str] | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    stack_name: str | None = None,
) -> Application:
    """Read the template at `path` (a file, or a folder holding template.yaml / .yml / .json).

    `stack_name` defaults to the template's folder name reduced to [A-Za-z0-9-].
    Raises ConfigError naming the file, line and resource of the first problem.
    """
    template = find_template(path)
    document = load_document(template)
    environment = Environment(
        region=region,
        account_id=account_id,
        stack_name=stack_name or default_stack_name(template),
    )
    parameters, warnings = parameter_values(
        document.body.get("Parameters"), parameter_overrides or {}, document.path
    )
    parameters.update(environment.pseudo_parameters())
    artifacts = LocalArtifacts(document.folder)
    body = document.body
    if uses_serverless_transform(body):
        body = translate_sam(document, parameters, artifacts)
    stack = _stack(document, body, parameters, artifacts, environment.stack_name)
    warnings += _check_resource_types(stack)
    layers = build_layers(stack)
    functions = build_functions(stack, layers)
    index = function_index(functions)
    rest_apis = build_rest_apis(stack, index)
    http_apis = build_http_apis(stack, index)
    rest_apis = attach_web_acls(stack, rest_apis, {api.id for api in http_apis})
    permissions = build_permissions(stack)
    warnings += unpermitted_authorizers([*rest_apis, *http_apis], permissions)
    tables = build_tables(stack)
    event_source_mappings = build_event_source_mappings(stack)
    service_resources = build_service_resources(stack, region, account_id)
    domains = build_domains(stack)
    vpc_endpoints = build_vpc_endpoints(stack, rest_apis)
    limits = build_access_limits(stack)
    warnings += unmatched_method_settings(limits, rest_apis)
    identities = build_identities(stack)
    roles = tuple(build_roles(stack))
    warnings += unusable_integration_roles(  # config/integration_role.py
        [*rest_apis, *http_apis], roles, region=region, account_id=account_id
    )
    return Application(
        template_path=str(template.resolve()),
        stack_name=environment.stack_name,
        region=region,
        account_id=account_id,
        functions=tuple(functions),
        rest_apis=tuple(rest_apis),
        http_apis=tuple(http_apis),
        permissions=tuple(permissions),
        tables=tuple(tables),
        event_source_mappings=tuple(event_source_mappings),
        service_resources=tuple(service_resources),
        domains=tuple(domains),
        vpc_endpoints=vpc_endpoints,
        limits=limits,
        layers=tuple(layers),
        identities=tuple(identities),
        roles=roles,
        releases=tuple(build_releases(stack)),
        warnings=tuple(warnings + stack.warnings + stack.resources.warnings),
    )


def default_stack_name(template: Path) -> str:
    """The template folder's name, reduced to the characters a stack name may hold."""
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html
    name = _STACK_NAME_INVALID.sub("-", template.resolve().parent.name).strip("-")
    if not name[:1].isalpha():
        name = f"lamina-{name}".rstrip("-")
    return name


def _stack(
    document: TemplateDocument,
    body: Mapping[str, Any],
    parameters: Mapping[str, object],
    artifacts: LocalArtifacts,
    stack_name: str,
) -> Stack:
    raw = body.get("Resources")
    if not isinstance(raw, dict) or not raw:
        raise ConfigError("the template has no Resources", file=document.path)
    resources = Resources({}, stack_name, local_secret_seed(Path(document.folder) / ".lamina"))
    resolver = Resolver(
        parameters=parameters,
        resources=resources,
        conditions=_section(body, "Conditions", document),
        mappings=_section(body, "Mappings", document),
    )
    stack = Stack(document=document, resources=resources, resolver=resolver, artifacts=artifacts)
    for logical_id, definition in raw.items():
        with stack.blame(logical_id):
            resource = _resource(logical_id, definition, stack)
            if resource is not None:
                resources.by_id[logical_id] = resource
    return stack


def _section(body: Mapping[str, Any], name: str, document: TemplateDocument) -> dict[str, Any]:
    section = body.get(name) or {}
    if not isinstance(section, dict):
        raise ConfigError(f"{name} must be a mapping", file=document.path)
    return section


def _resource(logical_id: str, definition: object, stack: Stack) -> CfnResource | None:
    """The resource, or None when its Condition is false (CloudFormation skips it)."""
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html
    if not isinstance(definition, dict) or not isinstance(definition.get("Type"), str):
        raise ConfigError("a resource needs a Type")
    condition = definition.get("Condition")
    if condition is not None and not stack.resolver.condition(str(condition)):
        return None
    properties = definition.get("Properties") or {}
    if not isinstance(properties, dict):
        raise ConfigError("Properties must be a mapping")
    return CfnResource(
        logical_id=logical_id,
        type=definition["Type"],
        properties=properties,
        line=stack.line_of(logical_id),
    )


# Every SAM resource type; aws-sam-translator turns each into CloudFormation, so one left
# after translation is a typo (CloudFormation would refuse the template).
# https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-resources-and-properties.html
_SAM_TYPES = tuple(
    f"AWS::Serverless::{name}"
    for name in (
        "Api", "Application", "Connector", "Function", "GraphQLApi", "HttpApi",
        "LayerVersion", "SimpleTable", "StateMachine",
    )
)  # fmt: skip


def _check_resource_types(stack: Stack) -> list[str]:
    for resource in stack.resources.by_id.values():
        if resource.type.startswith("AWS::Serverless::"):
            with stack.blame(resource.logical_id):
                close = difflib.get_close_matches(resource.type, _SAM_TYPES, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise ConfigError(f"unknown SAM resource type {resource.type}{hint}")
    return [
        f"unsupported resource type {resource.type} ({resource.logical_id}) — ignored"
        for resource in stack.resources.by_id.values()
        if resource.type not in _BUILT_TYPES | _ACCEPTED_TYPES
    ]
