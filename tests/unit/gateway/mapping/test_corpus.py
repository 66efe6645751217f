"""Every case of tests/fixtures/vtl/ (AWS's documented mapping template examples): the
template run over the documented input gives the documented output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lamina.gateway.mapping import (
    MappingInput,
    RequestFacts,
    render_request_template,
    render_response_template,
)
from lamina.gateway.request import GatewayRequest

CORPUS = Path(__file__).parents[3] / "fixtures" / "vtl"


def _cases() -> list[Any]:
    cases = []
    for file in sorted(CORPUS.glob("*.json")):
        doc = json.loads(file.read_text())
        for case in doc["cases"]:
            case["source"] = doc["source"]
            cases.append(pytest.param(case, id=f"{file.stem}: {case['name']}"))
    return cases


def _mapping(case: dict[str, Any]) -> MappingInput:
    facts = dict(case.get("facts", {}))
    request_fields = {
        "method": "GET",
        "path": "/",
        "query_string": "",
        "source_ip": "203.0.113.7",
        "protocol": "HTTP/1.1",
        "domain_name": "abcd1234.execute-api.us-east-1.amazonaws.com",
        "request_id": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "extended_request_id": "c6af9ac6-ext",
        "time_epoch_ms": 1_700_000_000_000,
        **facts.pop("request", {}),
    }
    headers = [tuple(pair) for pair in case.get("headers", [])]
    request = GatewayRequest(headers=headers, body=case["body"].encode(), **request_fields)
    return MappingInput(
        request,
        RequestFacts(
            **{"account_id": "111122223333", "api_id": "abcd1234", "stage": "prod", **facts}
        ),
        path_params=case.get("path", {}),
        query=[tuple(pair) for pair in case.get("query", [])],
        stage_variables=case.get("stageVariables", {}),
    )


@pytest.mark.parametrize("case", _cases())
def test_vtl_corpus_documented_example_renders_as_documented(case: dict[str, Any]) -> None:
    render = render_request_template if case["kind"] == "request" else render_response_template
    rendered = render(case["template"], case["body"], _mapping(case))
    if case["compare"] == "json":
        assert json.loads(rendered.body) == json.loads(case["expected"]), case["source"]
    else:
        assert rendered.body == case["expected"], case["source"]
    if "status" in case:
        assert rendered.status == case["status"]
    if "headers_out" in case:
        assert rendered.headers == case["headers_out"]


def test_vtl_corpus_every_case_cites_an_aws_documentation_page() -> None:
    for file in CORPUS.glob("*.json"):
        source = json.loads(file.read_text())["source"]
        assert source.startswith("https://docs.aws.amazon.com/apigateway/"), file
