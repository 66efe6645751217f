import base64

from lamina.gateway.deployment import CompiledRestApi
from lamina.gateway.events.clock import request_time
from lamina.gateway.events.common import media_type_patterns
from lamina.gateway.events.v1 import V1Target, build_v1_event
from lamina.gateway.events.v2 import V2Target, build_v2_event
from lamina.gateway.model import RestApi
from lamina.gateway.request import GatewayRequest


def _request(**overrides: object) -> GatewayRequest:
    fields: dict[str, object] = {
        "method": "GET",
        "path": "/hello/world",
        "query_string": "a=1&b=2&a=3",
        "headers": [
            ("Host", "example.com"),
            ("User-Agent", "curl/8"),
            ("X-Dup", "1"),
            ("X-Dup", "2"),
        ],
        "body": b"",
        "source_ip": "127.0.0.1",
        "protocol": "HTTP/1.1",
        "domain_name": "abc123.execute-api.localhost",
        "request_id": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "extended_request_id": "JKJaXmPLvHcESHA=",
        "time_epoch_ms": 1428582896000,
    }
    fields.update(overrides)
    return GatewayRequest(**fields)  # type: ignore[arg-type]


def _v1(binary: bool = False) -> V1Target:
    return V1Target(
        account_id="123456789012",
        api_id="abc123",
        stage="Prod",
        stage_path_prefix="/Prod",
        stage_variables={},
        resource_id="r1",
        resource_path="/hello/{name}",
        path_params={"name": "world"},
        binary=binary,
    )


def test_request_time_is_clf_utc() -> None:
    assert request_time(1428582896000) == "09/Apr/2015:12:34:56 +0000"


def test_v1_event_multi_values_and_nulls() -> None:
    event = build_v1_event(_request(), _v1(), http_api=False)
    assert event["resource"] == "/hello/{name}"
    assert event["path"] == "/hello/world"
    assert event["requestContext"]["path"] == "/Prod/hello/world"
    assert event["headers"]["X-Dup"] == "2"
    assert event["multiValueHeaders"]["X-Dup"] == ["1", "2"]
    assert event["queryStringParameters"] == {"a": "3", "b": "2"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "3"], "b": ["2"]}
    assert event["pathParameters"] == {"name": "world"}
    assert event["stageVariables"] is None
    assert event["body"] is None and event["isBase64Encoded"] is False
    assert "version" not in event
    assert event["requestContext"]["identity"]["userAgent"] == "curl/8"
    assert event["requestContext"]["requestTime"] == "09/Apr/2015:12:34:56 +0000"


def test_v1_event_without_query_has_null_maps() -> None:
    event = build_v1_event(_request(query_string=""), _v1(), http_api=False)
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None


def test_v1_event_binary_body_is_base64() -> None:
    body = bytes([0, 255, 1])
    event = build_v1_event(_request(method="POST", body=body), _v1(binary=True), http_api=False)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body


def test_v1_event_for_http_api_has_version() -> None:
    assert build_v1_event(_request(), _v1(), http_api=True)["version"] == "1.0"


def _v2() -> V2Target:
    return V2Target(
        account_id="123456789012",
        api_id="abc123",
        stage="$default",
        stage_variables={},
        route_key="GET /hello/{name}",
        path_params={"name": "world"},
    )


def test_v2_event_joins_duplicates_and_lowercases_headers() -> None:
    request = _request(headers=[("X-Dup", "1"), ("x-dup", "2"), ("Cookie", "a=1; b=2")])
    event = build_v2_event(request, _v2(), "/hello/world")
    assert event["headers"]["x-dup"] == "1,2"
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["queryStringParameters"] == {"a": "1,3", "b": "2"}
    assert event["rawQueryString"] == "a=1&b=2&a=3"
    assert event["requestContext"]["http"]["method"] == "GET"
    assert event["requestContext"]["timeEpoch"] == 1428582896000
    assert "body" not in event and "stageVariables" not in event


def test_v2_event_omits_empty_optional_fields() -> None:
    request = _request(query_string="", headers=[])
    target = V2Target(
        account_id="1",
        api_id="a",
        stage="$default",
        stage_variables={},
        route_key="$default",
        path_params={},
    )
    event = build_v2_event(request, target, "/")
    for absent in ("cookies", "queryStringParameters", "pathParameters", "body"):
        assert absent not in event


def test_v2_event_binary_content_type_is_base64() -> None:
    request = _request(method="POST", body=b"\x89PNG", headers=[("content-type", "image/png")])
    event = build_v2_event(request, _v2(), "/x")
    assert event["isBase64Encoded"] is True
    request = _request(method="POST", body=b"{}", headers=[("content-type", "application/json")])
    assert build_v2_event(request, _v2(), "/x")["isBase64Encoded"] is False


def test_v1_rest_event_invalid_utf8_text_body_stays_text() -> None:
    request = _request(method="POST", body=b"caf\xe9")
    event = build_v1_event(request, _v1(), http_api=False)
    assert (event["body"], event["isBase64Encoded"]) == ("caf\ufffd", False)


def test_v2_event_invalid_utf8_text_body_is_base64() -> None:
    request = _request(method="POST", body=b"caf\xe9", headers=[("content-type", "text/plain")])
    event = build_v2_event(request, _v2(), "/x")
    assert (event["body"], event["isBase64Encoded"]) == ("Y2Fm6Q==", True)


def test_rest_api_is_binary_matches_wildcards_case_insensitively() -> None:
    api = CompiledRestApi(
        RestApi(id="a", logical_id="A", name="A", binary_media_types=("Image/*", "*/PDF"))
    )
    assert api.is_binary("image/png")
    assert api.is_binary("application/pdf")
    assert not api.is_binary("text/plain")
    assert not api.is_binary("")


def test_media_type_patterns_lowercases_and_splits() -> None:
    assert media_type_patterns(("Image/PNG", "*/*")) == (("image", "png"), ("*", "*"))
