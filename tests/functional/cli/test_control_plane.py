"""ControlPlane: the data plane rebuilt from the management APIs' records after each
change — a change to one API recompiles that API only, and what is served is the records'
(template APIs adopted, APIs made through boto3 beside them)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import msgspec
import pytest

from lamina.cli.control import GENERATION, ControlPlane
from lamina.config.error import ConfigError
from lamina.config.load import load_application
from lamina.core.store_open import open_store
from lamina.gateway.deployment import Deployment
from lamina.services.apigateway.deploy_records import SNAPSHOTS
from lamina.services.apigateway.provider import ApiGatewayProvider
from lamina.services.apigateway.snapshot import snapshot, snapshots
from lamina.services.apigateway.stages import all_deployed_stages, deployed_stages
from lamina.services.apigatewayv2.provider import ApiGatewayV2Provider
from tests.conftest import FIXTURES
from tests.loopback import ACCOUNT, REGION, LoopbackServer

FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:EchoFunction"


class ControlServer(LoopbackServer):
    """Both management APIs over one SQLite store, wired to a ControlPlane whose swaps
    land in `deployed`."""

    def __init__(self, state_dir: Path) -> None:
        super().__init__()
        app = load_application(FIXTURES / "apps" / "proxy", region=REGION, account_id=ACCOUNT)
        self.store = open_store(None, state_dir)
        self.deployed: list[Deployment] = []
        rest = ApiGatewayProvider(
            store=self.store, region=REGION, account_id=ACCOUNT, on_change=self._changed
        )
        http = ApiGatewayV2Provider(
            store=self.store, region=REGION, account_id=ACCOUNT, on_change=self._changed
        )
        self.control = ControlPlane(app, rest, http)
        self.control.adopt(app)
        self.control.serve_with(self.deployed.append)
        self.serve(rest, http)

    def _changed(self, api_id: str) -> None:
        self.control.changed(api_id)

    def client(self, service: str = "apigateway") -> Any:
        return boto3.client(service, **self.client_options())


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ControlServer]:
    running = ControlServer(tmp_path)
    yield running
    running.close()
    running.store.close()


def _rest_api(apigw: Any, name: str) -> tuple[str, str]:
    """A REST API with GET / on the echo function, deployed to prod: (api id, deployment)."""
    api_id = apigw.create_rest_api(name=name)["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{FUNCTION}/invocations",
    )
    deployment = apigw.create_deployment(restApiId=api_id, stageName="prod")["id"]
    return api_id, deployment


def test_control_plane_change_to_one_api_recompiles_only_it(server: ControlServer) -> None:
    apigw = server.client()
    changed, _ = _rest_api(apigw, "changed")
    other, _ = _rest_api(apigw, "other")
    before = server.deployed[-1]
    apigw.update_stage(
        restApiId=changed,
        stageName="prod",
        patchOperations=[{"op": "replace", "path": "/variables/color", "value": "blue"}],
    )
    after = server.deployed[-1]
    assert after is not before
    assert after.rest[other].api is before.rest[other].api
    assert after.rest[changed].api is not before.rest[changed].api
    assert after.rest[changed].stages["prod"].variables == {"color": "blue"}


def test_control_plane_deleted_api_is_no_longer_served(server: ControlServer) -> None:
    apigw = server.client()
    api_id, _ = _rest_api(apigw, "doomed")
    assert api_id in server.deployed[-1].rest
    apigw.delete_rest_api(restApiId=api_id)
    assert api_id not in server.deployed[-1].rest


def test_control_plane_template_reload_recompiles_every_api(server: ControlServer) -> None:
    apigw = server.client()
    api_id, _ = _rest_api(apigw, "kept")
    before = server.deployed[-1]
    server.control.redeploy(server.control.app)
    after = server.deployed[-1]
    assert after.rest[api_id].api == before.rest[api_id].api
    assert after.rest[api_id].api is not before.rest[api_id].api


def test_snapshots_read_together_equal_each_api_snapshot(server: ControlServer) -> None:
    apigw = server.client()
    first, _ = _rest_api(apigw, "first")
    second, _ = _rest_api(apigw, "second")
    root = apigw.get_resources(restApiId=second)["items"][0]["id"]
    apigw.create_resource(restApiId=second, parentId=root, pathPart="b")
    apigw.create_resource(restApiId=second, parentId=root, pathPart="a")
    apigw.create_request_validator(restApiId=second, name="body", validateRequestBody=True)
    rest = server.control.rest
    with server.store.transaction() as tx:
        together = snapshots(rest, tx)
        stages = all_deployed_stages(server.store, tx)
    assert set(together) == {record.id for record in rest.rest_apis.all()}
    for api_id in (first, second):
        assert together[api_id] == snapshot(rest, api_id)
        assert stages[api_id] == deployed_stages(server.store, api_id)


def _wait(condition: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _bump(server: ControlServer) -> None:
    """What another node's change does: bump the generation the nodes follow."""
    with server.store.transaction() as tx:
        raw = tx.get(*GENERATION)
        tx.put(*GENERATION, str(int(raw or b"0") + 1).encode())


def test_control_plane_follow_outlives_records_it_cannot_read(server: ControlServer) -> None:
    apigw = server.client()
    api_id, deployment = _rest_api(apigw, "followed")
    server.run(server.control.follow(interval_s=0.02))
    key = f"{api_id}/{deployment}"
    frozen = server.store.get(SNAPSHOTS, key)
    assert frozen is not None
    with server.store.transaction() as tx:  # another node wrote what this one cannot read
        tx.put(SNAPSHOTS, key, b"{not json")
    _bump(server)
    served = len(server.deployed)
    time.sleep(0.2)
    assert len(server.deployed) == served  # the previous deployment keeps serving
    with server.store.transaction() as tx:
        tx.put(SNAPSHOTS, key, frozen)
    _bump(server)
    assert _wait(lambda: len(server.deployed) > served)
    server.control.cancel()


def test_control_plane_api_level_changes_wait_for_a_deployment(server: ControlServer) -> None:
    # "You must deploy the API for the changes to take effect": a stage serves what its
    # deployment froze, not the API's policy or binary media types as they stand now.
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-create-attach.html
    apigw = server.client()
    api_id, _ = _rest_api(apigw, "guarded")
    deny = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",'
    deny += '"Action":"execute-api:Invoke","Resource":"*"}]}'
    apigw.update_rest_api(
        restApiId=api_id,
        patchOperations=[
            {"op": "replace", "path": "/policy", "value": deny},
            {"op": "add", "path": "/binaryMediaTypes/image~1png"},
        ],
    )
    apigw.update_stage(
        restApiId=api_id,
        stageName="prod",
        patchOperations=[{"op": "replace", "path": "/variables/x", "value": "1"}],
    )

    def served() -> Any:
        serving = server.deployed[-1].rest[api_id].serving
        return serving["prod"].api.api if serving else server.deployed[-1].rest[api_id].api

    assert served().policy is None
    assert served().binary_media_types == ()
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    assert served().policy is not None
    assert served().binary_media_types == ("image/png",)


def test_control_plane_redeploy_it_cannot_serve_raises_and_keeps_the_previous(
    server: ControlServer,
) -> None:
    # A template whose API the data plane refuses (here a policy the loader would have
    # refused too): the reload must be reported as failed, not as deployed.
    app = server.control.app
    template_api = app.rest_apis[0]
    before = server.deployed[-1] if server.deployed else None
    bad_api = msgspec.structs.replace(template_api, policy={"Statement": "bogus"})
    bad = msgspec.structs.replace(app, rest_apis=(bad_api,))
    with pytest.raises(ConfigError, match="Statement"):
        server.control.redeploy(bad)
    assert (server.deployed[-1] if server.deployed else None) is before
    assert server.control.app is app
    record = server.control.rest.rest_api(template_api.id)
    assert record.policy is None  # the records are the served template's again
