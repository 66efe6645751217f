"""What the Lambda API creates survives a restart: a LambdaProvider over a real
control-plane Store (SQLite, PostgreSQL) is stopped and built again over the same store,
and every Get/List answers as before and the functions, versions and aliases still run.

On PostgreSQL the second instance gets a fresh state directory (another machine of a
cluster): the code comes from the store. On SQLite the unpacked code is deleted first."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from lamina.core.store import Store
from lamina.core.store_open import open_store
from lamina.core.store_postgres import drop_schema
from lamina.functions.model import FunctionConfig
from lamina.functions.service import FunctionService
from lamina.services.lambda_ import LambdaProvider
from tests.loopback import ACCOUNT, REGION, LoopbackServer

from .conftest import ROLE, zipped

POSTGRES_URL = os.environ.get(
    "LAMINA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


class Backend:
    """Where one test's store lives: SQLite in the state directory, or a PostgreSQL schema
    of its own (dropped at the end)."""

    def __init__(self, kind: str, state_dir: Path) -> None:
        self.kind = kind
        self.state_dir = state_dir
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.schema = f"lamina_test_lambda_{worker}_{uuid.uuid4().hex[:12]}"
        self.url = None if kind == "sqlite" else f"{POSTGRES_URL}?schema={self.schema}"

    def open(self, state_dir: Path | None = None) -> Store:
        return open_store(self.url, state_dir or self.state_dir)

    def cleanup(self) -> None:
        if self.kind == "postgresql":
            drop_schema(POSTGRES_URL, self.schema)


class StoredLambda(LoopbackServer):
    """LambdaProvider over a FunctionService (holding ``template`` functions) and a Store."""

    def __init__(
        self, backend: Backend, state_dir: Path, template: Iterable[FunctionConfig] = ()
    ) -> None:
        super().__init__()
        self.store = backend.open(state_dir)
        self.functions = FunctionService(
            template, region=REGION, account_id=ACCOUNT, state_dir=state_dir
        )
        self.provider = LambdaProvider(
            self.functions,
            region=REGION,
            account_id=ACCOUNT,
            state_dir=state_dir,
            store=self.store,
        )
        self.serve(self.provider)

    def client(self) -> Any:
        return boto3.client("lambda", **self.client_options())

    def release(self) -> None:
        self.run(self.functions.close())
        self.store.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    chosen = Backend(request.param, tmp_path / "state")
    try:
        yield chosen
    finally:
        chosen.cleanup()


ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function"
REVISION = """
def handler(event, context):
    return {{"revision": {revision!r}, "version": context.function_version}}
"""
READS_LAYER = """
def handler(event, context):
    return open("/opt/greeting.txt").read()
"""


def restart(
    server: StoredLambda, backend: Backend, template: Iterable[FunctionConfig] = ()
) -> StoredLambda:
    """Stop ``server`` and build another over the same store, without the unpacked code."""
    server.close()
    if backend.kind == "sqlite":
        state_dir = backend.state_dir
        for folder in ("code", "layers"):
            shutil.rmtree(state_dir / folder, ignore_errors=True)
    else:
        state_dir = backend.state_dir.with_name("other-node")
    return StoredLambda(backend, state_dir, template)


def answers(client: Any) -> dict[str, Any]:
    """Everything the Get/List operations say about the test's functions and layer."""
    calls: dict[str, Callable[[], Any]] = {
        "function": lambda: client.get_function(FunctionName="fn"),
        "version1": lambda: client.get_function(FunctionName="fn", Qualifier="1"),
        "configuration": lambda: client.get_function_configuration(FunctionName="fn:live"),
        "functions": lambda: client.list_functions(FunctionVersion="ALL"),
        "versions": lambda: client.list_versions_by_function(FunctionName="fn"),
        "aliases": lambda: client.list_aliases(FunctionName="fn"),
        "alias": lambda: client.get_alias(FunctionName="fn", Name="live"),
        "policy": lambda: client.get_policy(FunctionName="fn"),
        "alias policy": lambda: client.get_policy(FunctionName="fn", Qualifier="live"),
        "concurrency": lambda: client.get_function_concurrency(FunctionName="fn"),
        "invoke config": lambda: client.get_function_event_invoke_config(FunctionName="fn"),
        "invoke configs": lambda: client.list_function_event_invoke_configs(FunctionName="fn"),
        "with layer": lambda: client.get_function(FunctionName="layered"),
        "layers": lambda: client.list_layers(),
        "layer versions": lambda: client.list_layer_versions(LayerName="greeting"),
        "layer": lambda: client.get_layer_version(LayerName="greeting", VersionNumber=1),
        "account": lambda: client.get_account_settings(),
    }
    seen = {}
    for name, call in calls.items():
        answer = call()
        answer.pop("ResponseMetadata")
        answer.get("Code", {}).pop("Location", None)
        seen[name] = answer
    return seen


def invoke(client: Any, name: str) -> tuple[str, Any]:
    response = client.invoke(FunctionName=name, Payload=b"{}")
    assert "FunctionError" not in response, response["Payload"].read()
    return response["ExecutedVersion"], json.loads(response["Payload"].read())


def build(client: Any) -> None:
    """Functions, versions, a weighted alias, permissions, concurrency, an invoke config
    and a layer, all through the API."""
    client.create_function(
        FunctionName="fn",
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zipped(REVISION.format(revision="one"))},
        Description="first",
        Environment={"Variables": {"STAGE": "one"}},
        DeadLetterConfig={"TargetArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dead"},
        Publish=True,
    )
    client.update_function_code(FunctionName="fn", ZipFile=zipped(REVISION.format(revision="two")))
    client.update_function_configuration(FunctionName="fn", MemorySize=256, Timeout=7)
    client.publish_version(FunctionName="fn", Description="second")
    client.create_alias(
        FunctionName="fn",
        Name="live",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}},
    )
    client.add_permission(
        FunctionName="fn",
        StatementId="apigw",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc/*/GET/",
    )
    client.add_permission(
        FunctionName="fn",
        Qualifier="live",
        StatementId="account",
        Action="lambda:InvokeFunction",
        Principal=ACCOUNT,
    )
    client.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=5)
    client.put_function_event_invoke_config(FunctionName="fn", MaximumRetryAttempts=1)
    layer = client.publish_layer_version(
        LayerName="greeting",
        Content={"ZipFile": zipped("hello from a layer", "greeting.txt")},
        CompatibleRuntimes=["python3.12"],
    )
    client.create_function(
        FunctionName="layered",
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zipped(READS_LAYER)},
        Layers=[layer["LayerVersionArn"]],
    )


def test_restart_keeps_what_the_api_made_and_it_still_runs(
    backend: Backend, tmp_path: Path
) -> None:
    server = StoredLambda(backend, backend.state_dir)
    try:
        build(server.client())
        before = answers(server.client())
    finally:
        server = restart(server, backend)
    try:
        client = server.client()
        assert answers(client) == before
        assert invoke(client, "fn") == ("$LATEST", {"revision": "two", "version": "$LATEST"})
        assert invoke(client, "fn:1") == ("1", {"revision": "one", "version": "1"})
        assert invoke(client, "fn:2") == ("2", {"revision": "two", "version": "2"})
        split = {invoke(client, "fn:live")[0] for _ in range(30)}
        assert split == {"1", "2"}  # the alias still routes half to version 2
        assert invoke(client, "layered") == ("$LATEST", "hello from a layer")
        # The version counter survived: the next version is 3, not 1.
        client.update_function_code(
            FunctionName="fn", ZipFile=zipped(REVISION.format(revision="3"))
        )
        assert client.publish_version(FunctionName="fn")["Version"] == "3"
        # A statement id taken before the restart is still taken.
        with pytest.raises(ClientError) as raised:
            client.add_permission(
                FunctionName="fn",
                StatementId="apigw",
                Action="lambda:InvokeFunction",
                Principal="s3.amazonaws.com",
            )
        assert raised.value.response["Error"]["Code"] == "ResourceConflictException"
    finally:
        server.close()


def test_deleted_things_stay_deleted_and_their_code_leaves_the_store(backend: Backend) -> None:
    server = StoredLambda(backend, backend.state_dir)
    try:
        client = server.client()
        build(client)
        client.delete_alias(FunctionName="fn", Name="live")
        client.delete_function(FunctionName="fn", Qualifier="1")
        client.remove_permission(FunctionName="fn", StatementId="apigw")
        client.delete_function_concurrency(FunctionName="fn")
        client.delete_function_event_invoke_config(FunctionName="fn")
        client.delete_function(FunctionName="layered")
    finally:
        server = restart(server, backend)
    try:
        client = server.client()
        assert [f["FunctionName"] for f in client.list_functions()["Functions"]] == ["fn"]
        versions = client.list_versions_by_function(FunctionName="fn")["Versions"]
        assert [v["Version"] for v in versions] == ["$LATEST", "2"]
        assert client.list_aliases(FunctionName="fn")["Aliases"] == []
        assert "ReservedConcurrentExecutions" not in client.get_function_concurrency(
            FunctionName="fn"
        )
        for call in (
            lambda: client.get_policy(FunctionName="fn"),
            lambda: client.get_function_event_invoke_config(FunctionName="fn"),
        ):
            with pytest.raises(ClientError) as raised:
                call()
            assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
        assert invoke(client, "fn:2") == ("2", {"revision": "two", "version": "2"})
        client.delete_function(FunctionName="fn")
        # Only the layer's zip is left: no function or version uses the others.
        layer = client.get_layer_version(LayerName="greeting", VersionNumber=1)
        held = server.store.scan("lambda/code")
        assert len(held) == 1
        assert layer["Content"]["CodeSize"] == len(held[0][1])
        assert server.store.scan("lambda/functions") == []
        assert server.store.scan("lambda/versions") == []
    finally:
        server.close()
