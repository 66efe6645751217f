"""Lambda authorizers through the gateway pipeline, with a scripted runtime answering
for the authorizer function and the integration separately."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import orjson
import pytest

from lamina.aws.policy import Decision
from lamina.functions.error import FunctionNotFoundError
from lamina.functions.model import InvokeResult
from lamina.functions.policy import InvokeRequest
from lamina.gateway.app import Gateway
from lamina.gateway.auth.cache import AuthorizerAnswer, MemoryAuthorizerCache
from lamina.gateway.auth.lambda_ import _Decisions
from lamina.gateway.deployment import Deployment
from lamina.gateway.model import (
    Authorizer,
    HttpApi,
    LambdaIntegration,
    Method,
    Resource,
    RestApi,
    Route,
    Stage,
)
from lamina.gateway.request import GatewayRequest
from tests.gateway_request import gateway_request
from tests.invoker import FakeInvoker, Invocation

GOLDEN = json.loads(
    (Path(__file__).resolve().parents[3] / "fixtures" / "gateway_errors.json").read_text()
)
ACCOUNT = "123456789012"
REST_ID = "restapi001"
HTTP_ID = "httpapi001"
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}],
}


def policy(effect: str, resource: str) -> dict[str, Any]:
    statement = {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}
    return {"Version": "2012-10-17", "Statement": [statement]}


Answer = InvokeResult | Exception | Callable[[dict[str, Any]], InvokeResult]


class Runtime(FakeInvoker):
    """The gateway's Invoker: `Auth` answers as scripted; `App` echoes its event."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.auth_events: list[dict[str, Any]] = []
        self.auth_sources: list[InvokeRequest | None] = []
        self.app_events: list[dict[str, Any]] = []

    async def reply(self, call: Invocation) -> InvokeResult:
        event = call.event
        if call.name == "App":
            self.app_events.append(event)
            return InvokeResult(payload=b'{"statusCode": 200, "body": "app"}')
        self.auth_events.append(event)
        self.auth_sources.append(call.source)
        if isinstance(self.answer, Exception):
            raise self.answer
        if callable(self.answer):
            return self.answer(event)
        return self.answer


def returns(output: object) -> InvokeResult:
    return InvokeResult(payload=orjson.dumps(output))


def raises(message: str) -> InvokeResult:
    error = {"errorMessage": message, "errorType": "Exception", "stackTrace": []}
    return InvokeResult(payload=orjson.dumps(error), function_error="Unhandled")


TOKEN = Authorizer(
    id="tok001",
    name="Token",
    type="TOKEN",
    function_name="Auth",
    identity_sources=("method.request.header.Authorization",),
    identity_validation_expression="^Bearer .+$",
    result_ttl_seconds=300,
)
REQUEST = Authorizer(
    id="req001",
    name="Request",
    type="REQUEST",
    function_name="Auth",
    identity_sources=(
        "method.request.header.X-User",
        "method.request.querystring.tenant",
        "stageVariables.realm",
        "context.identity.sourceIp",
    ),
    result_ttl_seconds=0,
)
HTTP_SIMPLE = Authorizer(
    id="sim001",
    name="Simple",
    type="REQUEST",
    function_name="Auth",
    identity_sources=("$request.header.Authorization",),
    result_ttl_seconds=60,
    payload_format="2.0",
    simple_responses=True,
)
HTTP_POLICY = Authorizer(
    id="pol001",
    name="Policy",
    type="REQUEST",
    function_name="Auth",
    identity_sources=("$request.header.Authorization", "$request.querystring.k"),
    result_ttl_seconds=0,
    payload_format="1.0",
)
HTTP_UNCACHED = Authorizer(
    id="unc001",
    name="Uncached",
    type="REQUEST",
    function_name="Auth",
    result_ttl_seconds=300,
    payload_format="2.0",
    simple_responses=True,
)


def _method(authorizer: Authorizer) -> Method:
    return Method(
        http_method="GET",
        integration=LambdaIntegration(function_name="App", timeout_ms=1000),
        authorization_type="CUSTOM",
        authorizer_id=authorizer.id,
    )


def _route(key: str, authorizer: Authorizer, payload_format: str = "2.0") -> Route:
    return Route(
        route_key=key,
        integration=LambdaIntegration(
            function_name="App",
            payload_format="2.0" if payload_format == "2.0" else "1.0",
            timeout_ms=1000,
        ),
        authorization_type="CUSTOM",
        authorizer_id=authorizer.id,
    )


def _deployment() -> Deployment:
    rest = RestApi(
        id=REST_ID,
        logical_id="Rest",
        name="Rest",
        stages=(Stage(name="prod", variables={"realm": "blue"}),),
        authorizers=(TOKEN, REQUEST),
        resources=(
            Resource(id="r1", path="/token", methods={"GET": _method(TOKEN)}),
            Resource(id="r2", path="/other", methods={"GET": _method(TOKEN)}),
            Resource(id="r3", path="/request/{id}", methods={"GET": _method(REQUEST)}),
        ),
    )
    http = HttpApi(
        id=HTTP_ID,
        logical_id="Http",
        name="Http",
        stages=(Stage(name="$default", variables={"realm": "green"}),),
        authorizers=(HTTP_SIMPLE, HTTP_POLICY, HTTP_UNCACHED),
        routes=(
            _route("GET /simple", HTTP_SIMPLE),
            _route("GET /policy/{id}", HTTP_POLICY, payload_format="1.0"),
            _route("GET /uncached", HTTP_UNCACHED),
        ),
    )
    return Deployment((rest,), (http,), account_id=ACCOUNT, region="us-east-1")


def _request(
    path: str, headers: list[tuple[str, str]] | None = None, query: str = ""
) -> GatewayRequest:
    return gateway_request(path, headers=headers or (), query_string=query, source_ip="10.1.2.3")


class Call:
    def __init__(self, status: int, body: bytes, headers: dict[bytes, bytes]) -> None:
        self.status = status
        self.body = body
        self.headers = headers


async def call(
    gateway: Gateway,
    path: str,
    headers: list[tuple[str, str]] | None = None,
    query: str = "",
    host: str = "127.0.0.1:3000",
) -> Call:
    response = await gateway.handle(_request(path, headers, query), host)
    return Call(response.status, response.body, dict(response.headers))


def rest_host() -> str:
    return f"{REST_ID}.execute-api.localhost:3000"


def http_host() -> str:
    return f"{HTTP_ID}.execute-api.localhost:3000"


def assert_golden(result: Call, case: str) -> None:
    expected = GOLDEN[case]
    assert result.status == expected["status"]
    assert result.body == expected["body"].encode()
    error_type = expected["headers"].get("x-amzn-ErrorType")
    assert result.headers.get(b"x-amzn-errortype") == (error_type.encode() if error_type else None)


BEARER = [("Authorization", "Bearer abc")]


# REST TOKEN authorizers


async def test_token_allow_sends_the_documented_event_and_admits() -> None:
    runtime = Runtime(returns({"principalId": "user-1", "policyDocument": ALLOW_ALL}))
    result = await call(Gateway(_deployment(), runtime), "/prod/token", BEARER, host=rest_host())
    assert (result.status, result.body) == (200, b"app")
    assert runtime.auth_events == [
        {
            "type": "TOKEN",
            "authorizationToken": "Bearer abc",
            "methodArn": f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{REST_ID}/prod/GET/token",
        }
    ]
    source = runtime.auth_sources[0]
    assert source is not None
    assert (
        source.source_arn == f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{REST_ID}/authorizers/tok001"
    )
    assert source.principal == "apigateway.amazonaws.com"


@pytest.mark.parametrize("headers", [[], [("Authorization", "")], [("Authorization", "Basic x")]])
async def test_token_missing_or_invalid_is_401_without_calling(
    headers: list[tuple[str, str]],
) -> None:
    runtime = Runtime(returns({"principalId": "u", "policyDocument": ALLOW_ALL}))
    result = await call(Gateway(_deployment(), runtime), "/prod/token", headers, host=rest_host())
    assert_golden(result, "rest_lambda_authorizer_unauthorized")
    assert runtime.auth_events == []


async def test_token_authorizer_raising_unauthorized_is_401() -> None:
    runtime = Runtime(raises("Unauthorized"))
    result = await call(Gateway(_deployment(), runtime), "/prod/token", BEARER, host=rest_host())
    assert_golden(result, "rest_lambda_authorizer_unauthorized")


async def test_token_explicit_deny_is_403_with_the_explicit_deny_message() -> None:
    arn = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{REST_ID}/prod/GET/token"
    runtime = Runtime(returns({"principalId": "u", "policyDocument": policy("Deny", arn)}))
    result = await call(Gateway(_deployment(), runtime), "/prod/token", BEARER, host=rest_host())
    assert result.status == 403
    assert result.body == (
        b'{"Message":"User is not authorized to access this resource with an explicit deny"}'
    )
    assert result.headers[b"x-amzn-errortype"] == b"AccessDeniedException"
    assert runtime.app_events == []


async def test_token_policy_for_another_method_is_implicit_deny() -> None:
    other = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{REST_ID}/prod/GET/other"
    runtime = Runtime(returns({"principalId": "u", "policyDocument": policy("Allow", other)}))
    result = await call(Gateway(_deployment(), runtime), "/prod/token", BEARER, host=rest_host())
    assert_golden(result, "rest_lambda_authorizer_implicit_deny")


@pytest.mark.parametrize(
    "answer",
    [
        raises("boom"),
        returns({"principalId": "u"}),
        returns({"principalId": "u", "policyDocument": ALLOW_ALL, "context": {"o": {"a": 1}}}),
        returns({"principalId": "u", "policyDocument": ALLOW_ALL, "context": {"l": [1]}}),
        returns("not an object"),
        InvokeResult(payload=b"not json"),
        FunctionNotFoundError("Function not found: Auth"),
    ],
    ids=["error", "no-policy", "object-ctx", "array-ctx", "string", "junk", "gone"],
)
async def test_token_authorizer_failures_are_500_configuration_errors(answer: Answer) -> None:
    runtime = Runtime(answer)
    result = await call(Gateway(_deployment(), runtime), "/prod/token", BEARER, host=rest_host())
    assert_golden(result, "rest_lambda_authorizer_configuration_error")
    assert runtime.app_events == []


async def test_rest_context_reaches_the_integration_stringified() -> None:
    output = {
        "principalId": "user-1",
        "policyDocument": ALLOW_ALL,
        "context": {"stringKey": "value", "numberKey": 1, "booleanKey": True},
        "usageIdentifierKey": "key-123",
    }
    runtime = Runtime(returns(output))
    await call(Gateway(_deployment(), runtime), "/prod/token", BEARER, host=rest_host())
    authorizer = runtime.app_events[0]["requestContext"]["authorizer"]
    latency = authorizer.pop("integrationLatency")
    assert isinstance(latency, int) and latency >= 0
    assert authorizer == {
        "principalId": "user-1",
        "stringKey": "value",
        "numberKey": "1",
        "booleanKey": "true",
    }


async def test_rest_cached_policy_is_evaluated_again_per_method() -> None:
    token_arn = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{REST_ID}/prod/GET/token"
    runtime = Runtime(returns({"principalId": "u", "policyDocument": policy("Allow", token_arn)}))
    gateway = Gateway(_deployment(), runtime)
    first = await call(gateway, "/prod/token", BEARER, host=rest_host())
    again = await call(gateway, "/prod/token", BEARER, host=rest_host())
    other = await call(gateway, "/prod/other", BEARER, host=rest_host())
    assert (first.status, again.status, other.status) == (200, 200, 403)
    assert len(runtime.auth_events) == 1  # one call: the rest came from the cache
    cached = runtime.app_events[1]["requestContext"]["authorizer"]
    assert cached["integrationLatency"] == 0
    fresh = await call(
        gateway, "/prod/token", [("Authorization", "Bearer other")], host=rest_host()
    )
    assert fresh.status == 200
    assert len(runtime.auth_events) == 2  # another token is another cache entry


# REST REQUEST authorizers


async def test_request_event_matches_the_documented_shape() -> None:
    runtime = Runtime(returns({"principalId": "u", "policyDocument": ALLOW_ALL}))
    headers = [("X-User", "alice"), ("Accept", "*/*")]
    result = await call(
        Gateway(_deployment(), runtime),
        "/prod/request/42",
        headers,
        query="tenant=t1&tenant=t2",
        host=rest_host(),
    )
    assert result.status == 200
    event = runtime.auth_events[0]
    assert list(event) == [
        "type",
        "methodArn",
        "resource",
        "path",
        "httpMethod",
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "requestContext",
    ]
    assert event["type"] == "REQUEST"
    assert event["methodArn"].endswith(f"{REST_ID}/prod/GET/request/42")
    assert (event["resource"], event["path"]) == ("/request/{id}", "/request/42")
    assert event["headers"]["X-User"] == "alice"
    assert event["queryStringParameters"] == {"tenant": "t2"}
    assert event["multiValueQueryStringParameters"] == {"tenant": ["t1", "t2"]}
    assert event["pathParameters"] == {"id": "42"}
    assert event["stageVariables"] == {"realm": "blue"}
    assert event["requestContext"]["identity"]["sourceIp"] == "10.1.2.3"
    assert "authorizer" not in event["requestContext"]


@pytest.mark.parametrize(
    ("headers", "query"),
    [([], "tenant=t1"), ([("X-User", "alice")], ""), ([("X-User", "")], "tenant=t1")],
)
async def test_request_missing_identity_is_401_without_calling(
    headers: list[tuple[str, str]], query: str
) -> None:
    runtime = Runtime(returns({"principalId": "u", "policyDocument": ALLOW_ALL}))
    result = await call(
        Gateway(_deployment(), runtime), "/prod/request/1", headers, query=query, host=rest_host()
    )
    assert result.status == 401
    assert runtime.auth_events == []


async def test_request_ttl_zero_calls_every_time() -> None:
    runtime = Runtime(returns({"principalId": "u", "policyDocument": ALLOW_ALL}))
    gateway = Gateway(_deployment(), runtime)
    for _ in range(2):
        result = await call(
            gateway, "/prod/request/1", [("X-User", "a")], query="tenant=t", host=rest_host()
        )
        assert result.status == 200
    assert len(runtime.auth_events) == 2


# HTTP API authorizers


async def test_http_simple_response_allows_and_passes_lambda_context() -> None:
    runtime = Runtime(returns({"isAuthorized": True, "context": {"user": "bob", "n": 2}}))
    result = await call(Gateway(_deployment(), runtime), "/simple", BEARER, host=http_host())
    assert result.status == 200
    event = runtime.auth_events[0]
    # The documented sample's order (no cookies, query or path parameters were sent).
    assert list(event) == [
        "version",
        "type",
        "routeArn",
        "identitySource",
        "routeKey",
        "rawPath",
        "rawQueryString",
        "headers",
        "requestContext",
        "stageVariables",
    ]
    assert event["version"] == "2.0"
    assert event["type"] == "REQUEST"
    assert (
        event["routeArn"]
        == f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{HTTP_ID}/$default/GET/simple"
    )
    assert event["identitySource"] == ["Bearer abc"]
    assert event["routeKey"] == "GET /simple"
    assert event["rawPath"] == "/simple"
    assert event["stageVariables"] == {"realm": "green"}
    assert "body" not in event and "isBase64Encoded" not in event
    context = runtime.app_events[0]["requestContext"]
    assert context["authorizer"] == {"lambda": {"user": "bob", "n": 2}}


async def test_http_simple_response_denied_is_403_forbidden() -> None:
    runtime = Runtime(returns({"isAuthorized": False}))
    result = await call(Gateway(_deployment(), runtime), "/simple", BEARER, host=http_host())
    assert_golden(result, "http_lambda_authorizer_forbidden")


async def test_http_missing_identity_is_401() -> None:
    runtime = Runtime(returns({"isAuthorized": True}))
    result = await call(Gateway(_deployment(), runtime), "/simple", [], host=http_host())
    assert (result.status, result.body) == (401, b'{"message":"Unauthorized"}')
    assert runtime.auth_events == []


@pytest.mark.parametrize("answer", [returns({"isAuthorized": "yes"}), raises("Unauthorized")])
async def test_http_authorizer_failures_are_500(answer: Answer) -> None:
    result = await call(
        Gateway(_deployment(), Runtime(answer)), "/simple", BEARER, host=http_host()
    )
    assert_golden(result, "http_lambda_authorizer_error")


async def test_http_simple_response_is_cached_by_identity() -> None:
    runtime = Runtime(returns({"isAuthorized": True}))
    gateway = Gateway(_deployment(), runtime)
    for _ in range(3):
        assert (await call(gateway, "/simple", BEARER, host=http_host())).status == 200
    assert len(runtime.auth_events) == 1


async def test_http_without_identity_sources_is_never_cached() -> None:
    runtime = Runtime(returns({"isAuthorized": True}))
    gateway = Gateway(_deployment(), runtime)
    for _ in range(2):
        assert (await call(gateway, "/uncached", host=http_host())).status == 200
    assert len(runtime.auth_events) == 2
    assert runtime.auth_events[0]["identitySource"] is None


async def test_http_payload_1_sends_joined_identity_and_evaluates_the_policy() -> None:
    route_arn = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{HTTP_ID}/$default/GET/policy/*"

    def answer(event: dict[str, Any]) -> InvokeResult:
        effect = "Allow" if event["identitySource"] == "Bearer abc,k1" else "Deny"
        return returns({"principalId": "p", "policyDocument": policy(effect, route_arn)})

    runtime = Runtime(answer)
    gateway = Gateway(_deployment(), runtime)
    allowed = await call(gateway, "/policy/9", BEARER, query="k=k1", host=http_host())
    denied = await call(gateway, "/policy/9", BEARER, query="k=k2", host=http_host())
    assert allowed.status == 200
    assert_golden(denied, "http_lambda_authorizer_forbidden")
    event = runtime.auth_events[0]
    assert list(event) == [
        "version",
        "type",
        "methodArn",
        "identitySource",
        "authorizationToken",
        "resource",
        "path",
        "httpMethod",
        "headers",
        "queryStringParameters",
        "pathParameters",
        "stageVariables",
        "requestContext",
    ]
    assert event["version"] == "1.0"
    assert event["type"] == "REQUEST"
    assert event["authorizationToken"] == "Bearer abc,k1"
    assert event["methodArn"].endswith(f"{HTTP_ID}/$default/GET/policy/9")
    assert event["pathParameters"] == {"id": "9"}
    assert "authorizer" not in event["requestContext"]
    # The route integrates with payload 1.0: the context still arrives under "lambda".
    assert runtime.app_events[0]["requestContext"]["authorizer"] == {"lambda": None}


# With a REST resource policy (the Authorize stage combines both, Table A)


def _with_resource_policy(effect: str) -> Deployment:
    statement = {
        "Effect": effect,
        "Principal": "*",
        "Action": "execute-api:Invoke",
        "Resource": f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{REST_ID}/*",
    }
    rest = RestApi(
        id=REST_ID,
        logical_id="Rest",
        name="Rest",
        stages=(Stage(name="prod"),),
        authorizers=(TOKEN,),
        resources=(Resource(id="r1", path="/token", methods={"GET": _method(TOKEN)}),),
        policy={"Version": "2012-10-17", "Statement": [statement]},
    )
    return Deployment((rest,), (), account_id=ACCOUNT, region="us-east-1")


async def test_resource_policy_allow_overrules_an_authorizer_that_allows_nothing() -> None:
    elsewhere = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{REST_ID}/prod/GET/other"
    output = {"principalId": "u", "policyDocument": policy("Allow", elsewhere), "context": {"a": 1}}
    runtime = Runtime(returns(output))
    gateway = Gateway(_with_resource_policy("Allow"), runtime)
    result = await call(gateway, "/prod/token", BEARER, host=rest_host())
    assert result.status == 200
    authorizer = runtime.app_events[0]["requestContext"]["authorizer"]
    assert (authorizer["principalId"], authorizer["a"]) == ("u", "1")


async def test_resource_policy_allow_does_not_overrule_an_explicit_deny() -> None:
    runtime = Runtime(returns({"principalId": "u", "policyDocument": policy("Deny", "*")}))
    gateway = Gateway(_with_resource_policy("Allow"), runtime)
    result = await call(gateway, "/prod/token", BEARER, host=rest_host())
    assert result.status == 403
    assert b"with an explicit deny" in result.body


async def test_resource_policy_deny_refuses_before_calling_the_authorizer() -> None:
    runtime = Runtime(returns({"principalId": "u", "policyDocument": ALLOW_ALL}))
    gateway = Gateway(_with_resource_policy("Deny"), runtime)
    result = await call(gateway, "/prod/token", BEARER, host=rest_host())
    assert result.status == 403
    assert runtime.auth_events == []


async def test_authorizer_with_a_role_is_invoked_without_the_resource_policy_check() -> None:
    with_role = msgspec.structs.replace(TOKEN, credentials="arn:aws:iam::1:role/invoker")
    rest = RestApi(
        id=REST_ID,
        logical_id="Rest",
        name="Rest",
        stages=(Stage(name="prod"),),
        authorizers=(with_role,),
        resources=(Resource(id="r1", path="/token", methods={"GET": _method(with_role)}),),
    )
    runtime = Runtime(returns({"principalId": "u", "policyDocument": ALLOW_ALL}))
    gateway = Gateway(Deployment((rest,), (), account_id=ACCOUNT, region="us-east-1"), runtime)
    result = await call(gateway, "/prod/token", BEARER, host=rest_host())
    assert result.status == 200
    assert runtime.auth_sources == [None]


async def test_http_context_variables_are_identity_sources() -> None:
    by_context = Authorizer(
        id="ctx001",
        name="Context",
        type="REQUEST",
        function_name="Auth",
        identity_sources=(
            "$context.identity.sourceIp",
            "$context.routeKey",
            "$stageVariables.realm",
        ),
        result_ttl_seconds=0,
        payload_format="2.0",
        simple_responses=True,
    )
    http = HttpApi(
        id=HTTP_ID,
        logical_id="Http",
        name="Http",
        stages=(Stage(name="$default", variables={"realm": "green"}),),
        authorizers=(by_context,),
        routes=(_route("GET /ctx", by_context),),
    )
    runtime = Runtime(returns({"isAuthorized": True}))
    gateway = Gateway(Deployment((), (http,), account_id=ACCOUNT, region="us-east-1"), runtime)
    assert (await call(gateway, "/ctx", host=http_host())).status == 200
    assert runtime.auth_events[0]["identitySource"] == ["10.1.2.3", "GET /ctx", "green"]


async def test_output_without_principal_id_is_admitted_on_its_policy() -> None:
    runtime = Runtime(returns({"policyDocument": ALLOW_ALL}))
    result = await call(Gateway(_deployment(), runtime), "/prod/token", BEARER, host=rest_host())
    assert result.status == 200
    assert runtime.app_events[0]["requestContext"]["authorizer"]["principalId"] is None


# Cached answers: what the remembered per-method decisions must not change


async def test_cached_answer_denying_another_method_explicitly_denies_it_from_the_cache() -> None:
    other = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{REST_ID}/prod/GET/other"
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"},
            {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": other},
        ],
    }
    runtime = Runtime(returns({"principalId": "u", "policyDocument": document}))
    gateway = Gateway(_deployment(), runtime)
    results = [
        await call(gateway, path, BEARER, host=rest_host())
        for path in ("/prod/token", "/prod/other", "/prod/token", "/prod/other")
    ]
    assert [result.status for result in results] == [200, 403, 200, 403]
    assert results[3].body == (
        b'{"Message":"User is not authorized to access this resource with an explicit deny"}'
    )
    assert len(runtime.auth_events) == 1


async def test_cached_answer_with_a_condition_is_evaluated_on_every_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A policy allowing until an epoch second: the cached answer stands, but the
    condition is asked again on each request (aws:EpochTime moves on)."""
    statement = {
        "Action": "execute-api:Invoke",
        "Effect": "Allow",
        "Resource": "*",
        "Condition": {"NumericLessThan": {"aws:EpochTime": "2000000000"}},
    }
    document = {"Version": "2012-10-17", "Statement": [statement]}
    runtime = Runtime(returns({"principalId": "u", "policyDocument": document}))
    gateway = Gateway(_deployment(), runtime)
    now = [1_999_999_998.0]
    monkeypatch.setattr("lamina.aws.policy.time", type("Clock", (), {"time": lambda: now[0]}))
    assert (await call(gateway, "/prod/token", BEARER, host=rest_host())).status == 200
    assert (await call(gateway, "/prod/token", BEARER, host=rest_host())).status == 200
    now[0] = 2_000_000_001.0
    late = await call(gateway, "/prod/token", BEARER, host=rest_host())
    assert_golden(late, "rest_lambda_authorizer_implicit_deny")
    assert len(runtime.auth_events) == 1  # still the cached answer


async def test_flushed_cache_asks_again_and_the_new_policy_decides() -> None:
    cache = MemoryAuthorizerCache()
    answers = iter([policy("Allow", "*"), policy("Deny", "*")])
    runtime = Runtime(lambda event: returns({"principalId": "u", "policyDocument": next(answers)}))
    gateway = Gateway(_deployment(), runtime, authorizer_cache=cache)
    assert (await call(gateway, "/prod/token", BEARER, host=rest_host())).status == 200
    assert (await call(gateway, "/prod/token", BEARER, host=rest_host())).status == 200
    await cache.forget(frozenset({TOKEN.id}))  # FlushStageAuthorizersCache
    flushed = await call(gateway, "/prod/token", BEARER, host=rest_host())
    assert flushed.status == 403
    assert b"explicit deny" in flushed.body
    assert len(runtime.auth_events) == 2


async def test_expired_answer_asks_again_and_the_new_policy_decides() -> None:
    clock = [1000.0]
    cache = MemoryAuthorizerCache(clock=lambda: clock[0])
    answers = iter([policy("Allow", "*"), policy("Deny", "*")])
    runtime = Runtime(lambda event: returns({"principalId": "u", "policyDocument": next(answers)}))
    gateway = Gateway(_deployment(), runtime, authorizer_cache=cache)
    assert (await call(gateway, "/prod/token", BEARER, host=rest_host())).status == 200
    clock[0] += TOKEN.result_ttl_seconds
    assert (await call(gateway, "/prod/token", BEARER, host=rest_host())).status == 403
    assert len(runtime.auth_events) == 2


def test_decisions_for_a_cache_handing_out_copies_keep_one_entry_per_key_and_method(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Redis decodes a new answer object on every read: each replaces the last."""
    decisions = _Decisions()
    arn = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{REST_ID}/prod/GET/token"
    stored = msgspec.json.encode(
        AuthorizerAnswer(principal_id="u", statements=(ALLOW_ALL["Statement"][0],))
    )
    for _ in range(5):
        copy = msgspec.json.decode(stored, type=AuthorizerAnswer)
        assert decisions.decide(copy, arn, ("tok001", "Bearer abc")) is Decision.ALLOW
    assert len(decisions) == 1
    # An equal copy reuses the decision; a different answer under the same key does not.
    evaluated: list[str] = []
    monkeypatch.setattr(
        "lamina.gateway.auth.lambda_.evaluate",
        lambda statements, request: evaluated.append(request.resource) or Decision.EXPLICIT_DENY,
    )
    copy = msgspec.json.decode(stored, type=AuthorizerAnswer)
    assert decisions.decide(copy, arn, ("tok001", "Bearer abc")) is Decision.ALLOW
    assert evaluated == []
    other = AuthorizerAnswer(principal_id="v", statements=copy.statements)
    assert decisions.decide(other, arn, ("tok001", "Bearer abc")) is Decision.EXPLICIT_DENY
    assert evaluated == [arn]
    # An uncached answer is never remembered.
    decisions.decide(copy, arn, None)
    assert len(decisions) == 1


async def test_rest_answers_are_cached_per_stage() -> None:
    """FlushStageAuthorizersCache "flushes all authorizer cache entries on a stage": REST
    caches per stage, so an answer whose policy names one stage's method does not refuse
    the same token on another stage.
    https://docs.aws.amazon.com/apigateway/latest/api/API_FlushStageAuthorizersCache.html"""
    runtime = Runtime(
        lambda event: returns(
            {"principalId": "u", "policyDocument": policy("Allow", event["methodArn"])}
        )
    )
    deployment = _deployment()
    rest = deployment.rest_definitions[0]
    two_stages = msgspec.structs.replace(
        rest, stages=(*rest.stages, Stage(name="beta", variables={"realm": "blue"}))
    )
    gateway = Gateway(
        Deployment(
            (two_stages,), deployment.http_definitions, account_id=ACCOUNT, region="us-east-1"
        ),
        runtime,
    )
    for path in ("/prod/token", "/beta/token", "/prod/token", "/beta/token"):
        assert (await call(gateway, path, BEARER, host=rest_host())).status == 200, path
    assert [event["methodArn"].split("/")[1] for event in runtime.auth_events] == ["prod", "beta"]


async def test_method_arn_over_1600_bytes_is_414_before_the_authorizer() -> None:
    """ "When authorization is enabled on a method, the maximum length of the method's ARN
    ... is 1600 bytes ... the API client receives a 414 Request URI too long response."
    https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html"""
    runtime = Runtime(returns({"principalId": "u", "policyDocument": ALLOW_ALL}))
    gateway = Gateway(_deployment(), runtime)
    prefix = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{REST_ID}/prod/GET/request/"
    fits = "a" * (1600 - len(prefix))
    query = "tenant=t"
    headers = [("X-User", "ann")]
    ok = await call(gateway, f"/prod/request/{fits}", headers, query=query, host=rest_host())
    assert ok.status == 200
    too_long = await call(gateway, f"/prod/request/{fits}b", headers, query=query, host=rest_host())
    assert too_long.status == 414
    assert too_long.body == b'{"message":"Request URI too long"}'
    assert len(runtime.auth_events) == 1


async def test_http_answers_are_cached_per_stage() -> None:
    """HTTP APIs too (the docs are silent; stages are separate deployments): an answer
    cached on one stage is not reused on another."""
    runtime = Runtime(returns({"isAuthorized": True}))
    deployment = _deployment()
    http = deployment.http_definitions[0]
    two_stages = msgspec.structs.replace(http, stages=(*http.stages, Stage(name="beta")))
    gateway = Gateway(
        Deployment(
            deployment.rest_definitions, (two_stages,), account_id=ACCOUNT, region="us-east-1"
        ),
        runtime,
    )
    for path in ("/simple", "/beta/simple", "/simple", "/beta/simple"):
        assert (await call(gateway, path, BEARER, host=http_host())).status == 200, path
    assert [event["requestContext"]["stage"] for event in runtime.auth_events] == [
        "$default",
        "beta",
    ]
