"""`$input`, `$context` and `$stageVariables` as API Gateway defines them, and the
request/response overrides.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
"""

from __future__ import annotations

import pytest

from lamina.gateway.mapping import (
    MappingError,
    MappingInput,
    RequestFacts,
    render_request_template,
    render_response_template,
)
from lamina.gateway.mapping.input import Input, method_params
from lamina.gateway.request import GatewayRequest

PETS = (
    '{"pets": [{"id": 1, "type": "dog", "price": 249.99}, '
    '{"id": 2, "type": "cat", "price": 124.99}, {"id": 3, "type": "fish", "price": 0.99}], '
    '"owner": {"name": "Ana", "tags": ["a", "b"]}, "flag": false, "none": null}'
)


def _request(**fields: object) -> GatewayRequest:
    values: dict[str, object] = {
        "method": "POST",
        "path": "/pets/7",
        "query_string": "",
        "headers": [("Host", "abcd1234.execute-api.localhost:3000"), ("User-Agent", "curl/8.5")],
        "body": b"",
        "source_ip": "198.51.100.9",
        "protocol": "HTTP/1.1",
        "domain_name": "abcd1234.execute-api.localhost:3000",
        "request_id": "5a0b6b1c-0000-4000-8000-000000000001",
        "extended_request_id": "Xy1AbCdEfGhIjKl=",
        "time_epoch_ms": 1_700_000_000_123,
        **fields,
    }
    return GatewayRequest(**values)  # type: ignore[arg-type]


def _mapping(request: GatewayRequest | None = None, **facts: object) -> MappingInput:
    base: dict[str, object] = {
        "account_id": "123456789012",
        "api_id": "abcd1234",
        "stage": "dev",
        "resource_id": "res123",
        "resource_path": "/pets/{id}",
        "stage_path_prefix": "/dev",
    }
    return MappingInput(
        request or _request(),
        RequestFacts(**{**base, **facts}),  # type: ignore[arg-type]
        path_params={"id": "7"},
        query=[("limit", "5"), ("tag", "x"), ("tag", "y")],
        stage_variables={"env": "test", "url": "http://example.com"},
    )


def _request_template(template: str, body: str = "", **kw: object) -> str:
    return render_request_template(template, body, _mapping(**kw)).body  # type: ignore[arg-type]


# --- $input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "json"),
    [
        ("$", None),
        ("$.pets[0]", '{"id":1,"type":"dog","price":249.99}'),
        ("$.pets[-1].type", '"fish"'),
        ("$['owner']['name']", '"Ana"'),
        ("$.owner.tags", '["a","b"]'),
        ("$.flag", "false"),
        ("$.none", "null"),
        ("$.pets[*].id", "[1,2,3]"),
        ("$..name", '["Ana"]'),
        ("$.pets[?(@.price < 200)].type", '["cat","fish"]'),
        ("$.pets[0:2].id", "[1,2]"),
        ("$.missing", '""'),
        ("$.pets[7]", '""'),
    ],
)
def test_input_json_evaluates_jsonpath_to_compact_json(path: str, json: str | None) -> None:
    expected = json if json is not None else PETS.replace(", ", ",").replace(": ", ":")
    assert _request_template(f'$input.json("{path}")', PETS) == expected


def test_input_path_returns_objects_the_template_walks() -> None:
    template = (
        "#set($root = $input.path('$'))$root.pets.size() $root.pets[1].type "
        "$root.owner.name $input.path('$.pets[0].price') [$input.path('$.missing')] "
        "$input.path('$.owner')"
    )
    assert _request_template(template, PETS) == '3 cat Ana 249.99 [] {name=Ana, tags=["a","b"]}'


def test_input_body_is_the_raw_payload() -> None:
    assert _request_template("$input.body", '{ "a" : 1 }') == '{ "a" : 1 }'
    assert _request_template("$input.body", "not json at all") == "not json at all"


def test_input_json_of_a_body_that_is_not_json_fails_the_template() -> None:
    with pytest.raises(MappingError, match="Could not parse request body into json"):
        _request_template("$input.json('$')", "not json")


def test_input_invalid_jsonpath_fails_the_template() -> None:
    with pytest.raises(MappingError):
        _request_template("$input.json('$.[[')", PETS)


def test_input_params_searches_path_then_querystring_then_header() -> None:
    params = method_params(
        {"id": "from-path"}, [("id", "from-query"), ("q", "1")], [("id", "h"), ("X-H", "v")]
    )
    found = Input("", params)
    assert found.params("id") == "from-path"
    assert found.params("q") == "1"
    assert found.params("X-H") == "v"
    assert found.params("x-h") == "v"  # header names are case-insensitive
    assert found.params("absent") == ""


def test_input_params_map_has_path_querystring_header_in_that_order() -> None:
    template = (
        "#foreach($type in $input.params().keySet())$type:"
        "#foreach($n in $input.params().get($type).keySet())$n,#end;#end"
    )
    assert _request_template(template) == "path:id,;querystring:limit,tag,;header:Host,User-Agent,;"


def test_input_params_repeated_query_parameter_keeps_the_last_value() -> None:
    assert _request_template("$input.params('tag') $input.params().querystring.tag") == "y y"


def test_input_params_header_map() -> None:
    assert _request_template("$input.params().header.get('User-Agent')") == "curl/8.5"


# --- $context ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("accountId", "123456789012"),
        ("apiId", "abcd1234"),
        ("domainName", "abcd1234.execute-api.localhost:3000"),
        ("domainPrefix", "abcd1234"),
        ("extendedRequestId", "Xy1AbCdEfGhIjKl="),
        ("httpMethod", "POST"),
        ("identity.sourceIp", "198.51.100.9"),
        ("identity.userAgent", "curl/8.5"),
        ("identity.apiKey", ""),
        ("identity.caller", ""),
        ("path", "/dev/pets/7"),
        ("protocol", "HTTP/1.1"),
        ("requestId", "5a0b6b1c-0000-4000-8000-000000000001"),
        ("requestTime", "14/Nov/2023:22:13:20 +0000"),
        ("requestTimeEpoch", "1700000000123"),
        ("resourceId", "res123"),
        ("resourcePath", "/pets/{id}"),
        ("stage", "dev"),
        ("wafResponseCode", ""),
        ("xrayTraceId", ""),
    ],
)
def test_context_variable(variable: str, value: str) -> None:
    assert _request_template(f"$context.{variable}") == value


def test_context_identity_fields_found_by_the_security_stages() -> None:
    rendered = _request_template(
        "$context.identity.apiKey $context.identity.apiKeyId $context.identity.userArn",
        identity={"apiKey": "k-123", "apiKeyId": "id9", "userArn": "arn:aws:iam::1:user/u"},
    )
    assert rendered == "k-123 id9 arn:aws:iam::1:user/u"


def test_context_authorizer_lambda_context_is_stringified_and_latency_left_out() -> None:
    rendered = _request_template(
        "$context.authorizer.principalId|$context.authorizer.n|$context.authorizer.b|"
        "$context.authorizer.integrationLatency",
        authorizer={"principalId": "me", "n": 1, "b": True, "integrationLatency": 12},
    )
    assert rendered == "me|1|true|"


def test_context_waf_and_xray_when_the_request_has_them() -> None:
    request = _request(trace_id="Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
    mapping = _mapping(request, web_acl_arn="arn:aws:wafv2:us-east-1:1:regional/webacl/a/b")
    rendered = render_request_template(
        "$context.wafResponseCode $context.webaclArn $context.xrayTraceId", "", mapping
    )
    assert rendered.body == (
        "WAF_ALLOW arn:aws:wafv2:us-east-1:1:regional/webacl/a/b "
        "1-5759e988-bd862e3fe1be46a994272793"
    )


def test_context_set_in_one_template_does_not_leak_into_the_next() -> None:
    mapping = _mapping()
    render_request_template("#set($context.stage = 'changed')", "", mapping)
    assert render_request_template("$context.stage", "", mapping).body == "dev"


# --- $stageVariables ---------------------------------------------------------------------------


def test_stage_variables_and_an_absent_one() -> None:
    assert _request_template("$stageVariables.env [$stageVariables.absent]") == "test []"


# --- overrides ---------------------------------------------------------------------------------


def test_request_override_of_header_path_and_querystring() -> None:
    template = (
        "#set($context.requestOverride.header.X-Total = \"$input.params('limit')0\")"
        "#set($context.requestOverride.path.id = 'other')"
        "#set($context.requestOverride.querystring.limit = 10)body"
    )
    rendered = render_request_template(template, "", _mapping())
    assert (rendered.body, rendered.headers, rendered.path, rendered.querystring) == (
        "body",
        {"X-Total": "50"},
        {"id": "other"},
        {"limit": "10"},
    )


def test_response_override_status_and_header() -> None:
    template = (
        "#set($context.responseOverride.status = '201')"
        "#set($context.responseOverride.header.Location = '/pets/8')"
        "[$context.responseOverride.status]"
    )
    rendered = render_response_template(template, "", _mapping())
    assert (rendered.body, rendered.status, rendered.headers) == (
        "[201]",
        201,
        {"Location": "/pets/8"},
    )


@pytest.mark.parametrize(
    "template",
    [
        # "Overrides are final ... multiple times will result in 5XX responses"
        "#set($context.responseOverride.status = 400)#set($context.responseOverride.status = 500)",
        "#set($context.responseOverride.header.A = 'x')"
        "#set($context.responseOverride.header.A = 'y')",
        "#set($context.responseOverride.status = 'abc')",
        "#set($context.responseOverride.status = 99)",
    ],
)
def test_response_override_set_twice_or_invalid_fails(template: str) -> None:
    with pytest.raises(MappingError):
        render_response_template(template, "", _mapping())


def test_request_template_has_no_response_override_and_vice_versa() -> None:
    assert render_request_template("[$context.responseOverride]", "", _mapping()).body == "[]"
    assert render_response_template("[$context.requestOverride]", "", _mapping()).body == "[]"
