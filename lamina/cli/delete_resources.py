"""Deleting one stack resource through its service, for `lamina delete` (cli/delete.py).

The providers are the ones `lamina up` serves (cli/serve.py), opened over the state folder
and its store without listening, each only when the stack has a resource of its service.
A resource already gone counts as deleted, as CloudFormation treats it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from contextlib import AsyncExitStack
from functools import cached_property
from pathlib import Path
from typing import Any

from lamina.aws.service import ServiceError
from lamina.cli.provision import stack_context
from lamina.cli.stack import StackRecord
from lamina.core.store import Store
from lamina.functions.service import FunctionService
from lamina.services.apigateway.adopt import forget_removed
from lamina.services.apigateway.provider import ApiGatewayProvider
from lamina.services.apigatewayv2.adopt import forget_missing
from lamina.services.apigatewayv2.provider import ApiGatewayV2Provider
from lamina.services.cognito_idp.model import Client, Group, Pool
from lamina.services.cognito_idp.provider import CognitoIdpProvider
from lamina.services.dynamodb.backend import BackendError
from lamina.services.dynamodb.provider import DynamoDbProvider
from lamina.services.kms.provider import KmsProvider
from lamina.services.lambda_.mappings import EventSourceMappings
from lamina.services.lambda_.records import LambdaRecords
from lamina.services.lambda_.state import LambdaState
from lamina.services.s3.provider import S3Provider
from lamina.services.secretsmanager.provider import SecretsManagerProvider

NOT_STORED = "served from the template; nothing was kept for it"

KMS_PENDING_WINDOW_DAYS = 30
"""The waiting period CloudFormation gives a KMS key removed from a stack when the template
sets no PendingWindowInDays (7 to 30).
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html
"""

GONE = frozenset(
    {
        "ResourceNotFoundException",  # DynamoDB, Secrets Manager, Cognito
        "NotFoundException",  # KMS, API Gateway
        "NoSuchBucket",  # S3
    }
)


class Deleter:
    """Deletes a stack's resources; `delete` answers None or why it failed."""

    stored_types = frozenset(
        {
            "AWS::ApiGateway::RestApi",
            "AWS::ApiGatewayV2::Api",
            "AWS::Lambda::EventSourceMapping",
            "AWS::Lambda::Function",
            "AWS::SecretsManager::RotationSchedule",
            "AWS::DynamoDB::Table",
            "AWS::SecretsManager::Secret",
            "AWS::Cognito::UserPoolDomain",
            "AWS::Cognito::UserPoolGroup",
            "AWS::Cognito::UserPoolClient",
            "AWS::Cognito::UserPool",
            "AWS::KMS::Alias",
            "AWS::KMS::Key",
            "AWS::S3::Bucket",
        }
    )
    """Types whose resources the state keeps; the others (permissions, layers, roles, IAM
    users, template keys, plans and domains) live only in the template `lamina up` reads."""

    def __init__(
        self,
        stack: StackRecord,
        state_dir: Path,
        store: Store,
        *,
        dynamodb_url: str | None = None,
        template: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.stack = stack
        self.state_dir = state_dir
        self.store = store
        self.dynamodb_url = dynamodb_url
        self.region = stack.region  # as the stack was deployed (lamina up --region ...)
        self.account_id = stack.account_id
        self.template = template or {}
        """The template's resources by logical id (Type, Properties ...), when at hand."""
        self._opened = AsyncExitStack()
        """Closes what was opened, dependents before the keys they use."""

    async def delete(self, logical_id: str, type_: str, physical_id: str) -> str | None:
        if type_ not in self.stored_types:
            return None
        try:
            await self._delete(logical_id, type_, physical_id)
        except ServiceError as error:
            if error.code in GONE:
                return None
            return f"{error.message} (Error Code: {error.code})"
        except BackendError as error:  # --dynamodb names a database that is not there
            return str(error)
        return None

    async def _delete(self, logical_id: str, type_: str, physical_id: str) -> None:
        if type_ == "AWS::ApiGateway::RestApi":
            kept = {k for k, r in self.stack.resources.items() if r.type == type_}
            forget_removed(self.rest, self.stack.name, kept - {logical_id})
        elif type_ == "AWS::ApiGatewayV2::Api":
            kept_ids = [r.physical_id for r in self.stack.resources.values() if r.type == type_]
            forget_missing(
                self.http, [i for i in kept_ids if i != physical_id], stack_name=self.stack.name
            )
        elif type_ == "AWS::Lambda::EventSourceMapping":
            # The id mappings.adopt gives a template's mapping (stack name / logical id).
            key = f"lamina-event-source-mapping:{self.stack.name}/{logical_id}"
            mapping_id = str(uuid.uuid5(uuid.NAMESPACE_URL, key))
            mappings = EventSourceMappings(self.lambda_state, self.state_dir)
            await self._call(
                mappings.handlers(), "lambda", "DeleteEventSourceMapping", UUID=mapping_id
            )
        elif type_ == "AWS::Lambda::Function":
            forget_function(self.lambda_records, physical_id)
        else:
            await self._delete_data(logical_id, type_, physical_id)

    async def _delete_data(self, logical_id: str, type_: str, physical_id: str) -> None:
        if type_ == "AWS::DynamoDB::Table":
            await self._call(
                self.dynamodb.handlers(), "dynamodb", "DeleteTable", TableName=physical_id
            )
        elif type_ == "AWS::SecretsManager::RotationSchedule":
            await self._call(
                self.secrets.handlers(),
                "secretsmanager",
                "CancelRotateSecret",
                SecretId=physical_id,
            )
        elif type_ == "AWS::SecretsManager::Secret":
            # CloudFormation's secret handler deletes without a recovery window, so the same
            # name can be created again at once.
            await self._call(
                self.secrets.handlers(),
                "secretsmanager",
                "DeleteSecret",
                SecretId=physical_id,
                ForceDeleteWithoutRecovery=True,
            )
        elif type_ == "AWS::KMS::Alias":
            await self._call(self.kms.handlers(), "kms", "DeleteAlias", AliasName=physical_id)
        elif type_ == "AWS::KMS::Key":
            await self._schedule_key_deletion(logical_id, physical_id)
        elif type_ == "AWS::S3::Bucket":
            await self._call(self.s3.handlers(), "s3", "DeleteBucket", Bucket=physical_id)
        else:
            await self._delete_identity(type_, physical_id)

    async def _schedule_key_deletion(self, logical_id: str, key_id: str) -> None:
        properties = self.template.get(logical_id, {}).get("Properties")
        given = properties.get("PendingWindowInDays") if isinstance(properties, dict) else None
        days = int(given) if isinstance(given, int | str) and str(given).isdigit() else None
        try:
            await self._call(
                self.kms.handlers(),
                "kms",
                "ScheduleKeyDeletion",
                KeyId=key_id,
                PendingWindowInDays=days or KMS_PENDING_WINDOW_DAYS,
            )
        except ServiceError as error:
            if error.code != "KMSInvalidStateException":  # already pending deletion
                raise

    async def _delete_identity(self, type_: str, physical_id: str) -> None:
        cognito = self.cognito
        if type_ == "AWS::Cognito::UserPool":
            await self._call(
                cognito.handlers(), "cognito-idp", "DeleteUserPool", UserPoolId=physical_id
            )
        elif type_ == "AWS::Cognito::UserPoolClient":
            # Cognito's DeleteUserPoolClient; the operation is not served by Lamina yet, so
            # its record goes the way provision.py writes it.
            pool, client = cognito.client(physical_id)
            cognito.store.delete(Client, pool.id, client.id)
        elif type_ == "AWS::Cognito::UserPoolGroup":
            for pool in self._pools():
                if cognito.store.get(Group, pool.id, physical_id) is not None:
                    cognito.store.delete(Group, pool.id, physical_id)
        elif type_ == "AWS::Cognito::UserPoolDomain":
            for pool in cognito.store.all(Pool, ""):
                if pool.domain == physical_id:
                    pool.domain, pool.modified = "", cognito.now()
                    cognito.store.put("", pool.id, pool)

    def _pools(self) -> list[Pool]:
        """The stack's user pools first (a group name is unique only within its pool)."""
        ours = {
            r.physical_id
            for r in self.stack.resources.values()
            if r.type == "AWS::Cognito::UserPool"
        }
        pools = self.cognito.store.all(Pool, "")
        return [pool for pool in pools if pool.id in ours] or pools

    async def _call(
        self, handlers: Mapping[str, Any], service: str, operation: str, **params: Any
    ) -> None:
        context = stack_context(service, operation, region=self.region, account_id=self.account_id)
        await handlers[operation](context, params)

    # -- providers, opened on first use -----------------------------------------------------

    @cached_property
    def rest(self) -> ApiGatewayProvider:
        return ApiGatewayProvider(store=self.store, region=self.region, account_id=self.account_id)

    @cached_property
    def http(self) -> ApiGatewayV2Provider:
        return ApiGatewayV2Provider(self.store, region=self.region, account_id=self.account_id)

    @cached_property
    def lambda_records(self) -> LambdaRecords:
        return LambdaRecords(self.store, self.state_dir)

    @cached_property
    def lambda_state(self) -> LambdaState:
        functions = FunctionService(
            (), region=self.region, account_id=self.account_id, state_dir=self.state_dir
        )
        state = LambdaState(
            functions, region=self.region, account_id=self.account_id, state_dir=self.state_dir
        )
        self._opened.push_async_callback(state.async_invoker.close)
        return state

    @cached_property
    def dynamodb(self) -> DynamoDbProvider:
        provider = DynamoDbProvider(
            state_dir=self.state_dir,
            region=self.region,
            account_id=self.account_id,
            url=self.dynamodb_url,
        )
        self._opened.callback(provider.close)
        return provider

    @cached_property
    def kms(self) -> KmsProvider:
        provider = KmsProvider(
            state_dir=self.state_dir, region=self.region, account_id=self.account_id
        )
        self._opened.callback(provider.close)
        return provider

    @cached_property
    def secrets(self) -> SecretsManagerProvider:
        provider = SecretsManagerProvider(
            state_dir=self.state_dir, region=self.region, account_id=self.account_id, kms=self.kms
        )
        self._opened.callback(provider.close)
        return provider

    @cached_property
    def cognito(self) -> CognitoIdpProvider:
        provider = CognitoIdpProvider(
            state_dir=self.state_dir, region=self.region, account_id=self.account_id, kms=self.kms
        )
        self._opened.callback(provider.close)
        return provider

    @cached_property
    def s3(self) -> S3Provider:
        provider = S3Provider(state_dir=self.state_dir, account_id=self.account_id)
        self._opened.callback(provider.close)
        return provider

    async def close(self) -> None:
        """Close what was opened, dependents before the keys they use."""
        await self._opened.aclose()


def forget_function(records: LambdaRecords, name: str) -> None:
    """Delete what the Lambda API stored for function `name` (its published versions,
    aliases, permissions, invoke configs, counters), keeping the zips other functions or
    layers still use; the template's function itself is only in the template."""
    with records.store.transaction() as tx:
        configs = [v.config for v in records.versions.all("", tx) if v.config.name != name]
        configs += [
            f.latest
            for f in records.functions.all("", tx)
            if f.name != name and f.latest is not None
        ]
        referenced = records.used_zips(configs, records.layers.all("", tx))
        records.write_function(tx, name, None, referenced)
