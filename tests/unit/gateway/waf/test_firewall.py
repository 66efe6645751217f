"""The Firewall stage inside the whole pipeline: a blocked request is answered 403
WAF_FILTERED before any invocation; an allowed one, or a stage without a web ACL, goes on."""

from __future__ import annotations

from lamina.functions.model import InvokeResult
from lamina.gateway.app import Gateway
from lamina.gateway.deployment import Deployment
from lamina.gateway.model import LambdaIntegration, Method, Resource, RestApi, Stage
from lamina.gateway.request import GatewayRequest
from lamina.gateway.waf.model import (
    ByteMatchStatement,
    FieldToMatch,
    Rule,
    TextTransformation,
    WebAcl,
)
from tests.invoker import ScriptedInvoker

OK = InvokeResult(payload=b'{"statusCode": 200, "body": "hi"}')


def _deployment(default: str = "Allow") -> Deployment:
    deny_admin = ByteMatchStatement(
        field=FieldToMatch(kind="UriPath"),
        search=b"/admin",
        positional="ENDS_WITH",
        transformations=(TextTransformation(priority=0, type="LOWERCASE"),),
    )
    acl = WebAcl(
        name="acl",
        arn="arn:aws:wafv2:us-east-1:123456789012:regional/webacl/acl/1",
        default_action=default,  # type: ignore[arg-type]
        rules=(Rule(name="NoAdmin", priority=0, statement=deny_admin, action="Block"),),
    )
    lam = LambdaIntegration(function_name="Fn", timeout_ms=100)
    methods = {"GET": Method(http_method="GET", integration=lam)}
    rest = RestApi(
        id="restapi001",
        logical_id="Rest",
        name="Rest",
        stages=(Stage(name="prod", web_acl=acl), Stage(name="dev")),
        resources=(
            Resource(id="a", path="/hello", methods=methods),
            Resource(id="b", path="/admin", methods=methods),
        ),
    )
    return Deployment((rest,), (), account_id="123456789012", region="us-east-1")


def _request(path: str) -> GatewayRequest:
    return GatewayRequest(
        method="GET",
        path=path,
        query_string="",
        headers=[("Host", "127.0.0.1:3000"), ("User-Agent", "test")],
        body=b"",
        source_ip="127.0.0.1",
        protocol="HTTP/1.1",
        domain_name="127.0.0.1:3000",
        request_id="11111111-2222-4333-8444-555555555555",
        extended_request_id="AAAAAAAAAAAAAAA=",
        time_epoch_ms=0,
    )


async def test_blocked_request_gets_waf_filtered_and_never_reaches_the_function() -> None:
    invoker = ScriptedInvoker(OK)
    gateway = Gateway(_deployment(), invoker)
    # No resource matches /ADMIN (routing is case-sensitive), yet AWS WAF, in front of
    # API Gateway, blocks it before routing could answer Missing Authentication Token.
    response = await gateway.handle(_request("/prod/ADMIN"), "127.0.0.1:3000")
    assert response.status == 403
    assert response.body == b'{"message":"Forbidden"}'
    headers = dict(response.headers)
    assert headers[b"x-amzn-errortype"] == b"ForbiddenException"
    assert headers[b"x-amzn-requestid"] == b"11111111-2222-4333-8444-555555555555"
    assert invoker.events == []


async def test_allowed_request_and_stage_without_acl_reach_the_function() -> None:
    invoker = ScriptedInvoker(OK)
    gateway = Gateway(_deployment(), invoker)
    assert (await gateway.handle(_request("/prod/hello"), "127.0.0.1:3000")).status == 200
    assert (await gateway.handle(_request("/dev/admin"), "127.0.0.1:3000")).status == 200
    assert len(invoker.events) == 2


async def test_default_block_answers_every_request_not_allowed() -> None:
    invoker = ScriptedInvoker(OK)
    gateway = Gateway(_deployment(default="Block"), invoker)
    response = await gateway.handle(_request("/prod/hello"), "127.0.0.1:3000")
    assert (response.status, response.body) == (403, b'{"message":"Forbidden"}')
    assert invoker.events == []
