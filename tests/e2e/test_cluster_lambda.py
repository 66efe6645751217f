"""Two `lamina up` nodes on one PostgreSQL store follow each other's Lambda API changes:
a function created through one node is invoked through the other within seconds, code
updated, published and aliased on the second is what the first runs for the alias, and a
function deleted on the first is gone on the second."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from lamina.core.store_postgres import drop_schema
from tests.clients import until
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "proxy"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def _lambda(base: str) -> Any:
    return boto3.client(
        "lambda",
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _zip(answer: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("made.py", f"def handler(event, context):\n    return {answer!r}\n")
    return buffer.getvalue()


def _answer(client: Any, qualifier: str | None = None) -> Any:
    """What `made` answers through `client` (None when the node does not know it)."""
    extra = {"Qualifier": qualifier} if qualifier else {}
    try:
        response = client.invoke(FunctionName="made", Payload=b"{}", **extra)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise
    return json.loads(response["Payload"].read())


def test_nodes_on_one_store_follow_each_others_functions(tmp_path: Path) -> None:
    schema = f"lamina_test_cluster_lambda_{uuid.uuid4().hex[:10]}"
    store = f"{POSTGRES}?schema={schema}"
    one = LaminaProcess(APP, "--store", store, state_dir=tmp_path / "one")
    two = LaminaProcess(APP, "--store", store, state_dir=tmp_path / "two")
    try:
        first, second = _lambda(one.base), _lambda(two.base)
        first.create_function(
            FunctionName="made",
            Runtime="python3.11",
            Role="arn:aws:iam::123456789012:role/made",
            Handler="made.handler",
            Code={"ZipFile": _zip("v1")},
        )
        assert _answer(first) == "v1"
        assert until(lambda: _answer(second) == "v1"), two.output()[-2000:]

        # Node two runs the old code warm; its update, version and alias reach node one.
        second.update_function_code(FunctionName="made", ZipFile=_zip("v2"))
        assert _answer(second) == "v2"
        version = second.publish_version(FunctionName="made")["Version"]
        second.create_alias(FunctionName="made", Name="live", FunctionVersion=version)
        assert until(lambda: _answer(first, "live") == "v2"), one.output()[-2000:]
        assert _answer(first) == "v2"  # $LATEST redeployed: its warm v1 worker retired
        alias = first.get_alias(FunctionName="made", Name="live")
        assert alias["FunctionVersion"] == version

        first.delete_function(FunctionName="made")
        assert until(lambda: _answer(second) is None), two.output()[-2000:]
        try:
            second.get_function(FunctionName="made")
            raise AssertionError("node two still knows the deleted function")
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ResourceNotFoundException"
        # The template's functions are untouched on both nodes.
        template = {f["FunctionName"] for f in first.list_functions()["Functions"]}
        assert template == {f["FunctionName"] for f in second.list_functions()["Functions"]}
        assert template
    finally:
        one.stop()
        two.stop()
        drop_schema(POSTGRES, schema)
