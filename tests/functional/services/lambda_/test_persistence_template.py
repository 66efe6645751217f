"""Versions, aliases and permissions the API adds to a template's function survive a
restart; the function itself comes from the template each time. A version is a copy of
the code it was published from, so it keeps running that code after the template's
folder changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from lamina.functions.model import FunctionConfig
from lamina.services.lambda_.permissions import grant

from .conftest import zipped
from .test_persistence import REVISION, Backend, StoredLambda, backend, invoke

__all__ = ["backend"]  # the fixture, shared with test_persistence


def template(folder: Path, **fields: Any) -> list[FunctionConfig]:
    return [
        FunctionConfig(name="tpl", code_path=str(folder), aliases=("live",), **fields),
        FunctionConfig(name="plain", code_path=str(folder), aliases=("auto",)),
    ]


def start(backend: Backend, functions: list[FunctionConfig]) -> StoredLambda:
    """What `lamina up` does: the template's functions, then the template's permission."""
    server = StoredLambda(backend, backend.state_dir, functions)
    if any(config.name == "tpl" for config in functions):
        grant(
            server.provider.state,
            "tpl",
            None,
            {
                "StatementId": "template",
                "Action": "lambda:InvokeFunction",
                "Principal": "s3.amazonaws.com",
            },
        )
    return server


def sids(client: Any) -> list[str]:
    policy = json.loads(client.get_policy(FunctionName="tpl")["Policy"])
    return [statement["Sid"] for statement in policy["Statement"]]


def test_template_function_keeps_api_versions_aliases_and_permissions(
    backend: Backend, tmp_path: Path
) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "app.py").write_text(REVISION.format(revision="one"))
    server = start(backend, template(source))
    try:
        client = server.client()
        assert client.publish_version(FunctionName="tpl")["Version"] == "1"
        assert client.publish_version(FunctionName="tpl")["Version"] == "1"  # nothing changed
        client.update_alias(FunctionName="tpl", Name="live", FunctionVersion="1")
        client.add_permission(
            FunctionName="tpl",
            StatementId="api",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
        )
        client.put_function_concurrency(FunctionName="tpl", ReservedConcurrentExecutions=3)
    finally:
        server.close()
    # The user edits the handler and the template (a new environment variable).
    (source / "app.py").write_text(REVISION.format(revision="two"))
    server = start(backend, template(source, environment={"NEW": "1"}))
    try:
        client = server.client()
        assert invoke(client, "tpl") == ("$LATEST", {"revision": "two", "version": "$LATEST"})
        assert invoke(client, "tpl:1") == ("1", {"revision": "one", "version": "1"})
        assert invoke(client, "tpl:live") == ("1", {"revision": "one", "version": "1"})
        assert client.get_function_configuration(FunctionName="tpl")["Environment"] == {
            "Variables": {"NEW": "1"}
        }
        assert "Environment" not in client.get_function_configuration(FunctionName="tpl:1")
        assert sids(client) == ["api", "template"]  # the template's is not stored twice
        concurrency = client.get_function_concurrency(FunctionName="tpl")
        assert concurrency["ReservedConcurrentExecutions"] == 3
        # The template's own alias, never changed through the API, still runs $LATEST.
        assert client.get_alias(FunctionName="plain", Name="auto")["FunctionVersion"] == "$LATEST"
        assert client.publish_version(FunctionName="tpl")["Version"] == "2"  # code changed
        (source / "app.py").write_text(REVISION.format(revision="three"))  # edited while up
        assert client.publish_version(FunctionName="tpl")["Version"] == "3"
        assert invoke(client, "tpl:3") == ("3", {"revision": "three", "version": "3"})
        # New code through the API on a template's function: its version keeps that code,
        # its $LATEST is the template's again at the next start.
        client.update_function_code(
            FunctionName="plain", ZipFile=zipped(REVISION.format(revision="api"))
        )
        assert client.publish_version(FunctionName="plain")["Version"] == "1"
    finally:
        server.close()
    # The function leaves the template: it is gone; back in the template, its versions return.
    server = start(backend, [])
    try:
        names = [f["FunctionName"] for f in server.client().list_functions()["Functions"]]
        assert names == []
    finally:
        server.close()
    shutil.rmtree(backend.state_dir / "code")  # unpacked again from the store's zips
    server = start(backend, template(source))
    try:
        client = server.client()
        assert invoke(client, "plain:1") == ("1", {"revision": "api", "version": "1"})
        assert invoke(client, "plain") == ("$LATEST", {"revision": "three", "version": "$LATEST"})
        versions = client.list_versions_by_function(FunctionName="tpl")["Versions"]
        assert [v["Version"] for v in versions] == ["$LATEST", "1", "2", "3"]
        assert invoke(client, "tpl:2") == ("2", {"revision": "two", "version": "2"})
    finally:
        server.close()
