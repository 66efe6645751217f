"""Identity and data-service resources created at `lamina up` when missing: Cognito user
pools, clients and groups, KMS keys and aliases, Secrets Manager secrets.

Their properties are the services' own create parameters under (almost) the same names,
so they pass through with intrinsics resolved; each gets the physical id its Ref returns.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cognito-userpool.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-secret.html
"""

from __future__ import annotations

from typing import Any

from lamina.config import cloudfront, service_ids
from lamina.config.model import TemplateResource
from lamina.config.reference import generated_name
from lamina.config.stack import Stack

USER_POOL = "AWS::Cognito::UserPool"
USER_POOL_CLIENT = "AWS::Cognito::UserPoolClient"
USER_POOL_GROUP = "AWS::Cognito::UserPoolGroup"
USER_POOL_DOMAIN = "AWS::Cognito::UserPoolDomain"
USER_POOL_IDP = "AWS::Cognito::UserPoolIdentityProvider"
USER_POOL_RESOURCE_SERVER = "AWS::Cognito::UserPoolResourceServer"
KMS_KEY = "AWS::KMS::Key"
KMS_ALIAS = "AWS::KMS::Alias"
SECRET = "AWS::SecretsManager::Secret"
ROTATION_SCHEDULE = "AWS::SecretsManager::RotationSchedule"
BUCKET = "AWS::S3::Bucket"
BUCKET_POLICY = "AWS::S3::BucketPolicy"
LOG_GROUP = "AWS::Logs::LogGroup"
ALARM = "AWS::CloudWatch::Alarm"
DASHBOARD = "AWS::CloudWatch::Dashboard"
SERVICE_TYPES = frozenset(
    {USER_POOL, USER_POOL_CLIENT, USER_POOL_GROUP, USER_POOL_DOMAIN, USER_POOL_IDP}
    | {USER_POOL_RESOURCE_SERVER}
    | {KMS_KEY, KMS_ALIAS, SECRET}
    | {ROTATION_SCHEDULE, LOG_GROUP, ALARM, DASHBOARD, BUCKET, BUCKET_POLICY}
    | set(cloudfront.CLOUDFRONT_TYPES)
)
# Created in this order: keys before the aliases and secrets that name them, pools before
# their clients and groups.
_ORDER = (
    LOG_GROUP,
    KMS_KEY,
    KMS_ALIAS,
    SECRET,
    ROTATION_SCHEDULE,
    USER_POOL,
    USER_POOL_IDP,  # before the clients whose SupportedIdentityProviders name them
    USER_POOL_RESOURCE_SERVER,  # before the clients whose AllowedOAuthScopes name them
    USER_POOL_CLIENT,
    USER_POOL_GROUP,
    USER_POOL_DOMAIN,
    BUCKET,
    BUCKET_POLICY,  # after the buckets they name
    *cloudfront.CLOUDFRONT_TYPES,  # after the buckets their origins read
    ALARM,
    DASHBOARD,
)


def build_service_resources(stack: Stack, region: str, account_id: str) -> list[TemplateResource]:
    found = []
    name = stack.resources.stack_name
    for kind in _ORDER:
        for resource in stack.of_type(kind):
            with stack.blame(resource.logical_id):
                properties: dict[str, Any] = {
                    key: stack.prop(resource, key) for key in resource.properties
                }
                found.append(
                    TemplateResource(
                        type=kind,
                        logical_id=resource.logical_id,
                        physical_id=_physical_id(
                            kind, name, resource.logical_id, properties, region
                        ),
                        properties=properties,
                        arn=_arn(kind, name, resource.logical_id, properties, region, account_id),
                    )
                )
    return found


def _physical_id(
    kind: str, stack: str, logical_id: str, properties: dict[str, Any], region: str
) -> str:
    if kind == USER_POOL:
        return service_ids.user_pool_id(stack, logical_id, region)
    if kind == USER_POOL_CLIENT:
        return service_ids.user_pool_client_id(stack, logical_id)
    if kind == USER_POOL_GROUP:
        return str(properties.get("GroupName") or logical_id)
    if kind == USER_POOL_IDP:
        # Ref returns the ProviderName.
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cognito-userpoolidentityprovider.html
        return str(properties["ProviderName"])
    if kind == USER_POOL_RESOURCE_SERVER:
        # Ref returns the Identifier.
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cognito-userpoolresourceserver.html
        return str(properties["Identifier"])
    if kind == USER_POOL_DOMAIN:
        # Ref returns the domain prefix.
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cognito-userpooldomain.html
        return str(properties["Domain"])
    if kind == KMS_KEY:
        return service_ids.kms_key_id(stack, logical_id)
    if kind == KMS_ALIAS:
        return str(properties["AliasName"])
    if kind == BUCKET:
        return service_ids.bucket_name(stack, logical_id, properties.get("BucketName"))
    if kind == BUCKET_POLICY:
        # The bucket it is attached to (one policy per bucket).
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucketpolicy.html
        return str(properties["Bucket"])
    if kind == LOG_GROUP:
        # Ref returns the name: LogGroupName, or `{stack}-{logicalId}-{suffix}`.
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-logs-loggroup.html
        given = properties.get("LogGroupName")
        return str(given) if given else generated_name(stack, logical_id)
    if kind in cloudfront.CLOUDFRONT_TYPES:
        return cloudfront.physical_id(kind, stack, logical_id, properties)
    if kind == ALARM:
        # Ref returns the alarm name: AlarmName, or `{stack}-{logicalId}-{suffix}`.
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html
        given = properties.get("AlarmName")
        return str(given) if given else generated_name(stack, logical_id)
    if kind == DASHBOARD:
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-dashboard.html
        given = properties.get("DashboardName")
        return str(given) if given else generated_name(stack, logical_id)
    if kind == ROTATION_SCHEDULE:
        # Ref returns the secret's ARN (SecretId, a Ref to the template's secret).
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-rotationschedule.html
        return str(properties.get("SecretId", ""))
    return service_ids.secret_name(stack, logical_id, properties.get("Name"))


def _arn(
    kind: str,
    stack: str,
    logical_id: str,
    properties: dict[str, Any],
    region: str,
    account: str,
) -> str | None:
    if kind == cloudfront.FUNCTION:
        name = cloudfront.function_name(stack, logical_id, properties.get("Name"))
        return cloudfront.function_arn(account, name)
    if kind == cloudfront.DISTRIBUTION:
        return cloudfront.distribution_arn(account, cloudfront.cloudfront_id(stack, logical_id))
    if kind == ALARM:
        name = _physical_id(kind, stack, logical_id, properties, region)
        return f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}"
    if kind == SECRET:
        name = service_ids.secret_name(stack, logical_id, properties.get("Name"))
        return service_ids.secret_arn(stack, logical_id, name, region, account)
    return None
