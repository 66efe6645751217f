"""Create the template's identity and data-service resources at `lamina up` (KMS keys and
aliases, secrets, user pools with their clients and groups), each under the physical id
its Ref already gave, and bring existing ones' settings in line with the template.

Like CloudFormation, a resource that exists keeps its data: a user pool keeps its users,
a secret its versions (a changed SecretString becomes a new current version), a key its
material.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import orjson

from lamina.aws.service import AwsRequestContext, ServiceError
from lamina.config import cloudfront
from lamina.config.model import Application, TemplateResource
from lamina.config.service_resources import (
    ALARM,
    BUCKET,
    BUCKET_POLICY,
    DASHBOARD,
    KMS_ALIAS,
    KMS_KEY,
    LOG_GROUP,
    ROTATION_SCHEDULE,
    SECRET,
    USER_POOL,
    USER_POOL_CLIENT,
    USER_POOL_DOMAIN,
    USER_POOL_GROUP,
    USER_POOL_IDP,
    USER_POOL_RESOURCE_SERVER,
)
from lamina.core.ids import new_request_id
from lamina.services.cloudfront.provider import CloudFrontProvider
from lamina.services.cloudwatch.provider import CloudWatchProvider
from lamina.services.cognito_idp.identity_providers import (
    create_provider,
    find_provider,
    update_provider,
)
from lamina.services.cognito_idp.model import Client, Group, Pool, ResourceServer
from lamina.services.cognito_idp.pool_operations import create_client
from lamina.services.cognito_idp.provider import CognitoIdpProvider
from lamina.services.cognito_idp.resource_servers import put_resource_server
from lamina.services.cognito_idp.shapes import configure_pool
from lamina.services.kms.provider import KmsProvider
from lamina.services.kms.store import AliasRecord
from lamina.services.logs.operations import OPERATIONS as LOGS_OPERATIONS
from lamina.services.logs.provider import LogsProvider
from lamina.services.s3.bucket_policy import set_policy as set_bucket_policy
from lamina.services.s3.notification import configure as configure_notifications
from lamina.services.s3.notification import from_template
from lamina.services.s3.provider import S3Provider
from lamina.services.s3.store import Bucket
from lamina.services.s3.website import configure as configure_website
from lamina.services.s3.website import from_template as website_from_template
from lamina.services.secretsmanager.operations import create_secret
from lamina.services.secretsmanager.passwords import random_password
from lamina.services.secretsmanager.provider import SecretsManagerProvider
from lamina.services.secretsmanager.scheduler import configure_rotation
from lamina.services.secretsmanager.service import CURRENT


class Services:
    __slots__ = (
        "account_id",
        "cloudfront",
        "cloudwatch",
        "cognito",
        "kms",
        "logs",
        "region",
        "s3",
        "secrets",
    )

    def __init__(
        self,
        kms: KmsProvider,
        secrets: SecretsManagerProvider,
        cognito: CognitoIdpProvider,
        s3: S3Provider,
        *,
        region: str,
        logs: LogsProvider | None = None,
        cloudfront: CloudFrontProvider | None = None,
        cloudwatch: CloudWatchProvider | None = None,
        account_id: str = "",
    ) -> None:
        self.cloudwatch = cloudwatch
        """None: the template's alarms and dashboards are not created."""
        self.cloudfront = cloudfront
        """None: the template's distributions are not served (a caller without the edge)."""
        self.account_id = account_id
        self.logs = logs
        """None: the template's log groups are not created (a caller without CloudWatch Logs)."""
        self.kms = kms
        self.secrets = secrets
        self.cognito = cognito
        self.s3 = s3
        self.region = region


def stack_context(
    service: str, operation: str, *, region: str, account_id: str
) -> AwsRequestContext:
    """An operation the stack itself calls on a service for one of its resources (no
    caller's key), as CloudFormation does at create and delete."""
    return AwsRequestContext(
        service=service,
        operation=operation,
        region=region,
        account_id=account_id,
        request_id=new_request_id(),
        access_key=None,
    )


def provision(app: Application, services: Services) -> None:
    """Raises ServiceError (with the service's own message) when a resource is invalid."""
    for resource in app.service_resources:
        _PROVISIONERS[resource.type](resource, services)
    if services.cloudfront is not None:
        cloudfront.retain(services.cloudfront, app.service_resources)


def _key(resource: TemplateResource, services: Services) -> None:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html
    kms = services.kms
    properties = resource.properties
    record = kms.store.get(resource.physical_id)
    if record is None:
        policy = properties.get("KeyPolicy")
        record = kms.create_key(
            spec=str(properties.get("KeySpec", "SYMMETRIC_DEFAULT")),
            usage=properties.get("KeyUsage"),
            description=str(properties.get("Description", "")),
            policy=None if policy is None else _policy_text(policy),
            tags=_tags(properties.get("Tags"), "Key", "Value"),
            key_id=resource.physical_id,
        )
    enabled = properties.get("Enabled", True) not in (False, "false")
    if record.deletion_date is not None:
        # The template declares the key, so it must be usable: a key left pending deletion
        # by `lamina delete` comes back. (CloudFormation would make a new key; Lamina's key
        # ids derive from the stack and logical id, so the same key returns.)
        record.deletion_date = None
        record.pending_window_days = None
        record.enabled = enabled
        kms.store.put(record)
    elif record.enabled != enabled:
        record.enabled = enabled
        kms.store.put(record)


def _alias(resource: TemplateResource, services: Services) -> None:
    kms = services.kms
    target = kms.find(str(resource.properties["TargetKeyId"]))
    now = kms.now()
    existing = kms.store.alias(resource.physical_id)
    if existing is None:
        kms.store.put_alias(
            AliasRecord(name=resource.physical_id, key_id=target.key_id, created=now, updated=now)
        )
    elif existing.key_id != target.key_id:
        existing.key_id, existing.updated = target.key_id, now
        kms.store.put_alias(existing)


def _secret(resource: TemplateResource, services: Services) -> None:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-secret.html
    sm = services.secrets
    properties = resource.properties
    existing = sm.store.by_name(resource.physical_id)
    given = properties.get("SecretString")
    if existing is None:
        params: dict[str, Any] = {"Name": resource.physical_id}
        for key in ("Description", "KmsKeyId"):
            if key in properties:
                params[key] = str(properties[key])
        params["Tags"] = [
            {"Key": k, "Value": v} for k, v in _tags(properties.get("Tags"), "Key", "Value").items()
        ]
        generate = properties.get("GenerateSecretString")
        if given is not None:
            params["SecretString"] = str(given)
        elif isinstance(generate, dict):
            params["SecretString"] = _generated(generate)
        create_secret(sm, params, arn=resource.arn)
        return
    current = existing.staged(CURRENT)
    if given is not None and (
        current is None or sm.value_of(existing, current).get("SecretString") != str(given)
    ):
        sm.add_version(
            existing, str(given).encode(), binary=False, version_id=None, stages=[CURRENT]
        )
        sm.store.put(existing)


def _rotation_schedule(resource: TemplateResource, services: Services) -> None:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-rotationschedule.html
    configure_rotation(services.secrets, resource.properties)


def _generated(options: dict[str, Any]) -> str:
    """GenerateSecretString: a password, alone or under GenerateStringKey in the JSON of
    SecretStringTemplate.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-secretsmanager-secret-generatesecretstring.html
    """
    length = int(options.get("PasswordLength", 32))
    password = random_password(length, options)
    template, key = options.get("SecretStringTemplate"), options.get("GenerateStringKey")
    if template is None or key is None:
        return password
    document = json.loads(str(template))
    document[str(key)] = password
    return json.dumps(document)


def _user_pool(resource: TemplateResource, services: Services) -> None:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cognito-userpool.html
    cognito = services.cognito
    properties = resource.properties
    pool = cognito.store.get(Pool, "", resource.physical_id)
    name = str(properties.get("UserPoolName", resource.logical_id))
    if pool is None:
        cognito.create_pool(name, properties, pool_id=resource.physical_id)
        return
    configure_pool(pool, properties)
    pool.name = name
    pool.domain = ""  # set again below if the template still has its UserPoolDomain
    pool.modified = cognito.now()
    cognito.store.put("", pool.id, pool)


def _user_pool_client(resource: TemplateResource, services: Services) -> None:
    cognito = services.cognito
    properties = dict(resource.properties)
    pool_id = str(properties["UserPoolId"])
    properties.setdefault("ClientName", resource.logical_id)
    existing = cognito.store.get(Client, pool_id, resource.physical_id)
    secret = existing.secret if existing is not None else None
    client = create_client(cognito, properties, client_id=resource.physical_id)
    if existing is not None:
        # Settings follow the template; the id, secret and creation date stay.
        client.secret, client.created = secret, existing.created
        cognito.store.put(pool_id, client.id, client)


def _user_pool_group(resource: TemplateResource, services: Services) -> None:
    cognito = services.cognito
    properties = resource.properties
    pool_id = str(properties["UserPoolId"])
    cognito.pool(pool_id)
    now = cognito.now()
    existing = cognito.store.get(Group, pool_id, resource.physical_id)
    precedence = properties.get("Precedence")
    cognito.store.put(
        pool_id,
        resource.physical_id,
        Group(
            name=resource.physical_id,
            pool_id=pool_id,
            created=existing.created if existing is not None else now,
            modified=now,
            description=properties.get("Description"),
            precedence=None if precedence is None else int(precedence),
            role_arn=properties.get("RoleArn"),
        ),
    )


def _user_pool_identity_provider(resource: TemplateResource, services: Services) -> None:
    """An external identity provider of a template's pool: created, or updated in place on
    a redeploy, through the same operations as CreateIdentityProvider.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cognito-userpoolidentityprovider.html
    """
    properties = resource.properties
    params: dict[str, Any] = {
        "UserPoolId": str(properties["UserPoolId"]),
        "ProviderName": resource.physical_id,
        "ProviderDetails": {
            str(k): str(v) for k, v in (properties.get("ProviderDetails") or {}).items()
        },
        "AttributeMapping": {
            str(k): str(v) for k, v in (properties.get("AttributeMapping") or {}).items()
        },
        "IdpIdentifiers": [str(i) for i in properties.get("IdpIdentifiers") or []],
    }
    pool = services.cognito.pool(params["UserPoolId"])
    if find_provider(services.cognito, pool, resource.physical_id) is not None:
        update_provider(services.cognito, params)
    else:
        params["ProviderType"] = str(properties["ProviderType"])
        create_provider(services.cognito, params)


def _user_pool_resource_server(resource: TemplateResource, services: Services) -> None:
    """Custom scopes of a template's pool: created, or replaced on a redeploy, as
    CreateResourceServer / UpdateResourceServer do.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cognito-userpoolresourceserver.html
    """
    properties = resource.properties
    pool_id = str(properties["UserPoolId"])
    params = {
        "UserPoolId": pool_id,
        "Identifier": resource.physical_id,
        "Name": str(properties["Name"]),
        "Scopes": list(properties.get("Scopes") or []),
    }
    cognito = services.cognito
    existing = cognito.store.get(ResourceServer, pool_id, resource.physical_id)
    put_resource_server(cognito, params, create=existing is None)


def _user_pool_domain(resource: TemplateResource, services: Services) -> None:
    """The pool answers its hosted pages at `{Domain}.auth.localhost` (hosted.py)."""
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cognito-userpooldomain.html
    cognito = services.cognito
    pool = cognito.pool(str(resource.properties["UserPoolId"]))
    if pool.domain != resource.physical_id:
        pool.domain, pool.modified = resource.physical_id, cognito.now()
        cognito.store.put("", pool.id, pool)


def _policy_text(policy: object) -> str:
    return policy if isinstance(policy, str) else orjson.dumps(policy).decode()


def _tags(tags: object, key: str, value: str) -> dict[str, str]:
    if isinstance(tags, dict):  # AWS::SecretsManager / KMS take a list; some types a map
        return {str(k): str(v) for k, v in tags.items()}
    if not isinstance(tags, list):
        return {}
    return {str(tag[key]): str(tag[value]) for tag in tags if isinstance(tag, dict)}


def _bucket(resource: TemplateResource, services: Services) -> None:
    # A bucket the template declares; its objects stay across restarts.
    state = services.s3.state
    bucket = Bucket(name=resource.physical_id, created=state.clock(), region=services.region)
    state.store.add_bucket(bucket)
    # VersioningConfiguration {Status: Enabled|Suspended}; leaving it out never turns a
    # versioned bucket back (S3 cannot).
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-s3-bucket-versioningconfiguration.html
    versioning = resource.properties.get("VersioningConfiguration")
    status = versioning.get("Status") if isinstance(versioning, dict) else None
    existing = state.store.bucket(bucket.name)
    if status in ("Enabled", "Suspended") and existing is not None:
        state.store.set_bucket(msgspec.structs.replace(existing, versioning=status))
    # NotificationConfiguration and WebsiteConfiguration, when declared, replace the
    # bucket's, validated as the S3 API validates them (a function S3 may not invoke fails
    # the deploy, as CloudFormation's "Unable to validate the following destination
    # configurations"); left out, what the S3 API set stays.
    notifications = resource.properties.get("NotificationConfiguration")
    if isinstance(notifications, dict):
        configure_notifications(state, bucket.name, from_template(notifications))
    website = resource.properties.get("WebsiteConfiguration")
    if isinstance(website, dict):
        configure_website(state, bucket.name, website_from_template(website))


def _bucket_policy(resource: TemplateResource, services: Services) -> None:
    """A template's bucket policy, validated and enforced as PutBucketPolicy's.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucketpolicy.html
    """
    document = resource.properties["PolicyDocument"]
    text = document if isinstance(document, str) else json.dumps(document)
    set_bucket_policy(services.s3.state, resource.physical_id, text)


def _log_group(resource: TemplateResource, services: Services) -> None:
    """A log group the template declares (access logs need it to exist), with its retention.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-logs-loggroup.html
    """
    if services.logs is None:
        return
    name = resource.physical_id
    try:
        LOGS_OPERATIONS["CreateLogGroup"](services.logs, {"logGroupName": name})
    except ServiceError as error:
        if error.code != "ResourceAlreadyExistsException":
            raise
    days = resource.properties.get("RetentionInDays")
    if days is not None:
        put = LOGS_OPERATIONS["PutRetentionPolicy"]
        put(services.logs, {"logGroupName": name, "retentionInDays": int(days)})


def _alarm(resource: TemplateResource, services: Services) -> None:
    """An alarm the template declares: PutMetricAlarm with its properties (the same names
    as the API's), named by its physical id; a redeploy updates it in place.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html
    """
    if services.cloudwatch is None:
        return
    params = dict(resource.properties)
    params["AlarmName"] = resource.physical_id
    services.cloudwatch.alarms.put(params)


def _dashboard(resource: TemplateResource, services: Services) -> None:
    """https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-dashboard.html"""
    if services.cloudwatch is None:
        return
    body = resource.properties["DashboardBody"]
    text = body if isinstance(body, str) else json.dumps(body)
    services.cloudwatch.dashboards.put(resource.physical_id, text)


def _cloudfront(resource: TemplateResource, services: Services) -> None:
    if services.cloudfront is not None:
        cloudfront.provision(resource, services.cloudfront, services.account_id)


_PROVISIONERS = {
    **{kind: _cloudfront for kind in cloudfront.CLOUDFRONT_TYPES},
    LOG_GROUP: _log_group,
    ALARM: _alarm,
    DASHBOARD: _dashboard,
    BUCKET: _bucket,
    BUCKET_POLICY: _bucket_policy,
    KMS_KEY: _key,
    KMS_ALIAS: _alias,
    SECRET: _secret,
    ROTATION_SCHEDULE: _rotation_schedule,
    USER_POOL: _user_pool,
    USER_POOL_CLIENT: _user_pool_client,
    USER_POOL_GROUP: _user_pool_group,
    USER_POOL_IDP: _user_pool_identity_provider,
    USER_POOL_RESOURCE_SERVER: _user_pool_resource_server,
    USER_POOL_DOMAIN: _user_pool_domain,
}
