"""A web ACL on a REST API stage, through real HTTP: what it blocks (403 WAF_FILTERED),
what it lets through, and what it says on the console."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.clients import client_from
from tests.conftest import FIXTURES, LaminaProcess

FORBIDDEN = b'{"message":"Forbidden"}'


@pytest.fixture(scope="module")
def waf_app() -> Iterator[LaminaProcess]:
    lamina = LaminaProcess(FIXTURES / "apps" / "waf")
    yield lamina
    lamina.stop()


def _assert_forbidden(response: httpx.Response) -> None:
    assert response.status_code == 403
    assert response.content == FORBIDDEN
    assert response.headers["x-amzn-errortype"] == "ForbiddenException"
    assert response.headers["content-type"] == "application/json"
    assert "x-amzn-requestid" in response.headers


def _console(app: LaminaProcess, needle: str) -> str:
    output = ""
    for _ in range(100):
        output = app.output()
        if needle in output:
            break
        time.sleep(0.05)
    return output


def test_benign_request_passes(waf_app: LaminaProcess) -> None:
    with client_from(waf_app.base) as client:
        response = client.get("/prod/hello?q=O%27Brien%27s%20pizza%20%26%20pasta")
    assert response.status_code == 200
    assert response.json()["query"] == {"q": "O'Brien's pizza & pasta"}


def test_address_in_blocked_ip_set_is_forbidden(waf_app: LaminaProcess) -> None:
    with client_from(waf_app.base, "127.0.0.2") as client:
        _assert_forbidden(client.get("/prod/hello"))
    output = _console(waf_app, "BlockListedAddresses")
    assert "403 WAF_FILTERED (blocked by WAF api-firewall: rule BlockListedAddresses)" in output


def test_sql_injection_in_query_is_forbidden(waf_app: LaminaProcess) -> None:
    with client_from(waf_app.base) as client:
        _assert_forbidden(client.get("/prod/hello", params={"id": "1' OR '1'='1' --"}))
        _assert_forbidden(client.get("/prod/hello?id=1%20UNION%20SELECT%20password%20FROM%20users"))
    assert "rule AWSManagedRulesSQLiRuleSet/SQLi_QUERYARGUMENTS" in _console(
        waf_app, "SQLi_QUERYARGUMENTS"
    )


def test_sql_injection_in_body_is_forbidden(waf_app: LaminaProcess) -> None:
    with client_from(waf_app.base) as client:
        _assert_forbidden(
            client.post(
                "/prod/hello", content=b"name=x' UNION SELECT username, password FROM users--"
            )
        )
        benign = client.post("/prod/hello", json={"name": "Conan O'Brien", "age": 61})
    assert benign.status_code == 200


def test_script_in_query_is_forbidden(waf_app: LaminaProcess) -> None:
    with client_from(waf_app.base) as client:
        _assert_forbidden(client.get("/prod/hello", params={"q": "<script>alert(1)</script>"}))
        # HTML entities are decoded first (the rule's HTML_ENTITY_DECODE).
        _assert_forbidden(
            client.get("/prod/hello?q=%26lt%3Bimg%20src%3Dx%20onerror%3Dalert(1)%26gt%3B")
        )
        assert client.get("/prod/hello", params={"q": "5 < 10 and x > 3"}).status_code == 200


def test_body_over_size_constraint_is_forbidden(waf_app: LaminaProcess) -> None:
    with client_from(waf_app.base) as client:
        assert client.post("/prod/hello", content=b"a" * 1024).status_code == 200
        _assert_forbidden(client.post("/prod/hello", content=b"a" * 1025))


def test_rate_based_rule_blocks_after_the_limit(waf_app: LaminaProcess) -> None:
    with client_from(waf_app.base, "127.0.0.3") as client:
        statuses = [client.get("/prod/limited").status_code for _ in range(10)]
        assert statuses == [200] * 10
        _assert_forbidden(client.get("/prod/limited"))
        # Only the scope-down's requests are limited, and only for this address.
        assert client.get("/prod/hello").status_code == 200
    with client_from(waf_app.base, "127.0.0.4") as other:
        assert other.get("/prod/limited").status_code == 200


def test_regex_pattern_set_on_path(waf_app: LaminaProcess) -> None:
    with client_from(waf_app.base) as client:
        _assert_forbidden(client.get("/prod/files/INDEX.PHP"))
        _assert_forbidden(client.get("/prod/files/wp-login"))
        assert client.get("/prod/files/report.pdf").status_code == 200


def test_count_rule_only_logs(waf_app: LaminaProcess) -> None:
    with client_from(waf_app.base) as client:
        assert client.get("/prod/hello", headers={"X-Debug": "ON"}).status_code == 200
    assert "WAF api-firewall: rule CountDebugHeader matched (Count)" in _console(
        waf_app, "CountDebugHeader"
    )


def test_waf_sees_requests_before_routing(waf_app: LaminaProcess) -> None:
    """A path with no resource on the protected stage is still inspected (AWS WAF sits in
    front of API Gateway): an attack there is Forbidden, a plain miss keeps API Gateway's
    Missing Authentication Token."""
    with client_from(waf_app.base) as client:
        _assert_forbidden(client.get("/prod/nowhere", params={"id": "1' OR '1'='1' --"}))
        miss = client.get("/prod/nowhere")
    assert miss.status_code == 403
    assert miss.json() == {"message": "Missing Authentication Token"}


def test_unprotected_stage_of_the_same_api_is_not_filtered(waf_app: LaminaProcess) -> None:
    with client_from(waf_app.base, "127.0.0.2") as client:
        assert client.get("/Stage/hello", params={"id": "1' OR '1'='1' --"}).status_code == 200
