"""AWS service integrations (tests/fixtures/apps/s3_proxy) survive render -> compile: the
control plane shows them as GetIntegration does (type AWS, httpMethod, uri, credentials,
requestParameters, requestTemplates, integrationResponses) and compiles them back."""

from __future__ import annotations

import botocore.session  # type: ignore[import-untyped]

from lamina.config.apigateway_compile import compile_rest_api
from lamina.config.apigateway_render import render_rest_api
from lamina.config.load import load_application
from lamina.gateway.model import AwsServiceIntegration
from tests.botocore_shape import check_shape
from tests.conftest import FIXTURES

APP = FIXTURES / "apps" / "s3_proxy"
REGION, ACCOUNT = "eu-west-1", "111122223333"


def test_aws_service_integrations_round_trip() -> None:
    apis = load_application(APP, region=REGION, account_id=ACCOUNT).rest_apis
    for api in apis:
        snapshot, stages = render_rest_api(api, region=REGION, account_id=ACCOUNT)
        back = compile_rest_api(
            snapshot,
            [(record, snapshot, None) for record in stages],
            region=REGION,
            account_id=ACCOUNT,
            logical_id=api.logical_id,
            web_acls={},
        )
        assert back.resources == api.resources, api.logical_id
    integrations = [
        m.integration
        for api in apis
        for r in api.resources
        for m in r.methods.values()
        if m.integration
    ]
    assert len(integrations) == 9  # eight in the OpenAPI body, one AWS::ApiGateway::Method
    assert all(isinstance(i, AwsServiceIntegration) for i in integrations)


def test_rendered_record_is_get_integrations_shape() -> None:
    apis = load_application(APP, region=REGION, account_id=ACCOUNT).rest_apis
    (api,) = [a for a in apis if a.logical_id == "ProxyApi"]
    snapshot, _ = render_rest_api(api, region=REGION, account_id=ACCOUNT)
    resources = {r["path"]: r for r in snapshot["resources"]}
    record = resources["/files/{key}"]["resourceMethods"]["GET"]["methodIntegration"]
    assert record["type"] == "AWS"
    assert record["httpMethod"] == "GET"
    assert record["uri"] == f"arn:aws:apigateway:{REGION}:s3:path/s3-proxy-files/{{key}}"
    assert record["credentials"] == f"arn:aws:iam::{ACCOUNT}:role/s3-proxy-role"
    assert record["requestParameters"] == {
        "integration.request.path.key": "method.request.path.key"
    }
    assert record["integrationResponses"]["404"]["selectionPattern"] == "404"


def test_rendered_resources_fit_botocore_output_shapes() -> None:
    model = botocore.session.get_session().get_service_model("apigateway")
    for api in load_application(APP, region=REGION, account_id=ACCOUNT).rest_apis:
        snapshot, _ = render_rest_api(api, region=REGION, account_id=ACCOUNT)
        for index, record in enumerate(snapshot["resources"]):
            check_shape(record, model.shape_for("Resource"), f"resources[{index}]")
