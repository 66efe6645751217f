"""`lamina delete` on a stack `lamina up` deployed and then stopped: the resources go in
CloudFormation's way (a Retain table survives, a non-empty bucket leaves the stack
DELETE_FAILED until a retry finds it empty), and a second `lamina up` finds fresh ones."""

from __future__ import annotations

import asyncio
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from lamina.cli.control import GENERATION
from lamina.cli.operator import find_serving
from lamina.cli.provision import stack_context
from lamina.core.store_open import open_store
from lamina.core.store_sqlite import SqliteStore
from lamina.services.cognito_idp.model import Group, Pool
from lamina.services.cognito_idp.provider import CognitoIdpProvider
from lamina.services.kms.provider import KmsProvider
from lamina.services.lambda_.mapping_records import MAPPINGS
from lamina.services.s3.provider import S3Provider
from tests.clients import aws_client, lamina_cli
from tests.conftest import LaminaProcess

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Notes:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: notes
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  Archive:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Retain
    Properties:
      TableName: archive
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Key:
    Type: AWS::KMS::Key
    Properties:
      PendingWindowInDays: 7
  Token:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: token
      SecretString: first
  Pool:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolName: people
  PoolClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
  Staff:
    Type: AWS::Cognito::UserPool
    DeletionPolicy: Retain
    Properties:
      UserPoolName: staff
  Admins:
    Type: AWS::Cognito::UserPoolGroup
    Properties:
      UserPoolId: !Ref Staff
      GroupName: admins
  StaffDomain:
    Type: AWS::Cognito::UserPoolDomain
    Properties:
      UserPoolId: !Ref Staff
      Domain: staff-login
  Files:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: files
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: hello
      Runtime: python3.11
      CodeUri: src/
      Handler: app.handler
      Events:
        Rest: {Type: Api, Properties: {Path: /hello, Method: get}}
        Http: {Type: HttpApi, Properties: {Path: /hi, Method: get}}
        Changes:
          Type: DynamoDB
          Properties: {Stream: !GetAtt Notes.StreamArn, StartingPosition: LATEST}
"""

HANDLER = """\
def handler(event, context):
    return {"statusCode": 200, "body": "hello"}
"""


def _app(tmp_path: Path) -> Path:
    app = tmp_path / "shop"
    (app / "src").mkdir(parents=True)
    (app / "template.yaml").write_text(TEMPLATE)
    (app / "src" / "app.py").write_text(textwrap.dedent(HANDLER))
    return app


def _s3_call(state: Path, operation: str, **params: Any) -> None:
    """An S3 operation on the state folder while no `lamina up` runs."""
    provider = S3Provider(state_dir=state, account_id="000000000000")
    context = stack_context("s3", operation, region="us-east-1", account_id="000000000000")

    async def call() -> None:
        await provider.handlers()[operation](context, params)

    try:
        asyncio.run(call())
    finally:
        provider.close()


def test_delete_removes_the_stack_keeps_retained_and_retries_a_failed_bucket(
    tmp_path: Path,
) -> None:
    app, state = _app(tmp_path), tmp_path / "state"
    lamina = LaminaProcess(app, "--no-watch", state_dir=state)
    try:
        assert httpx.get(f"{lamina.base}/hi", timeout=30).text == "hello"
        dynamodb = aws_client(lamina.base, "dynamodb")
        dynamodb.put_item(TableName="notes", Item={"id": {"S": "n1"}})
        dynamodb.put_item(TableName="archive", Item={"id": {"S": "a1"}})
        aws_client(lamina.base, "secretsmanager").put_secret_value(
            SecretId="token", SecretString="second"
        )
        pools = aws_client(lamina.base, "cognito-idp").list_user_pools(MaxResults=10)["UserPools"]
        pool_id = next(pool["Id"] for pool in pools if pool["Name"] == "people")
        mappings = aws_client(lamina.base, "lambda").list_event_source_mappings()[
            "EventSourceMappings"
        ]
        assert len(mappings) == 1
        aws_client(lamina.base, "cognito-idp").admin_create_user(UserPoolId=pool_id, Username="ann")
        published = aws_client(lamina.base, "lambda").publish_version(FunctionName="hello")
        assert published["Version"] == "1"
        aws_client(lamina.base, "s3").put_object(Bucket="files", Key="left.txt", Body=b"x")
        rest_id = aws_client(lamina.base, "apigateway").get_rest_apis()["items"][0]["id"]
        deployment = aws_client(lamina.base, "apigateway").create_deployment(restApiId=rest_id)
        aws_client(lamina.base, "apigateway").create_stage(
            restApiId=rest_id, stageName="extra", deploymentId=deployment["id"]
        )
    finally:
        lamina.stop()

    # The bucket still holds an object: it fails, everything else is deleted.
    before = _generation(state)
    first = lamina_cli("delete", str(app), "--state-dir", str(state), "--no-confirm")
    assert _generation(state) > before  # nodes following a shared store rebuild
    assert first.returncode == 1, first
    assert "Stack shop (CREATE_COMPLETE)" in first.stdout
    assert "Retain      Archive" in first.stdout
    assert "DELETE_SKIPPED   Archive" in first.stdout
    assert "DELETE_FAILED    Files" in first.stdout and "BucketNotEmpty" in first.stdout
    assert "DELETE_COMPLETE  Notes" in first.stdout
    assert "DELETE_COMPLETE  Hello" in first.stdout
    assert "shop: DELETE_FAILED: The following resource(s) failed to delete: [Files]" in (
        first.stdout
    )
    assert "Function logs stay under" in first.stdout
    listed = lamina_cli("stacks", str(app), "--state-dir", str(state))
    assert "shop  DELETE_FAILED  1 resources" in listed.stdout, listed
    assert "failed to delete: [Files]" in listed.stdout

    # The mapping is gone; the retained pool stays, without its group and domain.
    control = SqliteStore(state / "control.sqlite3")  # mappings live in the state's store
    assert control.scan(MAPPINGS) == []
    control.close()
    cognito = CognitoIdpProvider(
        state_dir=state,
        region="us-east-1",
        account_id="000000000000",
        kms=KmsProvider(state_dir=state, region="us-east-1", account_id="000000000000"),
    )
    try:
        pools = {pool.name: pool for pool in cognito.store.all(Pool, "")}
        assert set(pools) == {"staff"} and pools["staff"].domain == ""
        assert cognito.store.all(Group, pools["staff"].id) == []
    finally:
        cognito.close()

    # Emptied, the retry deletes what was left and forgets the stack.
    _s3_call(state, "DeleteObject", Bucket="files", Key="left.txt")
    retry = lamina_cli("delete", str(app), "--state-dir", str(state), "--no-confirm")
    assert retry.returncode == 0, retry
    assert "1 resources to delete, 0 retained" in retry.stdout
    assert "shop: DELETE_COMPLETE" in retry.stdout
    listed = lamina_cli("stacks", str(app), "--state-dir", str(state))
    assert "shop" not in listed.stdout and "No stacks yet" in listed.stdout
    gone = lamina_cli("delete", str(app), "--state-dir", str(state), "--no-confirm")
    assert gone.returncode == 2 and "Stack with id shop does not exist" in gone.stderr

    # A new `lamina up` creates the stack afresh: the deleted resources come back empty,
    # the retained table keeps its item.
    lamina = LaminaProcess(app, "--no-watch", state_dir=state)
    try:
        dynamodb = aws_client(lamina.base, "dynamodb")
        assert dynamodb.scan(TableName="notes")["Count"] == 0
        assert dynamodb.scan(TableName="archive")["Items"] == [{"id": {"S": "a1"}}]
        secrets = aws_client(lamina.base, "secretsmanager")
        assert secrets.get_secret_value(SecretId="token")["SecretString"] == "first"
        versions = secrets.list_secret_version_ids(SecretId="token")["Versions"]
        assert len(versions) == 1  # created anew, not the old one with a third version
        assert aws_client(lamina.base, "cognito-idp").list_users(UserPoolId=pool_id)["Users"] == []
        functions = aws_client(lamina.base, "lambda").list_versions_by_function(
            FunctionName="hello"
        )
        assert [v["Version"] for v in functions["Versions"]] == ["$LATEST"]
        stages = aws_client(lamina.base, "apigateway").get_stages(restApiId=rest_id)["item"]
        assert "extra" not in {stage["stageName"] for stage in stages}
        assert aws_client(lamina.base, "s3").list_objects_v2(Bucket="files")["KeyCount"] == 0
        kms = aws_client(lamina.base, "kms")
        states = [
            kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"] for key in kms.list_keys()["Keys"]
        ]
        # Deleted with its 7-day window, then declared again by the template: usable again.
        assert {key["KeyState"] for key in states} == {"Enabled"}
    finally:
        lamina.stop()


def test_delete_refuses_while_served_and_asks_first(tmp_path: Path) -> None:
    app, state = _app(tmp_path), tmp_path / "state"
    lamina = LaminaProcess(app, "--no-watch", state_dir=state)
    try:
        deadline = time.monotonic() + 20
        while find_serving(state) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        refused = lamina_cli("delete", str(app), "--state-dir", str(state), "--no-confirm")
        assert refused.returncode == 2 and "stop it first" in refused.stderr, refused
        aws_client(lamina.base, "dynamodb").put_item(TableName="notes", Item={"id": {"S": "n1"}})
    finally:
        lamina.stop()

    unknown = lamina_cli("delete", str(app), "--state-dir", str(state), "--stack-name", "other")
    assert unknown.returncode == 2 and "Stack with id other does not exist" in unknown.stderr

    declined = lamina_cli("delete", str(app), "--state-dir", str(state), answer="n\n")
    assert declined.returncode == 1 and "Nothing deleted." in declined.stdout, declined
    assert "- Delete    Notes" in declined.stdout
    listed = lamina_cli("stacks", str(app), "--state-dir", str(state))
    assert "shop  CREATE_COMPLETE" in listed.stdout

    lamina = LaminaProcess(app, "--no-watch", state_dir=state)
    try:
        assert aws_client(lamina.base, "dynamodb").scan(TableName="notes")["Count"] == 1
    finally:
        lamina.stop()


def _generation(state: Path) -> int:
    """The counter the nodes sharing a store follow (cli/control.py)."""
    store = open_store(None, state)
    try:
        return int(store.get(*GENERATION) or b"0")
    finally:
        store.close()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3 talks to loopback only."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
