"""Two Lambda providers on one PostgreSQL store: what the API adds to a template's
function on one (a permission, a version, an alias, concurrency, an invoke config) is
applied on the other when it catches up, next to the template's own statement, and
removing it there removes it here; a node never re-reads its own changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lamina.functions.model import FunctionConfig
from lamina.services.lambda_.follow import LambdaFollower
from lamina.services.lambda_.permissions import grant

from .test_persistence import REVISION, Backend, StoredLambda, backend, invoke

__all__ = ["backend"]  # the fixture, shared with test_persistence

PRINCIPAL = {"Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com"}


def node(backend: Backend, state_dir: Path, source: Path) -> StoredLambda:
    """A node whose template holds `tpl` with its template permission."""
    server = StoredLambda(backend, state_dir, [FunctionConfig(name="tpl", code_path=str(source))])
    grant(server.provider.state, "tpl", None, {"StatementId": "template", **PRINCIPAL})
    return server


def catch_up(server: StoredLambda) -> None:
    follower = server.provider.follower
    assert isinstance(follower, LambdaFollower)
    server.run(follower.catch_up())


def sids(client: Any) -> list[str]:
    policy = json.loads(client.get_policy(FunctionName="tpl")["Policy"])
    return sorted(statement["Sid"] for statement in policy["Statement"])


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_template_function_follows_the_other_node(backend: Backend, tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "app.py").write_text(REVISION.format(revision="one"))
    one = node(backend, tmp_path / "one", source)
    two = node(backend, tmp_path / "two", source)
    try:
        first, second = one.client(), two.client()
        first.add_permission(FunctionName="tpl", StatementId="api", **PRINCIPAL)
        version = first.publish_version(FunctionName="tpl")["Version"]
        first.create_alias(FunctionName="tpl", Name="api", FunctionVersion=version)
        first.put_function_concurrency(FunctionName="tpl", ReservedConcurrentExecutions=3)
        first.put_function_event_invoke_config(FunctionName="tpl", MaximumRetryAttempts=1)
        records = one.provider.state.records
        assert records is not None
        assert records.changed_since(0)[1] == []  # its own changes are not re-read

        catch_up(two)
        assert sids(second) == ["api", "template"]
        assert second.get_alias(FunctionName="tpl", Name="api")["FunctionVersion"] == version
        assert invoke(second, f"tpl:{version}")[0] == version
        concurrency = second.get_function_concurrency(FunctionName="tpl")
        assert concurrency["ReservedConcurrentExecutions"] == 3
        config = second.get_function_event_invoke_config(FunctionName="tpl")
        assert config["MaximumRetryAttempts"] == 1

        second.remove_permission(FunctionName="tpl", StatementId="api")
        second.delete_alias(FunctionName="tpl", Name="api")
        second.delete_function(FunctionName="tpl", Qualifier=version)
        second.delete_function_concurrency(FunctionName="tpl")
        catch_up(one)
        assert sids(first) == ["template"]
        assert first.list_aliases(FunctionName="tpl")["Aliases"] == []
        listed = first.list_versions_by_function(FunctionName="tpl")["Versions"]
        assert [v["Version"] for v in listed] == ["$LATEST"]
        assert "ReservedConcurrentExecutions" not in first.get_function_concurrency(
            FunctionName="tpl"
        )
        assert invoke(first, "tpl")[1] == {"revision": "one", "version": "$LATEST"}
    finally:
        one.close()
        two.close()
