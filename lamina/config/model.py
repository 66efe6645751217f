"""The application a template describes, in Lamina's own terms."""

from __future__ import annotations

from typing import Any

import msgspec

from lamina.aws.credentials import AssumableRole, Identity
from lamina.functions.model import FunctionConfig
from lamina.gateway.domain import CustomDomain
from lamina.gateway.limits.model import AccessLimits
from lamina.gateway.model import HttpApi, RestApi, VpcEndpoint

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"


class TemplatePermission(msgspec.Struct, frozen=True, kw_only=True):
    """One AWS::Lambda::Permission: `principal` may call `action` on the function."""

    statement_id: str
    function_name: str
    qualifier: str | None = None
    action: str = "lambda:InvokeFunction"
    principal: str
    source_arn: str | None = None
    source_account: str | None = None


class TemplateRelease(msgspec.Struct, frozen=True, kw_only=True):
    """A template alias (AWS::Lambda::Alias, or SAM AutoPublishAlias's) of a function.

    `version` is what its FunctionVersion names: "" for the function's template
    AWS::Lambda::Version (published at `lamina up` when the code or configuration
    changed), else a literal version number or $LATEST. `alias` is "" for a function's
    AWS::Lambda::Version itself (published even when no alias names it).
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-version.html
    """

    function_name: str
    alias: str
    version: str = ""
    weights: dict[str, float] = msgspec.field(default_factory=dict)
    """RoutingConfig AdditionalVersionWeights: version ("" as for `version`) -> weight."""
    description: str = ""
    """The Version's Description (SAM: VersionDescription), for the version it publishes."""


class TemplateEventSourceMapping(msgspec.Struct, frozen=True, kw_only=True):
    """One AWS::Lambda::EventSourceMapping (SAM writes one per DynamoDB event)."""

    logical_id: str
    function_name: str
    qualifier: str | None = None
    event_source_arn: str
    starting_position: str
    batch_size: int = 100
    enabled: bool = True


class TemplateLayer(msgspec.Struct, frozen=True, kw_only=True):
    """One AWS::Lambda::LayerVersion (or SAM LayerVersion) with local content.

    A template's layer is version 1 of its LayerName: each `lamina up` publishes it afresh.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-layerversion.html
    """

    logical_id: str
    name: str
    version: int = 1
    arn: str
    """What Ref returns: the layer version ARN."""
    path: str
    """Absolute folder of the layer's content, used as is (its python/ is on sys.path)."""
    description: str = ""
    compatible_runtimes: tuple[str, ...] = ()
    compatible_architectures: tuple[str, ...] = ()
    license_info: str | None = None


class TemplateTable(msgspec.Struct, frozen=True, kw_only=True):
    """An AWS::DynamoDB::Table: its CreateTable parameters, intrinsics resolved."""

    logical_id: str
    properties: dict[str, Any]


class TemplateResource(msgspec.Struct, frozen=True, kw_only=True):
    """A user pool, client or group, KMS key or alias, or secret the template declares:
    created with this physical id at `lamina up` when missing (lamina.config.service_resources)."""

    type: str
    logical_id: str
    physical_id: str
    """What Ref gives: pool / client / key id, group or alias name, secret name."""
    properties: dict[str, Any]
    arn: str | None = None
    """Secrets: the ARN their Ref returns."""


class Application(msgspec.Struct, frozen=True, kw_only=True):
    """Everything `lamina up` serves from one template."""

    template_path: str
    stack_name: str
    region: str = DEFAULT_REGION
    account_id: str = DEFAULT_ACCOUNT_ID
    functions: tuple[FunctionConfig, ...] = ()
    rest_apis: tuple[RestApi, ...] = ()
    http_apis: tuple[HttpApi, ...] = ()
    permissions: tuple[TemplatePermission, ...] = ()
    """AWS::Lambda::Permission statements (who may invoke which function)."""
    tables: tuple[TemplateTable, ...] = ()
    """DynamoDB tables the template declares (created when missing at `lamina up`)."""
    event_source_mappings: tuple[TemplateEventSourceMapping, ...] = ()
    """Event source mappings from DynamoDB streams (created at `lamina up`)."""
    domains: tuple[CustomDomain, ...] = ()
    """Custom domain names with their base path mappings and mutual TLS settings."""
    vpc_endpoints: tuple[VpcEndpoint, ...] = ()
    """Interface VPC endpoints for execute-api, through which private REST APIs are reached."""
    layers: tuple[TemplateLayer, ...] = ()
    """Layer versions the template declares; its functions' `layers` hold their folders."""
    service_resources: tuple[TemplateResource, ...] = ()
    """User pools, KMS keys, secrets ... in creation order."""
    limits: AccessLimits = AccessLimits()
    """API keys, usage plans and stage throttle settings."""
    identities: tuple[Identity, ...] = ()
    roles: tuple[AssumableRole, ...] = ()
    """Template IAM roles, for STS AssumeRole."""
    """Template IAM users' access keys with their identity policies (AWS_IAM callers)."""
    releases: tuple[TemplateRelease, ...] = ()
    """Template aliases; functions named here with version "" get versions published."""
    warnings: tuple[str, ...] = ()
    """Unsupported resource types and other things the user should know, one line each."""
