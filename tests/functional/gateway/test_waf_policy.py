"""A web ACL whose default action is Block, through real HTTP: rule priority (an Allow
rule ends evaluation), managed groups with a rule overridden to Count and a group counted
whose label a later rule blocks on, a byte match after a text transformation, the
16 KB body inspection limit of API Gateway, and a Block's custom response."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.clients import client_from
from tests.conftest import FIXTURES, LaminaProcess

FORBIDDEN = b'{"message":"Forbidden"}'
PARTNER = {"x-client": "PARTNER-acme"}  # the rule lowercases it before comparing
XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def app() -> Iterator[LaminaProcess]:
    lamina = LaminaProcess(FIXTURES / "apps" / "waf_policy")
    yield lamina
    lamina.stop()


def _forbidden(response: httpx.Response) -> bool:
    return (response.status_code, response.content) == (403, FORBIDDEN) and response.headers[
        "x-amzn-errortype"
    ] == "ForbiddenException"


def _console(app: LaminaProcess, needle: str) -> str:
    output = ""
    for _ in range(100):
        output = app.output()
        if needle in output:
            break
        time.sleep(0.05)
    return output


def test_default_block_denies_a_request_no_rule_allows(app: LaminaProcess) -> None:
    with client_from(app.base) as client:
        assert _forbidden(client.get("/prod/hello"))
    assert "blocked by WAF partners-only: default action" in _console(app, "default action")


def test_allow_rule_after_a_text_transformation_admits(app: LaminaProcess) -> None:
    with client_from(app.base) as client:
        response = client.get("/prod/hello", headers=PARTNER, params={"q": "pizza"})
    assert response.status_code == 200, response.text
    assert response.json()["query"] == {"q": "pizza"}


def test_managed_common_rule_set_blocks_script_before_the_allow_rule(app: LaminaProcess) -> None:
    with client_from(app.base) as client:
        assert _forbidden(client.get("/prod/hello", headers=PARTNER, params={"q": XSS}))
        # No User-Agent at all: NoUserAgent_HEADER.
        no_agent = client.build_request("GET", "/prod/hello", headers=PARTNER)
        del no_agent.headers["user-agent"]
        assert _forbidden(client.send(no_agent))
    output = _console(app, "NoUserAgent_HEADER")
    assert "rule AWSManagedRulesCommonRuleSet/CrossSiteScripting_QUERYARGUMENTS" in output
    assert "rule AWSManagedRulesCommonRuleSet/NoUserAgent_HEADER" in output


def test_allow_rule_of_higher_priority_ends_evaluation(app: LaminaProcess) -> None:
    with client_from(app.base, "127.0.0.5") as trusted:
        assert trusted.get("/prod/hello", params={"q": XSS}).status_code == 200


def test_rule_action_override_counts_an_oversize_body(app: LaminaProcess) -> None:
    with client_from(app.base) as client:
        response = client.post("/prod/hello", headers=PARTNER, content=b"a" * 9000)
    assert response.status_code == 200
    assert response.json()["body_length"] == 9000
    assert "rule AWSManagedRulesCommonRuleSet/SizeRestrictions_BODY matched (Count)" in _console(
        app, "SizeRestrictions_BODY"
    )


def test_counted_group_label_blocks_through_a_label_rule(app: LaminaProcess) -> None:
    with client_from(app.base) as client:
        attack = client.get("/prod/hello", headers=PARTNER, params={"id": "1' OR '1'='1' --"})
    assert _forbidden(attack)
    output = _console(app, "rule BlockSQLiInQuery")
    assert "rule AWSManagedRulesSQLiRuleSet/SQLi_QUERYARGUMENTS matched (Count)" in output
    assert "blocked by WAF partners-only: rule BlockSQLiInQuery" in output


def test_body_is_inspected_up_to_16_kb_only(app: LaminaProcess) -> None:
    with client_from(app.base) as client:
        early = client.post("/prod/hello", headers=PARTNER, content=b"a" * 1000 + XSS.encode())
        late = client.post("/prod/hello", headers=PARTNER, content=b"a" * 17000 + XSS.encode())
    assert _forbidden(early)
    assert late.status_code == 200  # past the first 16 KB: not seen (OversizeHandling CONTINUE)


def test_block_with_a_custom_response_replaces_the_403(app: LaminaProcess) -> None:
    with client_from(app.base) as client:
        response = client.get("/prod/hello", headers={"User-Agent": "sqlmap/1.7"})
    assert response.status_code == 429
    assert response.content == b'{"error":"scanners are not welcome"}'
    assert response.headers["content-type"] == "application/json"
    assert response.headers["retry-after"] == "3600"
    assert "x-amzn-errortype" not in response.headers
    assert "429 WAF_FILTERED (blocked by WAF partners-only: rule TurnAwayScanners, custom" in (
        _console(app, "TurnAwayScanners")
    )


def test_count_and_allow_insert_prefixed_request_headers(app: LaminaProcess) -> None:
    headers = {**PARTNER, "User-Agent": "Mozilla/5.0 (iPhone) Mobile Safari"}
    # A header the client sends under an inserted name is overwritten, not kept.
    headers["x-amzn-waf-partner"] = "forged"
    with client_from(app.base) as client:
        response = client.get("/prod/hello", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["waf_headers"] == {
        "x-amzn-waf-client": "mobile",
        "x-amzn-waf-partner": "yes",
    }
