"""Request validators through the real Gateway: request in, exact status and body out.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec
import orjson
import pytest

from lamina.functions.model import InvokeResult
from lamina.gateway.app import Gateway
from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import Deployment
from lamina.gateway.error import GatewayError, ResponseType
from lamina.gateway.model import (
    GatewayResponseSetting,
    LambdaIntegration,
    Method,
    Model,
    RequestValidator,
    Resource,
    RestApi,
    Stage,
)
from lamina.gateway.stages.validate import ValidateRequest
from tests.gateway_request import gateway_request
from tests.invoker import ScriptedInvoker

API_ID = "restapi001"
OK = InvokeResult(payload=b'{"statusCode": 200, "body": "ok"}')
MISSING = b'{"message": "Missing required request parameters: [%s]"}'
INVALID = b'{"message": "Invalid request body"}'

# Models referencing each other by model URL and by their own #/definitions.
ADDRESS = Model(
    name="Address",
    schema={
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "required": ["city"],
        "properties": {"city": {"type": "string", "minLength": 2}},
    },
)
PET = Model(
    name="Pet",
    schema={
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "required": ["name", "kind"],
        "properties": {
            "name": {"type": "string"},
            "kind": {"$ref": "#/definitions/kind"},
            "price": {"type": "number", "minimum": 0, "maximum": 500},
            "home": {"$ref": f"https://apigateway.amazonaws.com/restapis/{API_ID}/models/Address"},
        },
        "definitions": {"kind": {"type": "string", "enum": ["cat", "dog"]}},
    },
)
TEXT = Model(name="Text", content_type="text/plain", schema={"type": "string"})

VALIDATORS = (
    RequestValidator(
        id="all", name="all", validate_request_body=True, validate_request_parameters=True
    ),
    RequestValidator(id="params", name="params-only", validate_request_parameters=True),
    RequestValidator(id="body", name="body-only", validate_request_body=True),
)
PARAMETERS = {
    "method.request.querystring.q1": True,
    "method.request.header.X-Trace": True,
    "method.request.path.id": True,
    "method.request.querystring.optional": False,
}


def _method(validator: str | None, models: dict[str, str] | None = None) -> Method:
    return Method(
        http_method="POST",
        integration=LambdaIntegration(function_name="Fn"),
        request_validator_id=validator,
        request_parameters=PARAMETERS,
        request_models={"application/json": "Pet"} if models is None else models,
    )


def _api(method: Method, responses: tuple[GatewayResponseSetting, ...] = ()) -> RestApi:
    return RestApi(
        id=API_ID,
        logical_id="Rest",
        name="Rest",
        stages=(Stage(name="Prod"),),
        resources=(
            Resource(id="root", path="/"),
            Resource(id="pets", path="/pets"),
            Resource(id="pet", path="/pets/{id}", methods={"POST": method}),
        ),
        models=(PET, ADDRESS, TEXT),
        request_validators=VALIDATORS,
        gateway_responses=responses,
    )


@dataclass
class Case:
    name: str
    validator: str | None = "all"
    path: str = "/Prod/pets/7"
    query: str = "q1=cat"
    headers: list[tuple[str, str]] = field(
        default_factory=lambda: [("X-Trace", "t"), ("Content-Type", "application/json")]
    )
    body: object = field(default_factory=lambda: {"name": "Tom", "kind": "cat"})
    status: int = 200
    answer: bytes = b"ok"
    models: dict[str, str] | None = None


JSON = [("X-Trace", "t"), ("Content-Type", "application/json")]
CASES = [
    Case("valid request passes"),
    Case("missing query parameter", query="", status=400, answer=MISSING % b"q1"),
    Case("blank query parameter", query="q1=", status=400, answer=MISSING % b"q1"),
    Case("whitespace query parameter", query="q1=%20", status=400, answer=MISSING % b"q1"),
    Case(
        "missing header",
        headers=[("Content-Type", "application/json")],
        status=400,
        answer=MISSING % b"X-Trace",
    ),
    Case("header name is case-insensitive", headers=[("x-trace", "t"), *JSON[1:]]),
    Case(
        "missing header and query: by expression order",
        query="",
        headers=[("Content-Type", "application/json")],
        status=400,
        answer=MISSING % b"X-Trace, q1",
    ),
    Case("optional parameter may be absent", query="q1=cat"),
    Case(
        "parameters are checked before the body",
        query="",
        body={"name": 1},
        status=400,
        answer=MISSING % b"q1",
    ),
    Case("missing required property", body={"name": "Tom"}, status=400, answer=INVALID),
    Case("wrong type", body={"name": 3, "kind": "cat"}, status=400, answer=INVALID),
    Case("enum from #/definitions", body={"name": "T", "kind": "cow"}, status=400, answer=INVALID),
    Case(
        "nested model by model URL",
        body={"name": "T", "kind": "cat", "home": {"city": "X"}},
        status=400,
        answer=INVALID,
    ),
    Case("nested model valid", body={"name": "T", "kind": "cat", "home": {"city": "Oslo"}}),
    Case("body not JSON", body=b"{nope", status=400, answer=INVALID),
    Case("empty body is an empty object", body=b"", status=400, answer=INVALID),
    Case(
        "content type without a model passes",
        headers=[("X-Trace", "t"), ("Content-Type", "application/xml")],
        body=b"<pet/>",
    ),
    Case(
        "no Content-Type: the application/json model applies",
        headers=[("X-Trace", "t")],
        body={"name": "Tom"},
        status=400,
        answer=INVALID,
    ),
    Case(
        "$default model applies to any content type",
        models={"$default": "Pet"},
        headers=[("X-Trace", "t"), ("Content-Type", "application/vnd.pet+json")],
        body={"name": "Tom"},
        status=400,
        answer=INVALID,
    ),
    Case(
        "content type's own model wins over $default",
        models={"$default": "Pet", "text/plain": "Text"},
        headers=[("X-Trace", "t"), ("Content-Type", "text/plain; charset=utf-8")],
        body=b'"just text"',
    ),
    Case(
        "validator with only parameters ignores the body",
        validator="params",
        body={"nothing": True},
    ),
    Case(
        "validator with only parameters checks them",
        validator="params",
        query="",
        status=400,
        answer=MISSING % b"q1",
    ),
    Case("body-only validator ignores parameters", validator="body", query="", headers=JSON[1:]),
    Case(
        "body-only validator checks the body", validator="body", body={}, status=400, answer=INVALID
    ),
    Case("no validator: nothing is checked", validator=None, query="", body={}),
    Case("unknown validator id: nothing is checked", validator="gone", query="", body={}),
]


def _body(value: object) -> bytes:
    return value if isinstance(value, bytes) else orjson.dumps(value)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_request_validation(case: Case) -> None:
    invoker = ScriptedInvoker(OK)
    method = _method(case.validator, case.models)
    deployment = Deployment((_api(method),), (), account_id="123456789012", region="us-east-1")
    gateway = Gateway(deployment, invoker)
    request = gateway_request(
        case.path,
        method="POST",
        query_string=case.query,
        headers=case.headers,
        body=_body(case.body),
    )
    response = await gateway.handle(request, "127.0.0.1:3000")
    assert (response.status, response.body) == (case.status, case.answer)
    headers = dict(response.headers)
    if case.status == 400:
        assert headers[b"x-amzn-errortype"] == b"BadRequestException"
        assert headers[b"content-type"] == b"application/json"
        assert invoker.events == []  # rejected before the integration
    else:
        assert len(invoker.events) == 1


WRONG_TYPE = (
    'instance type (integer) does not match any allowed primitive type (allowed: ["string"])'
)
VALIDATION_TEMPLATE = GatewayResponseSetting(
    response_type="BAD_REQUEST_BODY",
    response_templates={
        "application/json": '{"error": "$context.error.validationErrorString",'
        ' "type": "$context.error.responseType"}'
    },
)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"kind": "cat"}, '[object has missing required properties (["name"])]'),
        ({}, '[object has missing required properties (["kind","name"])]'),
        (
            {"name": 3, "kind": "cat"},
            f"[{WRONG_TYPE}]",
        ),
        (
            {"name": "T", "kind": "cow"},
            '[instance value ("cow") not found in enum (possible values: ["cat","dog"])]',
        ),
        (
            {"name": "T", "kind": "cat", "price": 501},
            "[numeric instance is greater than the required maximum (maximum: 500, found: 501)]",
        ),
        (
            {"name": "T", "kind": "cat", "home": {"city": "X"}},
            '[string "X" is too short (length: 1, required minimum: 2)]',
        ),
        (
            {"name": 3, "kind": "cow"},
            '[instance value ("cow") not found in enum (possible values: ["cat","dog"]), '
            f"{WRONG_TYPE}]",
        ),
    ],
)
async def test_validation_error_string_in_a_gateway_response_template(
    body: object, detail: str
) -> None:
    method = _method("body")
    api = _api(method, (VALIDATION_TEMPLATE,))
    gateway = Gateway(
        Deployment((api,), (), account_id="123456789012", region="us-east-1"),
        ScriptedInvoker(OK),
    )
    request = gateway_request(
        "/Prod/pets/7", method="POST", headers=JSON[1:], body=orjson.dumps(body)
    )
    response = await gateway.handle(request, "127.0.0.1:3000")
    assert response.status == 400
    expected = '{"error": "' + detail + '", "type": "BAD_REQUEST_BODY"}'
    assert response.body.decode() == expected


async def test_bad_request_parameters_gateway_response_is_customizable() -> None:
    setting = GatewayResponseSetting(
        response_type="BAD_REQUEST_PARAMETERS",
        status_code=422,
        response_parameters={"gatewayresponse.header.X-Why": "'params'"},
        response_templates={"application/json": '{"why": $context.error.messageString}'},
    )
    api = _api(_method("params"), (setting,))
    gateway = Gateway(
        Deployment((api,), (), account_id="123456789012", region="us-east-1"),
        ScriptedInvoker(OK),
    )
    request = gateway_request("/Prod/pets/7", method="POST", headers=JSON)
    response = await gateway.handle(request, "127.0.0.1:3000")
    assert response.status == 422
    assert response.body == b'{"why": "Missing required request parameters: [q1]"}'
    assert dict(response.headers)[b"x-why"] == b"params"


def test_the_stage_stays_out_of_a_deployment_without_validators() -> None:
    stage = ValidateRequest()
    plain = _api(_method(None))
    assert not stage.needed(Deployment((plain,), (), account_id="1", region="us-east-1"))
    checking = _api(_method("all"))
    assert stage.needed(Deployment((checking,), (), account_id="1", region="us-east-1"))


async def test_a_request_on_a_swapped_out_deployment_is_still_validated() -> None:
    """A request that started on the previous deployment meets a stage compiled for the
    next one: its method is compiled on the spot, once."""
    stage = ValidateRequest()
    old = Deployment((_api(_method("body")),), (), account_id="1", region="us-east-1")
    new = Deployment((_api(_method("params")),), (), account_id="1", region="us-east-1")
    assert stage.needed(old) and stage.needed(new)
    ctx = RequestContext(
        gateway_request("/Prod/pets/7", method="POST", body=b"{}"), old, "127.0.0.1:3000"
    )
    ctx.api = old.rest[API_ID]
    ctx.method = old.rest[API_ID].api.resources[2].methods["POST"]
    with pytest.raises(GatewayError) as raised:
        await stage(ctx)
    assert raised.value.response_type is ResponseType.BAD_REQUEST_BODY
    assert raised.value.validation_error == (
        '[object has missing required properties (["kind","name"])]'
    )


@pytest.mark.parametrize(
    ("schema", "status", "answer"),
    [
        # A reference to a model the API lacks: the API is broken, not the request.
        (
            {
                "properties": {
                    "a": {"$ref": f"https://apigateway.amazonaws.com/restapis/{API_ID}/models/Gone"}
                }
            },
            500,
            b'{"message": "Internal server error"}',
        ),
        # Not a draft-04 schema: reported when compiled, and bodies are not validated.
        ({"type": 5}, 200, b"ok"),
    ],
)
async def test_a_broken_model(schema: dict[str, object], status: int, answer: bytes) -> None:
    broken = Model(name="Pet", schema=schema)
    api = msgspec.structs.replace(_api(_method("body")), models=(broken,))
    gateway = Gateway(
        Deployment((api,), (), account_id="123456789012", region="us-east-1"),
        ScriptedInvoker(OK),
    )
    request = gateway_request("/Prod/pets/7", method="POST", body=b'{"a": 1}')
    response = await gateway.handle(request, "127.0.0.1:3000")
    assert (response.status, response.body) == (status, answer)
