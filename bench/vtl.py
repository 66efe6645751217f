"""Render cost of API Gateway mapping templates (lamina.gateway.mapping), in process.

    .venv/bin/python bench/vtl.py [--renders N]

Measures, per render: a typical ~10-line request template (params, $context, JSONPath,
$util, #foreach), AWS's photos response template over its 2-photo payload, a plain-text
template, and the one-off compile (parse and translation to Python) cost that the
compiled-template cache saves on every later request; the typical and photos templates also
through airspeed's interpreter (`_interpreted`), the engine before templates were compiled.
Also the whole MOCK integration answer with VTL request and response templates. Writes
bench/results/vtl.json and prints the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from lamina.gateway.integrations.mock import answer_mock
from lamina.gateway.mapping import (
    MappingInput,
    RequestFacts,
    render_request_template,
    render_response_template,
)
from lamina.gateway.mapping.velocity import compile_template
from lamina.gateway.model import IntegrationResponse, MockIntegration
from lamina.gateway.request import GatewayRequest

RESULTS = Path(__file__).resolve().parent / "results"
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "vtl"

TYPICAL = """#set($body = $input.path('$'))
{
  "id": "$input.params('id')",
  "user": "$util.escapeJavaScript($context.authorizer.principalId)",
  "requestId": "$context.requestId",
  "stage": "$context.stage",
  "name": "$util.escapeJavaScript($body.name)",
  "tags": [#foreach($t in $body.tags)"$t"#if($foreach.hasNext),#end#end],
  "total": $input.json('$.order.total'),
  "source": "$context.identity.sourceIp"
}"""
BODY = '{"name": "Ana \\"A\\" O\'Neil", "tags": ["a", "b", "c"], "order": {"total": 42.5}}'


def _request(body: str) -> GatewayRequest:
    return GatewayRequest(
        method="POST",
        path="/orders/o-17",
        query_string="verbose=1",
        headers=[("Host", "abc.execute-api.localhost"), ("Content-Type", "application/json")],
        body=body.encode(),
        source_ip="127.0.0.1",
        protocol="HTTP/1.1",
        domain_name="abc.execute-api.localhost",
        request_id="5a0b6b1c-0000-4000-8000-000000000001",
        extended_request_id="Xy1AbCdEfGhIjKl=",
        time_epoch_ms=1_700_000_000_000,
    )


def _mapping(body: str) -> MappingInput:
    facts = RequestFacts(
        account_id="123456789012",
        api_id="abc",
        stage="prod",
        resource_path="/orders/{id}",
        authorizer={"principalId": "user-1"},
    )
    return MappingInput(
        _request(body),
        facts,
        path_params={"id": "o-17"},
        query=[("verbose", "1")],
        stage_variables={},
    )


def _per_call_us(call: Callable[[], object], renders: int) -> dict[str, float]:
    for _ in range(min(renders, 200)):
        call()
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(renders):
            call()
        samples.append((time.perf_counter() - start) / renders * 1e6)
    return {"median_us": round(statistics.median(samples), 2), "best_us": round(min(samples), 2)}


def _interpreted_us(text: str, call: Callable[[], object], renders: int) -> dict[str, float]:
    """`call` with `text` run by airspeed's interpreter instead of its compiled function
    (the engine before templates were compiled), in the same run for a fair comparison."""
    compiled = compile_template(text)
    render, names = compiled.render, compiled.names
    compiled.render = compiled.names = None
    try:
        return _per_call_us(call, renders)
    finally:
        compiled.render, compiled.names = render, names


def _compile_us(text: str) -> float:
    samples = []
    for _ in range(20):
        compile_template.cache_clear()
        start = time.perf_counter()
        compile_template(text)
        samples.append((time.perf_counter() - start) * 1e6)
    return round(statistics.median(samples), 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=5000)
    args = parser.parse_args()
    photos = json.loads((FIXTURES / "photos.json").read_text())["cases"][1]
    mapping = _mapping(BODY)
    photo_mapping = _mapping("")
    mock = MockIntegration(
        request_templates={"application/json": TYPICAL.replace('"id"', '"statusCode": 200, "id"')},
        responses=(
            IntegrationResponse(
                status_code="200",
                response_templates={"application/json": '{"ok": "$context.requestId"}'},
            ),
        ),
    )
    figures = {
        "renders": args.renders,
        "typical_10_line_request_template": _per_call_us(
            lambda: render_request_template(TYPICAL, BODY, mapping), args.renders
        ),
        "typical_10_line_request_template_interpreted": _interpreted_us(
            TYPICAL, lambda: render_request_template(TYPICAL, BODY, mapping), args.renders
        ),
        "typical_including_per_request_variables": _per_call_us(
            lambda: render_request_template(TYPICAL, BODY, _mapping(BODY)), args.renders
        ),
        "aws_photos_response_template": _per_call_us(
            lambda: render_response_template(photos["template"], photos["body"], photo_mapping),
            args.renders,
        ),
        "plain_text_template": _per_call_us(
            lambda: render_request_template('{"statusCode": 200}', "", mapping), args.renders
        ),
        "mock_answer_with_vtl_request_and_response": _per_call_us(
            lambda: answer_mock(mock, _request(BODY), {"id": "o-17"}, {}), args.renders
        ),
        "aws_photos_response_template_interpreted": _interpreted_us(
            photos["template"],
            lambda: render_response_template(photos["template"], photos["body"], photo_mapping),
            args.renders,
        ),
        "compile_once_typical_us": _compile_us(TYPICAL),
        "compile_once_photos_us": _compile_us(photos["template"]),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "vtl.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
