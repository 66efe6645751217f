"""What `Ref` and `Fn::GetAtt` return for each resource type.

Return values are those of the CloudFormation template reference for each type, e.g.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-function.html#aws-resource-lambda-function-return-values
Physical ids are derived from the stack name and logical id (lamina.config.ids).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from lamina.aws.credentials import derived_key_pair, derived_principal_id
from lamina.config import cloudfront, service_ids
from lamina.config.error import ConfigError
from lamina.config.ids import ec2_id, physical_id
from lamina.config.intrinsic import Resolver

LAMBDA_FUNCTION = "AWS::Lambda::Function"
LAMBDA_LAYER_VERSION = "AWS::Lambda::LayerVersion"
REST_API = "AWS::ApiGateway::RestApi"
HTTP_API = "AWS::ApiGatewayV2::Api"


class CfnResource(msgspec.Struct, frozen=True, kw_only=True):
    """One CloudFormation resource whose Condition (if any) holds."""

    logical_id: str
    type: str
    properties: dict[str, Any] = msgspec.field(default_factory=dict)
    line: int | None = None


class Resources:
    """The active resources of a stack, answering Ref and Fn::GetAtt (a ResourceLookup)."""

    def __init__(
        self,
        resources: Mapping[str, CfnResource],
        stack_name: str,
        secret_seed: bytes = b"",
    ) -> None:
        self.by_id = dict(resources)
        self.stack_name = stack_name
        self.secret_seed = secret_seed
        """This installation's seed for derived secrets (aws.credentials.local_secret_seed)."""
        self.warnings: list[str] = []
        self._function_names: dict[str, str] = {}
        self._naming: set[str] = set()

    def has(self, logical_id: str) -> bool:
        return logical_id in self.by_id

    def ref(self, logical_id: str, resolver: Resolver) -> object:
        resource = self.by_id[logical_id]
        rule = _REF_RULES.get(resource.type)
        return rule(self, resource, resolver) if rule else logical_id

    def get_att(self, logical_id: str, attribute: str, resolver: Resolver) -> object:
        resource = self.by_id[logical_id]
        rules = _GET_ATT_RULES.get(resource.type)
        if rules is None:
            return self._placeholder(resource, attribute, resolver)
        rule = rules.get(attribute)
        if rule is None:
            known = ", ".join(sorted(rules)) or "none"
            raise ConfigError(
                f"Fn::GetAtt {logical_id}.{attribute}: {resource.type} has no attribute "
                f"{attribute!r} (Lamina knows: {known})"
            )
        return rule(self, resource, resolver)

    def id_of(self, logical_id: str, length: int = 10) -> str:
        """The deterministic physical id of an API Gateway resource."""
        return physical_id(self.stack_name, logical_id, length=length)

    def function_name(self, logical_id: str, resolver: Resolver) -> str:
        """FunctionName when set, else the logical id."""
        if logical_id in self._function_names:
            return self._function_names[logical_id]
        if logical_id in self._naming:
            raise ConfigError(f"FunctionName of {logical_id} refers to itself")
        self._naming.add(logical_id)
        try:
            raw = self.by_id[logical_id].properties.get("FunctionName")
            name = logical_id if raw is None else resolver.resolve_string(raw, "FunctionName")
        finally:
            self._naming.discard(logical_id)
        self._function_names[logical_id] = name
        return name

    def function_arn(self, logical_id: str, resolver: Resolver) -> str:
        return lambda_arn(resolver, self.function_name(logical_id, resolver))

    def _placeholder(self, resource: CfnResource, attribute: str, resolver: Resolver) -> str:
        # Lamina does not model this type yet: keep going with a recognisable stand-in.
        if attribute.endswith("Arn"):
            service = resource.type.split("::")[1].lower()
            value = (
                f"arn:{resolver.parameters['AWS::Partition']}:{service}:"
                f"{resolver.parameters['AWS::Region']}:{resolver.parameters['AWS::AccountId']}:"
                f"{resource.logical_id}"
            )
        else:
            value = f"{resource.logical_id}.{attribute}"
        warning = (
            f"Fn::GetAtt {resource.logical_id}.{attribute} of unsupported type {resource.type} "
            f"stands for {value!r}"
        )
        if warning not in self.warnings:
            self.warnings.append(warning)
        return value


def lambda_arn(resolver: Resolver, name: str) -> str:
    parameters = resolver.parameters
    return (
        f"arn:{parameters['AWS::Partition']}:lambda:{parameters['AWS::Region']}:"
        f"{parameters['AWS::AccountId']}:function:{name}"
    )


_Rule = Callable[[Resources, CfnResource, Resolver], object]


def _function_name(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    return resources.function_name(resource.logical_id, resolver)


def _function_arn(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    return resources.function_arn(resource.logical_id, resolver)


def _alias_arn(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    # An alias Ref is the alias ARN: the function ARN qualified by the alias name.
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-alias.html
    target = resolver.resolve_string(resource.properties.get("FunctionName"), "FunctionName")
    name = resolver.resolve_string(resource.properties.get("Name"), "Name")
    base = target if target.startswith("arn:") else lambda_arn(resolver, target)
    return f"{base}:{name}"


def _version_arn(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    # Lamina serves every version as $LATEST, so a version stands for its function.
    target = resolver.resolve_string(resource.properties.get("FunctionName"), "FunctionName")
    return target if target.startswith("arn:") else lambda_arn(resolver, target)


def layer_name(resource: CfnResource, resolver: Resolver) -> str:
    """LayerName (a name or a layer ARN), else the logical id (SAM's default as well)."""
    raw = resource.properties.get("LayerName")
    if raw is None:
        return resource.logical_id
    return resolver.resolve_string(raw, "LayerName").rsplit(":layer:", 1)[-1]


def layer_version_arn(resolver: Resolver, name: str, version: int = 1) -> str:
    parameters = resolver.parameters
    return (
        f"arn:{parameters['AWS::Partition']}:lambda:{parameters['AWS::Region']}:"
        f"{parameters['AWS::AccountId']}:layer:{name}:{version}"
    )


def _layer_version_arn(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    # Ref and Fn::GetAtt LayerVersionArn both return the layer version ARN.
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-layerversion.html#aws-resource-lambda-layerversion-return-values
    return layer_version_arn(resolver, layer_name(resource, resolver))


def _stage_name(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    return resolver.resolve_string(resource.properties.get("StageName", ""), "StageName")


def _model_name(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    """AWS::ApiGateway::Model: Ref is the model's name (its logical id when Name is unset)."""
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-model.html
    return resolver.resolve_string(resource.properties.get("Name", resource.logical_id), "Name")


def _id(length: int) -> _Rule:
    def rule(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
        return resources.id_of(resource.logical_id, length)

    return rule


def root_resource_id(api_id: str) -> str:
    return physical_id(api_id, "/", length=10)


def _root_resource_id(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    return root_resource_id(resources.id_of(resource.logical_id))


def _api_endpoint(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-api.html
    api_id = resources.id_of(resource.logical_id)
    region = resolver.parameters["AWS::Region"]
    return f"https://{api_id}.execute-api.{region}.{resolver.parameters['AWS::URLSuffix']}"


DYNAMODB_TABLE = "AWS::DynamoDB::Table"


def _table_name(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    """Ref of a DynamoDB table is its TableName (the logical id when none is given)."""
    name = resource.properties.get("TableName")
    return resource.logical_id if name is None else resolver.resolve_string(name, "TableName")


def _table_arn(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dynamodb-table.html#aws-resource-dynamodb-table-return-values
    parameters = resolver.parameters
    return (
        f"arn:{parameters['AWS::Partition']}:dynamodb:{parameters['AWS::Region']}:"
        f"{parameters['AWS::AccountId']}:table/{_table_name(resources, resource, resolver)}"
    )


TEMPLATE_STREAM_LABEL = "template"
"""The label in a template table's Fn::GetAtt StreamArn. The real label is the time the
stream was enabled, known only once `lamina up` created the table: event source mappings
of the template are pointed at the table's latest stream then (cli.serve)."""


def _table_stream_arn(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dynamodb-table.html#aws-resource-dynamodb-table-return-values
    if resource.properties.get("StreamSpecification") is None:
        raise ConfigError(
            f"Fn::GetAtt {resource.logical_id}.StreamArn: the table has no StreamSpecification"
        )
    return f"{_table_arn(resources, resource, resolver)}/stream/{TEMPLATE_STREAM_LABEL}"


def wafv2_id(resources: Resources, resource: CfnResource) -> str:
    """A WAFv2 entity's Id: a UUID, deterministic per stack and logical id."""
    digest = hashlib.sha256(f"{resources.stack_name}/{resource.logical_id}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16]))


def _wafv2(kind: str, part: str) -> _Rule:
    """AWS::WAFv2::WebACL / IPSet / RegexPatternSet: Arn
    `arn:aws:wafv2:{region}:{account}:regional/{kind}/{name}/{id}`, Id, and Ref
    `{name}|{id}|{scope}`.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-wafv2-webacl.html#aws-resource-wafv2-webacl-return-values
    """

    def rule(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
        name = resolver.resolve_string(resource.properties.get("Name", resource.logical_id), "Name")
        scope = resolver.resolve_string(resource.properties.get("Scope", "REGIONAL"), "Scope")
        id_ = wafv2_id(resources, resource)
        if part == "Id":
            return id_
        if part == "Ref":
            return f"{name}|{id_}|{scope}"
        parameters = resolver.parameters
        return (
            f"arn:{parameters['AWS::Partition']}:wafv2:{parameters['AWS::Region']}:"
            f"{parameters['AWS::AccountId']}:{'global' if scope == 'CLOUDFRONT' else 'regional'}/"
            f"{kind}/{name}/{id_}"
        )

    return rule


IAM_USER = "AWS::IAM::User"
IAM_ACCESS_KEY = "AWS::IAM::AccessKey"
IAM_ROLE = "AWS::IAM::Role"
IAM_MANAGED_POLICY = "AWS::IAM::ManagedPolicy"


def iam_name(resources: Resources, resource: CfnResource, resolver: Resolver, key: str) -> str:
    """UserName / RoleName / ManagedPolicyName, else a name as CloudFormation generates
    it (`{stack}-{logicalId}-{13 characters}`), the same on every run."""
    raw = resource.properties.get(key)
    if raw is not None:
        return resolver.resolve_string(raw, key)
    suffix = physical_id(resources.stack_name, resource.logical_id, length=13).upper()
    return f"{resources.stack_name}-{resource.logical_id}-{suffix}"


def iam_arn(resource: CfnResource, resolver: Resolver, kind: str, name: str) -> str:
    """`arn:aws:iam::{account}:{kind}{Path}{name}` (Path defaults to /).
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html"""
    path = resolver.resolve_string(resource.properties.get("Path", "/"), "Path")
    account = resolver.parameters["AWS::AccountId"]
    return f"arn:{resolver.parameters['AWS::Partition']}:iam::{account}:{kind}{path}{name}"


def _user_name(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    return iam_name(resources, resource, resolver, "UserName")


def _user_arn(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    return iam_arn(resource, resolver, "user", _user_name(resources, resource, resolver))


def _role_name(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    return iam_name(resources, resource, resolver, "RoleName")


def _role_arn(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    return iam_arn(resource, resolver, "role", _role_name(resources, resource, resolver))


def _role_id(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    return derived_principal_id("AROA", resources.stack_name, resource.logical_id)


def _managed_policy_arn(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    name = iam_name(resources, resource, resolver, "ManagedPolicyName")
    return iam_arn(resource, resolver, "policy", name)


def _access_key_id(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-accesskey.html
    return derived_key_pair(resources.stack_name, resource.logical_id)[0]


def _secret_access_key(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    return derived_key_pair(
        resources.stack_name, resource.logical_id, secret_seed=resources.secret_seed
    )[1]


def _domain_name(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    """Ref of a custom domain (REST or HTTP) is its DomainName."""
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-domainname.html#aws-resource-apigateway-domainname-return-values
    return resolver.resolve_string(resource.properties.get("DomainName"), "DomainName")


def _user_pool_id(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    region = resolver.parameters["AWS::Region"]
    return service_ids.user_pool_id(resources.stack_name, resource.logical_id, str(region))


def _user_pool_attribute(name: str) -> _Rule:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cognito-userpool.html#aws-resource-cognito-userpool-return-values
    def rule(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
        pool_id = _user_pool_id(resources, resource, resolver)
        parameters = resolver.parameters
        region, account = parameters["AWS::Region"], parameters["AWS::AccountId"]
        provider = f"cognito-idp.{region}.amazonaws.com/{pool_id}"
        return {
            "Arn": f"arn:{parameters['AWS::Partition']}:cognito-idp:{region}:{account}:"
            f"userpool/{pool_id}",
            "ProviderName": provider,
            "ProviderURL": f"https://{provider}",
            "UserPoolId": pool_id,
        }[name]

    return rule


def _user_pool_client_id(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    return service_ids.user_pool_client_id(resources.stack_name, resource.logical_id)


def _group_name(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    name = resource.properties.get("GroupName")
    return resource.logical_id if name is None else resolver.resolve_string(name, "GroupName")


def _domain_prefix(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    return resolver.resolve_string(resource.properties.get("Domain"), "Domain")


def _named(field: str) -> _Rule:
    """The resource's `field` (LogGroupName, AlarmName, ...), or the name CloudFormation
    generates without one."""

    def name(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
        raw = resource.properties.get(field)
        if raw is not None:
            return resolver.resolve_string(raw, field)
        return generated_name(resources.stack_name, resource.logical_id)

    return name


_log_group_name = _named("LogGroupName")
_alarm_name = _named("AlarmName")


def generated_name(stack: str, logical_id: str) -> str:
    """The name CloudFormation gives a named resource (a LogGroup, an Alarm, a Dashboard)
    whose template leaves the name out: `{stack}-{logicalId}-{suffix}`."""
    return f"{stack}-{logical_id}-{physical_id(stack, logical_id, length=12)}"


def _bucket_name(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    raw = resource.properties.get("BucketName")
    given = None if raw is None else resolver.resolve_string(raw, "BucketName")
    return service_ids.bucket_name(resources.stack_name, resource.logical_id, given)


def _kms_key_id(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    return service_ids.kms_key_id(resources.stack_name, resource.logical_id)


def _kms_key_arn(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html#aws-resource-kms-key-return-values
    parameters = resolver.parameters
    return (
        f"arn:{parameters['AWS::Partition']}:kms:{parameters['AWS::Region']}:"
        f"{parameters['AWS::AccountId']}:key/{_kms_key_id(resources, resource, resolver)}"
    )


def _alias_name(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    return resolver.resolve_string(resource.properties.get("AliasName"), "AliasName")


def _secret_arn(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    """Ref of a secret is its ARN.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-secret.html#aws-resource-secretsmanager-secret-return-values
    """
    raw = resource.properties.get("Name")
    given = None if raw is None else resolver.resolve_string(raw, "Name")
    name = service_ids.secret_name(resources.stack_name, resource.logical_id, given)
    parameters = resolver.parameters
    return service_ids.secret_arn(
        resources.stack_name,
        resource.logical_id,
        name,
        str(parameters["AWS::Region"]),
        str(parameters["AWS::AccountId"]),
    )


def _cloudfront_id(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    return cloudfront.physical_id(resource.type, resources.stack_name, resource.logical_id, {})


def _cloudfront_function_arn(
    resources: Resources, resource: CfnResource, resolver: Resolver
) -> str:
    raw = resource.properties.get("Name")
    given = None if raw is None else resolver.resolve_string(raw, "Name")
    name = cloudfront.function_name(resources.stack_name, resource.logical_id, given)
    return cloudfront.function_arn(str(resolver.parameters["AWS::AccountId"]), name)


def _distribution_domain(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    distribution_id = cloudfront.cloudfront_id(resources.stack_name, resource.logical_id)
    return cloudfront.distribution_domain(distribution_id)


def _canonical_user(resources: Resources, resource: CfnResource, resolver: Resolver) -> str:
    return cloudfront.canonical_user_id(resources.stack_name, resource.logical_id)


_REF_RULES: dict[str, _Rule] = {
    # Ref of a distribution, origin access control or identity is its id; of a cache or
    # origin request policy its (UUID) id.
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudfront-distribution.html#aws-resource-cloudfront-distribution-return-values
    **{kind: _cloudfront_id for kind in cloudfront.CLOUDFRONT_TYPES},
    cloudfront.FUNCTION: _cloudfront_function_arn,
    "AWS::Cognito::UserPool": _user_pool_id,
    "AWS::Cognito::UserPoolClient": _user_pool_client_id,
    "AWS::Cognito::UserPoolGroup": _group_name,
    "AWS::Cognito::UserPoolIdentityProvider": _named("ProviderName"),
    "AWS::Cognito::UserPoolResourceServer": _named("Identifier"),
    # Ref of a user pool domain is the domain (prefix) itself.
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cognito-userpooldomain.html#aws-resource-cognito-userpooldomain-return-values
    "AWS::Cognito::UserPoolDomain": _domain_prefix,
    "AWS::KMS::Key": _kms_key_id,
    "AWS::KMS::Alias": _alias_name,
    "AWS::SecretsManager::Secret": _secret_arn,
    "AWS::S3::Bucket": _bucket_name,
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-logs-loggroup.html#aws-resource-logs-loggroup-return-values
    "AWS::Logs::LogGroup": _log_group_name,
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html#aws-resource-cloudwatch-alarm-return-values
    "AWS::CloudWatch::Alarm": _alarm_name,
    "AWS::CloudWatch::Dashboard": _named("DashboardName"),
    "AWS::WAFv2::WebACL": _wafv2("webacl", "Ref"),
    "AWS::WAFv2::IPSet": _wafv2("ipset", "Ref"),
    "AWS::WAFv2::RegexPatternSet": _wafv2("regexpatternset", "Ref"),
    LAMBDA_FUNCTION: _function_name,
    "AWS::Lambda::Alias": _alias_arn,
    "AWS::Lambda::Version": _version_arn,
    LAMBDA_LAYER_VERSION: _layer_version_arn,
    REST_API: _id(10),
    "AWS::ApiGateway::Resource": _id(6),
    "AWS::ApiGateway::Method": _id(6),
    "AWS::ApiGateway::Deployment": _id(6),
    "AWS::ApiGateway::Stage": _stage_name,
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-apikey.html#aws-resource-apigateway-apikey-return-values
    "AWS::ApiGateway::ApiKey": _id(10),
    "AWS::ApiGateway::UsagePlan": _id(6),
    "AWS::ApiGateway::Authorizer": _id(6),
    "AWS::ApiGateway::Model": _model_name,
    "AWS::ApiGateway::RequestValidator": _id(6),
    HTTP_API: _id(10),
    "AWS::ApiGatewayV2::Integration": _id(7),
    "AWS::ApiGatewayV2::Route": _id(6),
    "AWS::ApiGatewayV2::Deployment": _id(6),
    "AWS::ApiGatewayV2::Stage": _stage_name,
    "AWS::ApiGatewayV2::Authorizer": _id(6),
    "AWS::ApiGateway::DomainName": _domain_name,
    # Ref of a VPC is its id, of a VPC endpoint its id (private APIs: config/private_api.py).
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpcendpoint.html#aws-resource-ec2-vpcendpoint-return-values
    "AWS::EC2::VPC": lambda r, res, v: ec2_id("vpc", r.stack_name, res.logical_id),
    "AWS::EC2::VPCEndpoint": lambda r, res, v: ec2_id("vpce", r.stack_name, res.logical_id),
    "AWS::ApiGatewayV2::DomainName": _domain_name,
    DYNAMODB_TABLE: _table_name,
    IAM_USER: _user_name,
    IAM_ROLE: _role_name,
    IAM_MANAGED_POLICY: _managed_policy_arn,
    IAM_ACCESS_KEY: _access_key_id,
}

_GET_ATT_RULES: dict[str, dict[str, _Rule]] = {
    cloudfront.DISTRIBUTION: {"DomainName": _distribution_domain, "Id": _cloudfront_id},
    cloudfront.ORIGIN_ACCESS_CONTROL: {"Id": _cloudfront_id},
    cloudfront.ORIGIN_ACCESS_IDENTITY: {"Id": _cloudfront_id, "S3CanonicalUserId": _canonical_user},
    cloudfront.CACHE_POLICY: {"Id": _cloudfront_id},
    cloudfront.ORIGIN_REQUEST_POLICY: {"Id": _cloudfront_id},
    cloudfront.RESPONSE_HEADERS_POLICY: {"Id": _cloudfront_id},
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudfront-function.html#aws-resource-cloudfront-function-return-values
    cloudfront.FUNCTION: {
        "FunctionARN": _cloudfront_function_arn,
        "FunctionMetadata.FunctionARN": _cloudfront_function_arn,
        "Stage": lambda r, res, v: "LIVE",
    },
    "AWS::Cognito::UserPool": {
        name: _user_pool_attribute(name)
        for name in ("Arn", "ProviderName", "ProviderURL", "UserPoolId")
    },
    "AWS::Cognito::UserPoolClient": {"ClientId": _user_pool_client_id},
    "AWS::KMS::Key": {"Arn": _kms_key_arn, "KeyId": _kms_key_id},
    "AWS::SecretsManager::Secret": {"Id": _secret_arn},
    "AWS::CloudWatch::Alarm": {
        "Arn": lambda r, res, v: (
            f"arn:{v.parameters['AWS::Partition']}:cloudwatch:{v.parameters['AWS::Region']}:"
            f"{v.parameters['AWS::AccountId']}:alarm:{_alarm_name(r, res, v)}"
        )
    },
    "AWS::Logs::LogGroup": {
        "Arn": lambda r, res, v: (
            f"arn:{v.parameters['AWS::Partition']}:logs:{v.parameters['AWS::Region']}:"
            f"{v.parameters['AWS::AccountId']}:log-group:{_log_group_name(r, res, v)}:*"
        )
    },
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucket.html#aws-resource-s3-bucket-return-values
    "AWS::S3::Bucket": {
        "Arn": lambda r, res, v: f"arn:aws:s3:::{_bucket_name(r, res, v)}",
        "DomainName": lambda r, res, v: f"{_bucket_name(r, res, v)}.s3.amazonaws.com",
        "RegionalDomainName": lambda r, res, v: (
            f"{_bucket_name(r, res, v)}.s3.{v.parameters['AWS::Region']}.amazonaws.com"
        ),
    },
    "AWS::WAFv2::WebACL": {"Arn": _wafv2("webacl", "Arn"), "Id": _wafv2("webacl", "Id")},
    "AWS::WAFv2::IPSet": {"Arn": _wafv2("ipset", "Arn"), "Id": _wafv2("ipset", "Id")},
    "AWS::WAFv2::RegexPatternSet": {
        "Arn": _wafv2("regexpatternset", "Arn"),
        "Id": _wafv2("regexpatternset", "Id"),
    },
    LAMBDA_FUNCTION: {"Arn": _function_arn},
    "AWS::Lambda::Alias": {},
    "AWS::Lambda::Version": {},
    "AWS::Lambda::Permission": {},
    LAMBDA_LAYER_VERSION: {"LayerVersionArn": _layer_version_arn},
    REST_API: {"RootResourceId": _root_resource_id, "RestApiId": _id(10)},
    "AWS::ApiGateway::Resource": {"ResourceId": _id(6)},
    "AWS::ApiGateway::Method": {},
    "AWS::ApiGateway::Deployment": {"DeploymentId": _id(6)},
    "AWS::ApiGateway::Stage": {},
    "AWS::ApiGateway::ApiKey": {"APIKeyId": _id(10)},
    "AWS::ApiGateway::UsagePlan": {"Id": _id(6)},
    "AWS::ApiGateway::Authorizer": {"AuthorizerId": _id(6)},
    "AWS::ApiGateway::Model": {},
    "AWS::ApiGateway::RequestValidator": {"RequestValidatorId": _id(6)},
    HTTP_API: {"ApiEndpoint": _api_endpoint, "ApiId": _id(10)},
    "AWS::ApiGatewayV2::Integration": {"IntegrationId": _id(7)},
    "AWS::ApiGatewayV2::Route": {"RouteId": _id(6)},
    "AWS::ApiGatewayV2::Deployment": {"DeploymentId": _id(6)},
    "AWS::ApiGatewayV2::Stage": {},
    "AWS::ApiGatewayV2::Authorizer": {"AuthorizerId": _id(6)},
    DYNAMODB_TABLE: {"Arn": _table_arn, "StreamArn": _table_stream_arn},
    IAM_USER: {"Arn": _user_arn},
    IAM_ROLE: {"Arn": _role_arn, "RoleId": _role_id},
    IAM_MANAGED_POLICY: {"PolicyArn": _managed_policy_arn},
    IAM_ACCESS_KEY: {"SecretAccessKey": _secret_access_key},
}
