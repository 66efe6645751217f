"""Two `lamina up` nodes on one PostgreSQL store (cluster mode): an API made and deployed
through one node is served by the other within a couple of seconds, and a stage
re-pointed on the second node moves on the first."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import httpx

from lamina.core.store_postgres import drop_schema
from tests.clients import until
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "proxy"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def _apigateway(base: str) -> Any:
    return boto3.client(
        "apigateway",
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _mock_api(apigw: Any, answer: str) -> tuple[str, str]:
    """A REST API whose GET /hello a MOCK integration answers with `answer`."""
    api_id = apigw.create_rest_api(name="cluster")["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    hello = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="hello")["id"]
    where = {"restApiId": api_id, "resourceId": hello, "httpMethod": "GET"}
    apigw.put_method(**where, authorizationType="NONE")
    apigw.put_integration(
        **where, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}
    )
    apigw.put_method_response(**where, statusCode="200")
    apigw.put_integration_response(
        **where, statusCode="200", responseTemplates={"application/json": answer}
    )
    return api_id, hello


def test_nodes_on_one_store_serve_each_others_changes(tmp_path: Path) -> None:
    schema = f"lamina_test_cluster_{uuid.uuid4().hex[:10]}"
    store = f"{POSTGRES}?schema={schema}"
    one = LaminaProcess(APP, "--store", store, state_dir=tmp_path / "one")
    two = LaminaProcess(APP, "--store", store, state_dir=tmp_path / "two")
    try:
        apigw = _apigateway(one.base)
        api_id, hello = _mock_api(apigw, '{"version": 1}')
        first = apigw.create_deployment(restApiId=api_id, stageName="live")["id"]

        def served(node: LaminaProcess, body: str) -> Callable[[], bool]:
            url = f"{node.base}/restapis/{api_id}/live/_user_request_/hello"
            return lambda: httpx.get(url, timeout=10).text == body

        assert until(served(one, '{"version": 1}'), 2), one.output()[-2000:]
        assert until(served(two, '{"version": 1}')), two.output()[-2000:]

        # A second deployment made on node two, then the stage rolled back from node one.
        other = _apigateway(two.base)
        other.put_integration_response(
            restApiId=api_id,
            resourceId=hello,
            httpMethod="GET",
            statusCode="200",
            responseTemplates={"application/json": '{"version": 2}'},
        )
        other.create_deployment(restApiId=api_id, stageName="live")
        assert until(served(two, '{"version": 2}'), 2)
        assert until(served(one, '{"version": 2}'))
        apigw.update_stage(
            restApiId=api_id,
            stageName="live",
            patchOperations=[{"op": "replace", "path": "/deploymentId", "value": first}],
        )
        assert until(served(two, '{"version": 1}'))
    finally:
        one.stop()
        two.stop()
        drop_schema(POSTGRES, schema)
