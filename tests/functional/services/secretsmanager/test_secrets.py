"""Secrets Manager through boto3: secrets, versions, staging labels, deletion, passwords,
rotation, encryption at rest.

https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_Operations.html
"""

from __future__ import annotations

import asyncio
import sqlite3
import string
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lamina.services.secretsmanager.service import PUNCTUATION

from .conftest import Clock, SecretsServer

DAY = 86_400
NOT_FOUND = "Secrets Manager can't find the specified secret."


def _error(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]


def test_create_and_get_a_string_secret(sm: Any) -> None:
    created = sm.create_secret(Name="prod/db", SecretString='{"password":"p"}')
    assert created["Name"] == "prod/db"
    assert created["ARN"].startswith(
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-"
    )
    assert len(created["ARN"].rsplit("-", 1)[1]) == 6
    for secret_id in ("prod/db", created["ARN"], created["ARN"][:-7]):
        value = sm.get_secret_value(SecretId=secret_id)
        assert value["SecretString"] == '{"password":"p"}'
        assert value["VersionId"] == created["VersionId"]
        assert value["VersionStages"] == ["AWSCURRENT"]


def test_binary_secret(sm: Any) -> None:
    sm.create_secret(Name="blob", SecretBinary=b"\x00\x01")
    value = sm.get_secret_value(SecretId="blob")
    assert value["SecretBinary"] == b"\x00\x01" and "SecretString" not in value


def test_unknown_secret_is_not_found(sm: Any) -> None:
    with pytest.raises(ClientError) as error:
        sm.get_secret_value(SecretId="nope")
    assert _error(error) == ("ResourceNotFoundException", NOT_FOUND)


def test_name_taken(sm: Any) -> None:
    sm.create_secret(Name="x", SecretString="1")
    with pytest.raises(ClientError) as error:
        sm.create_secret(Name="x", SecretString="2")
    assert _error(error)[0] == "ResourceExistsException"


def test_put_moves_current_to_previous(sm: Any) -> None:
    first = sm.create_secret(Name="s", SecretString="v1")["VersionId"]
    second = sm.put_secret_value(SecretId="s", SecretString="v2")
    assert second["VersionStages"] == ["AWSCURRENT"]
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "v2"
    previous = sm.get_secret_value(SecretId="s", VersionStage="AWSPREVIOUS")
    assert previous["SecretString"] == "v1" and previous["VersionId"] == first
    third = sm.put_secret_value(SecretId="s", SecretString="v3")["VersionId"]
    stages = sm.describe_secret(SecretId="s")["VersionIdsToStages"]
    assert stages == {second["VersionId"]: ["AWSPREVIOUS"], third: ["AWSCURRENT"]}
    # The first version has no label left: listed only with IncludeDeprecated.
    listed = {v["VersionId"] for v in sm.list_secret_version_ids(SecretId="s")["Versions"]}
    assert first not in listed
    listed = sm.list_secret_version_ids(SecretId="s", IncludeDeprecated=True)["Versions"]
    assert first in {v["VersionId"] for v in listed}


def test_client_request_token_is_idempotent(sm: Any) -> None:
    token = "a" * 32
    sm.create_secret(Name="s", SecretString="v1")
    first = sm.put_secret_value(SecretId="s", SecretString="v2", ClientRequestToken=token)
    again = sm.put_secret_value(SecretId="s", SecretString="v2", ClientRequestToken=token)
    assert first["VersionId"] == again["VersionId"] == token
    with pytest.raises(ClientError) as error:
        sm.put_secret_value(SecretId="s", SecretString="other", ClientRequestToken=token)
    assert _error(error)[0] == "ResourceExistsException"


def test_pending_label_and_update_version_stage(sm: Any) -> None:
    current = sm.create_secret(Name="s", SecretString="old")["VersionId"]
    pending = sm.put_secret_value(SecretId="s", SecretString="new", VersionStages=["AWSPENDING"])
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "old"
    with pytest.raises(ClientError) as error:
        sm.update_secret_version_stage(
            SecretId="s", VersionStage="AWSCURRENT", MoveToVersionId=pending["VersionId"]
        )
    assert _error(error)[0] == "InvalidParameterException"
    sm.update_secret_version_stage(
        SecretId="s",
        VersionStage="AWSCURRENT",
        MoveToVersionId=pending["VersionId"],
        RemoveFromVersionId=current,
    )
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "new"
    assert sm.get_secret_value(SecretId="s", VersionStage="AWSPREVIOUS")["VersionId"] == current


def test_missing_stage_or_version(sm: Any) -> None:
    sm.create_secret(Name="empty")
    with pytest.raises(ClientError) as error:
        sm.get_secret_value(SecretId="empty")
    assert _error(error) == (
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
    )


def test_delete_with_recovery_window_then_restore(sm: Any, clock: Clock) -> None:
    sm.create_secret(Name="s", SecretString="v")
    with pytest.raises(ClientError) as error:
        sm.delete_secret(SecretId="s", RecoveryWindowInDays=7, ForceDeleteWithoutRecovery=True)
    assert _error(error) == (
        "InvalidParameterException",
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
    )
    with pytest.raises(ClientError) as error:
        sm.delete_secret(SecretId="s", RecoveryWindowInDays=6)
    assert _error(error)[0] == "InvalidParameterException"
    deleted = sm.delete_secret(SecretId="s", RecoveryWindowInDays=7)
    assert deleted["DeletionDate"].timestamp() == clock.now + 7 * DAY
    with pytest.raises(ClientError) as error:
        sm.get_secret_value(SecretId="s")
    assert _error(error) == (
        "InvalidRequestException",
        "You can't perform this operation on the secret because it was marked for deletion.",
    )
    assert "DeletedDate" in sm.describe_secret(SecretId="s")
    assert sm.list_secrets()["SecretList"] == []
    assert len(sm.list_secrets(IncludePlannedDeletion=True)["SecretList"]) == 1
    with pytest.raises(ClientError) as error:
        sm.create_secret(Name="s", SecretString="again")
    assert _error(error)[0] == "InvalidRequestException"
    sm.restore_secret(SecretId="s")
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "v"
    sm.delete_secret(SecretId="s")  # default window: 30 days
    clock.now += 30 * DAY
    with pytest.raises(ClientError) as error:
        sm.describe_secret(SecretId="s")
    assert _error(error) == ("ResourceNotFoundException", NOT_FOUND)
    sm.create_secret(Name="s", SecretString="reborn")


def test_force_delete(sm: Any) -> None:
    sm.create_secret(Name="s", SecretString="v")
    sm.delete_secret(SecretId="s", ForceDeleteWithoutRecovery=True)
    with pytest.raises(ClientError) as error:
        sm.describe_secret(SecretId="s")
    assert _error(error)[0] == "ResourceNotFoundException"


def test_list_filters_and_paging(sm: Any, clock: Clock) -> None:
    for name, tags in (("app/a", {"team": "x"}), ("app/b", {}), ("other", {"team": "y"})):
        clock.now += 1
        sm.create_secret(
            Name=name,
            SecretString="v",
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
            Description=f"secret {name}",
        )
    names = lambda **kw: [s["Name"] for s in sm.list_secrets(**kw)["SecretList"]]  # noqa: E731
    assert names() == ["app/a", "app/b", "other"]
    assert names(SortOrder="desc") == ["other", "app/b", "app/a"]
    assert names(Filters=[{"Key": "name", "Values": ["app/"]}]) == ["app/a", "app/b"]
    assert names(Filters=[{"Key": "tag-key", "Values": ["team"]}]) == ["app/a", "other"]
    assert names(Filters=[{"Key": "name", "Values": ["!app"]}]) == ["other"]
    first = sm.list_secrets(MaxResults=2)
    rest = sm.list_secrets(MaxResults=2, NextToken=first["NextToken"])
    assert [s["Name"] for s in first["SecretList"] + rest["SecretList"]] == [
        "app/a",
        "app/b",
        "other",
    ]


def test_random_password_rules(sm: Any) -> None:
    password = sm.get_random_password()["RandomPassword"]
    assert len(password) == 32
    for group in (string.ascii_lowercase, string.ascii_uppercase, string.digits, PUNCTUATION):
        assert any(char in group for char in password)
    plain = sm.get_random_password(
        PasswordLength=20, ExcludePunctuation=True, ExcludeCharacters="abc0"
    )["RandomPassword"]
    assert len(plain) == 20
    assert not set(plain) & set(PUNCTUATION + "abc0")


def test_values_are_encrypted_at_rest(sm: Any, tmp_path: Path) -> None:
    sm.create_secret(Name="s", SecretString="very-secret-text")
    database = tmp_path / "secretsmanager" / "secrets.sqlite"
    with sqlite3.connect(database) as db:
        blobs = b"".join(row[0] for row in db.execute("SELECT record FROM secrets"))
    assert b"very-secret-text" not in blobs


def test_secret_under_a_customer_key_fails_once_the_key_is_disabled(server: SecretsServer) -> None:
    sm, kms = server.client(), server.client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    sm.create_secret(Name="s", SecretString="v", KmsKeyId=key)
    assert sm.describe_secret(SecretId="s")["KmsKeyId"] == key
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "v"
    kms.disable_key(KeyId=key)
    with pytest.raises(ClientError) as error:
        sm.get_secret_value(SecretId="s")
    assert _error(error)[0] == "DecryptionFailure"
    # The default key is the AWS managed alias/aws/secretsmanager.
    sm.create_secret(Name="t", SecretString="v")
    aliases = [a["AliasName"] for a in kms.list_aliases()["Aliases"]]
    assert "alias/aws/secretsmanager" in aliases


def test_secrets_survive_a_restart(tmp_path: Path, clock: Clock) -> None:
    first = SecretsServer(tmp_path, clock)
    first.client().create_secret(Name="kept", SecretString="v")
    first.close()
    second = SecretsServer(tmp_path, clock)
    try:
        assert second.client().get_secret_value(SecretId="kept")["SecretString"] == "v"
    finally:
        second.close()


def test_rotation_runs_the_four_steps(tmp_path: Path, clock: Clock) -> None:
    steps: list[str] = []
    holder: dict[str, SecretsServer] = {}

    async def rotate(function: str, event: dict[str, Any]) -> None:
        # A rotation function as AWS's templates write it, run in a thread because it
        # calls back into the same server with boto3.
        steps.append(event["Step"])
        await asyncio.to_thread(_rotation_step, holder["server"].client(), event)

    server = SecretsServer(tmp_path, clock, rotate)
    holder["server"] = server
    try:
        sm = server.client()
        sm.create_secret(Name="db", SecretString="old")
        with pytest.raises(ClientError) as error:
            sm.rotate_secret(SecretId="db")
        assert _error(error)[0] == "InvalidRequestException"
        started = sm.rotate_secret(
            SecretId="db",
            RotationLambdaARN="arn:aws:lambda:us-east-1:123456789012:function:rotator",
            RotationRules={"AutomaticallyAfterDays": 30},
        )
        server.wait_for_rotations()
        assert steps == ["createSecret", "setSecret", "testSecret", "finishSecret"]
        value = sm.get_secret_value(SecretId="db")
        assert value["VersionId"] == started["VersionId"]
        assert value["SecretString"].startswith("rotated-")
        described = sm.describe_secret(SecretId="db")
        assert described["RotationEnabled"] is True
        assert described["RotationRules"]["AutomaticallyAfterDays"] == 30
        assert "LastRotatedDate" in described
        assert (
            sm.get_secret_value(SecretId="db", VersionStage="AWSPREVIOUS")["SecretString"] == "old"
        )
    finally:
        server.close()


def _rotation_step(sm: Any, event: dict[str, Any]) -> None:
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    if step == "createSecret":
        password = sm.get_random_password(ExcludePunctuation=True)["RandomPassword"]
        sm.put_secret_value(
            SecretId=arn,
            ClientRequestToken=token,
            SecretString=f"rotated-{password}",
            VersionStages=["AWSPENDING"],
        )
    elif step == "finishSecret":
        current = next(
            version_id
            for version_id, stages in sm.describe_secret(SecretId=arn)["VersionIdsToStages"].items()
            if "AWSCURRENT" in stages
        )
        sm.update_secret_version_stage(
            SecretId=arn,
            VersionStage="AWSCURRENT",
            MoveToVersionId=token,
            RemoveFromVersionId=current,
        )
