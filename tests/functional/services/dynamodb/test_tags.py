"""TagResource, UntagResource, ListTagsOfResource and CreateTable's Tags, through boto3.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Tagging.html
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .backend import Backend
from .conftest import ACCOUNT, REGION, DynamoDbServer, create_table

ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/"


def tags_of(client: Any, table: str) -> dict[str, str]:
    found = client.list_tags_of_resource(ResourceArn=ARN + table)["Tags"]
    return {tag["Key"]: tag["Value"] for tag in found}


def tag(client: Any, table: str, **tags: str) -> None:
    pairs = [{"Key": key, "Value": value} for key, value in tags.items()]
    client.tag_resource(ResourceArn=ARN + table, Tags=pairs)


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def test_list_tags_untagged_table_returns_empty(client: Any) -> None:
    create_table(client, "bare", None)
    assert tags_of(client, "bare") == {}


def test_create_table_tags_are_listed(client: Any) -> None:
    create_table(client, "born", None, Tags=[{"Key": "team", "Value": "data"}])
    assert tags_of(client, "born") == {"team": "data"}


def test_tag_resource_adds_and_overwrites_tags(client: Any) -> None:
    create_table(client, "tagged", None, Tags=[{"Key": "env", "Value": "dev"}])
    tag(client, "tagged", env="prod", owner="ops", empty="")
    assert tags_of(client, "tagged") == {"env": "prod", "owner": "ops", "empty": ""}


def test_untag_resource_removes_keys_and_ignores_unknown_ones(client: Any) -> None:
    create_table(client, "untag", None)
    tag(client, "untag", a="1", b="2")
    client.untag_resource(ResourceArn=ARN + "untag", TagKeys=["a", "never"])
    assert tags_of(client, "untag") == {"b": "2"}


def test_tags_survive_provider_restart(tmp_path: Path, backend: Backend) -> None:
    first = DynamoDbServer(tmp_path / "state", url=backend.url)
    create_table(first.client(), "kept", None)
    tag(first.client(), "kept", team="data")
    first.close()
    second = DynamoDbServer(tmp_path / "state", url=backend.url)
    try:
        assert tags_of(second.client(), "kept") == {"team": "data"}
    finally:
        second.close()


def test_tag_resource_past_fifty_tags_raises_validation(client: Any) -> None:
    create_table(client, "full", None)
    tag(client, "full", **{f"k{number}": "v" for number in range(30)})
    tag(client, "full", **{f"k{number}": "w" for number in range(20, 50)})
    with pytest.raises(ClientError) as excinfo:
        tag(client, "full", k50="v")
    assert error_of(excinfo)[0] == "ValidationException"
    assert len(tags_of(client, "full")) == 50


def test_create_table_with_too_many_tags_creates_nothing(client: Any) -> None:
    tags = [{"Key": f"k{number}", "Value": "v"} for number in range(51)]
    with pytest.raises(ClientError) as excinfo:
        create_table(client, "crowded", None, Tags=tags)
    assert error_of(excinfo)[0] == "ValidationException"
    assert client.list_tables()["TableNames"] == []


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("k" * 129, "v", "Tag key must be between 1 and 128 characters"),
        ("k", "v" * 257, "Tag value must be between 0 and 256 characters"),
    ],
)
def test_tag_resource_oversized_key_or_value_raises_validation(
    client: Any, key: str, value: str, message: str
) -> None:
    create_table(client, "sized", None)
    with pytest.raises(ClientError) as excinfo:
        tag(client, "sized", **{key: value})
    assert error_of(excinfo) == (
        "ValidationException",
        f"One or more parameter values were invalid: {message}",
    )
    tag(client, "sized", **{"k" * 128: "v" * 256})
    assert tags_of(client, "sized") == {"k" * 128: "v" * 256}


def test_tag_resource_missing_table_raises_not_found(client: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        tag(client, "absent", a="1")
    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        f"Requested resource not found: ResourcArn: {ARN}absent not found",
    )


def test_list_tags_of_index_arn_raises_invalid_table_arn(client: Any) -> None:
    create_table(client, "indexed", None)
    arn = ARN + "indexed/index/by_g"
    with pytest.raises(ClientError) as excinfo:
        client.list_tags_of_resource(ResourceArn=arn)
    assert error_of(excinfo) == (
        "ValidationException",
        f"Invalid TableArn: Invalid ResourceArn provided as input {arn}",
    )


def test_tag_resource_without_tags_raises_validation(client: Any) -> None:
    create_table(client, "none", None)
    with pytest.raises(ClientError) as excinfo:
        client.tag_resource(ResourceArn=ARN + "none", Tags=[])
    assert error_of(excinfo) == (
        "ValidationException",
        "Atleast one Tag needs to be provided as Input.",
    )


def test_deleted_table_tags_are_gone_when_recreated(client: Any) -> None:
    create_table(client, "again", None, Tags=[{"Key": "old", "Value": "1"}])
    client.delete_table(TableName="again")
    create_table(client, "again", None)
    assert tags_of(client, "again") == {}
