"""Access log formats (the console's presets among them) and the non-blocking writer."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from lamina.gateway.access_log import AccessLogFormat, Served
from lamina.gateway.access_log_writer import AccessLogWriter, log_file
from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import Deployment
from lamina.gateway.error import ApiKind, GatewayError, GatewayResponse, ResponseType
from lamina.gateway.events.v1 import V1Target
from lamina.gateway.model import Method, Route, Stage
from lamina.gateway.request import GatewayRequest

# The API Gateway console's presets for REST API stages (Logs/Tracing tab), verbatim.
CLF = (
    "$context.identity.sourceIp $context.identity.caller $context.identity.user "
    '[$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" '
    "$context.status $context.responseLength $context.requestId"
)
JSON = (
    '{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", '
    '"caller":"$context.identity.caller", "user":"$context.identity.user",'
    '"requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod",'
    '"resourcePath":"$context.resourcePath", "status":"$context.status",'
    '"protocol":"$context.protocol", "responseLength":"$context.responseLength" }'
)
XML = (
    '<request id="$context.requestId"> <ip>$context.identity.sourceIp</ip> '
    "<caller>$context.identity.caller</caller> <user>$context.identity.user</user> "
    "<requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> "
    "<resourcePath>$context.resourcePath</resourcePath> <status>$context.status</status> "
    "<protocol>$context.protocol</protocol> "
    "<responseLength>$context.responseLength</responseLength> "
    "</request>"
)
CSV = (
    "$context.identity.sourceIp,$context.identity.caller,$context.identity.user,"
    "$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,"
    "$context.status,$context.responseLength,$context.requestId"
)
REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
TIME = "25/Nov/2025:17:00:00 +0000"


def _served(
    *,
    kind: ApiKind = ApiKind.REST,
    status: int = 200,
    body: bytes = b'{"ok":1}',
    error: GatewayError | None = None,
    authorizer: dict[str, object] | None = None,
) -> Served:
    request = GatewayRequest(
        method="POST",
        path="/pets/7",
        query_string="",
        headers=[("Host", "abc.execute-api.localhost"), ("User-Agent", "curl/8.5")],
        body=b"xyz",
        source_ip="192.0.2.7",
        protocol="HTTP/1.1",
        domain_name="abc123.execute-api.localhost",
        request_id=REQUEST_ID,
        extended_request_id="Ab1Cd2Ef3Gh=",
        time_epoch_ms=1_764_090_000_123,
    )
    ctx = RequestContext(request, Deployment((), (), account_id="123456789012", region="x"), "")
    ctx.kind = kind
    ctx.stage = Stage(name="Prod")
    if kind is ApiKind.REST:
        ctx.method = Method(http_method="POST")
        ctx.target = V1Target(
            account_id="123456789012",
            api_id="abc123",
            stage="Prod",
            stage_path_prefix="/Prod",
            stage_variables={},
            resource_id="r1",
            resource_path="/pets/{id}",
            path_params={"id": "7"},
            binary=False,
        )
    else:
        ctx.route = Route(route_key="POST /pets/{id}")
    ctx.error = error
    ctx.authorizer = authorizer
    ctx.integration_latency_ms = 12.4
    return Served(ctx, GatewayResponse(status, [], body), latency_ms=15.6)


def test_access_log_clf_preset() -> None:
    line = AccessLogFormat(CLF).render(_served())
    assert line == (f'192.0.2.7 - - [{TIME}] "POST /pets/{{id}} HTTP/1.1" 200 8 {REQUEST_ID}')


def test_access_log_json_preset_is_valid_json() -> None:
    entry = json.loads(AccessLogFormat(JSON).render(_served(status=201)))
    assert entry == {
        "requestId": REQUEST_ID,
        "ip": "192.0.2.7",
        "caller": "-",
        "user": "-",
        "requestTime": TIME,
        "httpMethod": "POST",
        "resourcePath": "/pets/{id}",
        "status": "201",
        "protocol": "HTTP/1.1",
        "responseLength": "8",
    }


def test_access_log_xml_preset() -> None:
    line = AccessLogFormat(XML).render(_served())
    assert line.startswith(f'<request id="{REQUEST_ID}"> <ip>192.0.2.7</ip> <caller>-</caller>')
    assert "<resourcePath>/pets/{id}</resourcePath> <status>200</status>" in line


def test_access_log_csv_preset() -> None:
    line = AccessLogFormat(CSV).render(_served())
    assert line.split(",") == [
        "192.0.2.7",
        "-",
        "-",
        TIME,
        "POST",
        "/pets/{id}",
        "HTTP/1.1",
        "200",
        "8",
        REQUEST_ID,
    ]


def test_access_log_latencies_ids_and_paths() -> None:
    text = (
        "$context.responseLatency|$context.integrationLatency|$context.extendedRequestId|"
        "$context.path|$context.stage|$context.requestTimeEpoch|$context.identity.userAgent|"
        "$context.domainName|$context.domainPrefix|$context.accountId"
    )
    assert AccessLogFormat(text).render(_served()).split("|") == [
        "16",
        "12",
        "Ab1Cd2Ef3Gh=",
        "/Prod/pets/7",
        "Prod",
        "1764090000123",
        "curl/8.5",
        "abc123.execute-api.localhost",
        "abc123",
        "123456789012",
    ]


def test_access_log_http_api_request_id_is_the_short_id_and_route_key_is_set() -> None:
    text = "$context.requestId $context.routeKey $context.resourcePath"
    served = _served(kind=ApiKind.HTTP)
    assert AccessLogFormat(text).render(served) == "Ab1Cd2Ef3Gh= POST /pets/{id} -"


def test_access_log_error_variables_name_the_gateway_response() -> None:
    error = GatewayError(ResponseType.MISSING_AUTHENTICATION_TOKEN)
    text = "$context.error.message|$context.error.messageString|$context.error.responseType"
    line = AccessLogFormat(text).render(_served(status=403, error=error))
    assert line == (
        'Missing Authentication Token|"Missing Authentication Token"|MISSING_AUTHENTICATION_TOKEN'
    )
    assert AccessLogFormat(text).render(_served()) == "-|-|-"


def test_access_log_authorizer_principal_context_and_claims() -> None:
    text = (
        "$context.authorizer.principalId $context.authorizer.tenant $context.authorizer.claims.sub"
    )
    rest = _served(authorizer={"principalId": "user-1", "tenant": "acme", "claims": {"sub": "s"}})
    assert AccessLogFormat(text).render(rest) == "user-1 acme s"
    http = _served(kind=ApiKind.HTTP, authorizer={"lambda": {"tenant": "acme"}})
    assert AccessLogFormat(text).render(http) == "- acme -"
    jwt = _served(kind=ApiKind.HTTP, authorizer={"jwt": {"claims": {"sub": "j"}}})
    assert AccessLogFormat(text).render(jwt) == "- - j"


def test_access_log_unknown_variable_is_reported_and_logs_a_dash() -> None:
    log_format = AccessLogFormat("$context.requestId $context.nonsense.")
    assert log_format.unknown == ["nonsense"]
    # A sentence's final dot is not part of the variable name.
    assert log_format.render(_served()) == f"{REQUEST_ID} -."


def test_access_log_text_without_variables_is_kept() -> None:
    assert AccessLogFormat("plain $ text $ctx").render(_served()) == "plain $ text $ctx"


@pytest.mark.parametrize(
    ("group", "relative"),
    [
        ("api-access", "api-access.log"),
        ("/aws/apigateway/welcome", "aws/apigateway/welcome.log"),
        ("../../etc/passwd", "etc/passwd.log"),
        ("/", "default.log"),
    ],
)
def test_access_log_file_stays_under_the_directory(
    tmp_path: Path, group: str, relative: str
) -> None:
    assert log_file(tmp_path, group) == tmp_path / relative


async def test_access_log_writer_appends_lines_in_order(tmp_path: Path) -> None:
    writer = AccessLogWriter(tmp_path)
    for number in range(100):
        writer.write("g", f"line {number}")
    await asyncio.sleep(0)  # the flusher runs in the background
    writer.write("/other/group", "x")
    await writer.close()
    assert (tmp_path / "g.log").read_text().splitlines() == [f"line {n}" for n in range(100)]
    assert (tmp_path / "other" / "group.log").read_text() == "x\n"
    assert (writer.written, writer.dropped) == (101, 0)


async def test_access_log_writer_drops_and_counts_when_full(tmp_path: Path) -> None:
    drops: list[int] = []
    writer = AccessLogWriter(tmp_path, max_pending=3, on_drop=lambda: drops.append(1))
    for number in range(5):  # no await in between: the flusher cannot run
        writer.write("g", str(number))
    assert writer.dropped == 2 and len(drops) == 2
    await writer.close()
    assert (tmp_path / "g.log").read_text().splitlines() == ["0", "1", "2"]


async def test_access_log_writer_after_close_drops(tmp_path: Path) -> None:
    writer = AccessLogWriter(tmp_path)
    await writer.close()
    writer.write("g", "late")
    assert writer.dropped == 1
    assert not (tmp_path / "g.log").exists()


# The console's presets for HTTP API stages, verbatim from
# https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html
HTTP_CLF = (
    "$context.identity.sourceIp - - [$context.requestTime] "
    '"$context.httpMethod $context.routeKey $context.protocol" '
    "$context.status $context.responseLength $context.requestId $context.extendedRequestId"
)
HTTP_JSON = (
    '{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", '
    '"requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod",'
    '"routeKey":"$context.routeKey", "status":"$context.status",'
    '"protocol":"$context.protocol", "responseLength":"$context.responseLength", '
    '"extendedRequestId": "$context.extendedRequestId" }'
)


def test_access_log_http_api_clf_preset() -> None:
    line = AccessLogFormat(HTTP_CLF).render(_served(kind=ApiKind.HTTP))
    # An HTTP API's requestId is its short id; extendedRequestId is "equivalent to" it.
    assert line == f'192.0.2.7 - - [{TIME}] "POST POST /pets/{{id}} HTTP/1.1" 200 8 ' + (
        "Ab1Cd2Ef3Gh= Ab1Cd2Ef3Gh="
    )


def test_access_log_http_api_json_preset_is_valid_json() -> None:
    entry = json.loads(AccessLogFormat(HTTP_JSON).render(_served(kind=ApiKind.HTTP, status=404)))
    assert entry == {
        "requestId": "Ab1Cd2Ef3Gh=",
        "ip": "192.0.2.7",
        "requestTime": TIME,
        "httpMethod": "POST",
        "routeKey": "POST /pets/{id}",
        "status": "404",
        "protocol": "HTTP/1.1",
        "responseLength": "8",
        "extendedRequestId": "Ab1Cd2Ef3Gh=",
    }
