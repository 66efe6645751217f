"""The web ACL's outcome memo: a repeated request (the same inspected inputs) is answered
without running the rules again, with the same verdict, counted rules, labels and notes;
inputs the ACL does not read do not matter, those it reads do, and an ACL with a
rate-based rule is evaluated every time (its counts are not a function of the request)."""

from __future__ import annotations

from collections.abc import Sequence

from lamina.gateway.waf.detect import Attack, CrsDetector, Detectors
from lamina.gateway.waf.engine import Compiler
from lamina.gateway.waf.field import RequestView
from lamina.gateway.waf.model import (
    ByteMatchStatement,
    FieldToMatch,
    ManagedRuleGroupStatement,
    RateBasedStatement,
    Rule,
    WebAcl,
)
from lamina.gateway.waf.rate import RateCounter

SQLI = "id=1%20UNION%20SELECT%20password%20FROM%20users"


class CountingDetector(CrsDetector):
    """A real CRS detector that counts the inspections asked of it."""

    def __init__(self, attack: Attack, paranoia: int) -> None:
        super().__init__(attack, paranoia)
        self.calls = 0

    def detect(self, elements: Sequence[bytes]) -> tuple[int, ...] | None:
        self.calls += 1
        return super().detect(elements)


class CountingDetectors(Detectors):
    def __init__(self) -> None:
        super().__init__()
        self.made: list[CountingDetector] = []

    def get(self, attack: Attack, paranoia: int) -> CrsDetector:
        detector = CountingDetector(attack, paranoia)
        self.made.append(detector)
        return detector

    @property
    def calls(self) -> int:
        return sum(detector.calls for detector in self.made)


def view(
    query: str = "", headers: list[tuple[str, str]] | None = None, ip: str = "198.51.100.7"
) -> RequestView:
    return RequestView(
        method="GET",
        uri_path="/prod/items",
        query_string=query,
        headers=headers if headers is not None else [("User-Agent", "test")],
        body=b"",
        source_ip=ip,
        body_limit=16384,
    )


def managed(name: str, priority: int, count: bool = False) -> Rule:
    return Rule(
        name=name,
        priority=priority,
        statement=ManagedRuleGroupStatement(vendor="AWS", name=name),
        override_action="Count" if count else "None",
    )


def web_acl(*rules: Rule) -> WebAcl:
    return WebAcl(
        name="shop", arn="arn:aws:wafv2:us-east-1:123456789012:regional/webacl/shop/a", rules=rules
    )


def test_a_repeated_request_replays_verdict_counted_labels_and_notes() -> None:
    detectors = CountingDetectors()
    acl = web_acl(
        managed("AWSManagedRulesSQLiRuleSet", 0, count=True),
        managed("AWSManagedRulesCommonRuleSet", 1),
    )
    compiled = Compiler(detectors, RateCounter()).compile_acl(acl)
    first = view(SQLI)
    verdict = compiled.evaluate(first)
    calls = detectors.calls
    assert calls > 0
    again = view(SQLI)
    replayed = compiled.evaluate(again)
    assert detectors.calls == calls  # answered from the memo
    assert (replayed.action, replayed.rule, replayed.counted) == (
        verdict.action,
        verdict.rule,
        verdict.counted,
    )
    assert verdict.counted == ["AWSManagedRulesSQLiRuleSet/SQLi_QUERYARGUMENTS"]
    assert again.labels == first.labels == ["awswaf:managed:aws:sql-database:SQLi_QueryArguments"]
    assert again.notes == first.notes and first.notes[0].startswith("CRS 942")


def test_only_the_inputs_the_acl_reads_key_the_memo() -> None:
    detectors = CountingDetectors()
    acl = web_acl(managed("AWSManagedRulesSQLiRuleSet", 0))
    compiled = Compiler(detectors, RateCounter()).compile_acl(acl)
    compiled.evaluate(view("q=1"))
    calls = detectors.calls
    # Another address and another unread header: the same inspected inputs.
    other = view("q=1", headers=[("User-Agent", "test"), ("X-Trace", "42")], ip="192.0.2.9")
    assert compiled.evaluate(other).action == "Allow"
    assert detectors.calls == calls
    # A cookie is read (SQLi_COOKIE): a new one is inspected, and blocks.
    cookie = view("q=1", headers=[("User-Agent", "test"), ("Cookie", "sid=1' or '1'='1")])
    assert compiled.evaluate(cookie).rule == "AWSManagedRulesSQLiRuleSet/SQLi_COOKIE"
    assert detectors.calls > calls


def test_the_header_the_acl_reads_decides_even_when_other_headers_repeat() -> None:
    acl = web_acl(managed("AWSManagedRulesCommonRuleSet", 0))
    compiled = Compiler(CountingDetectors(), RateCounter()).compile_acl(acl)
    assert compiled.evaluate(view()).action == "Allow"
    no_agent = compiled.evaluate(view(headers=[("Accept", "*/*")]))
    assert no_agent.rule == "AWSManagedRulesCommonRuleSet/NoUserAgent_HEADER"
    assert compiled.evaluate(view()).action == "Allow"


def test_an_acl_with_a_rate_based_rule_is_evaluated_every_time() -> None:
    admin = ByteMatchStatement(
        field=FieldToMatch(kind="UriPath"), search=b"/admin", positional="CONTAINS"
    )
    rules = (
        Rule(name="admin", priority=0, statement=admin, action="Block"),
        Rule(name="rate", priority=1, statement=RateBasedStatement(limit=3), action="Block"),
    )
    compiled = Compiler(CountingDetectors(), RateCounter()).compile_acl(web_acl(*rules))
    actions = [compiled.evaluate(view()).action for _ in range(5)]
    assert actions == ["Allow"] * 3 + ["Block"] * 2


def test_large_inputs_are_not_remembered_but_still_decided() -> None:
    detectors = CountingDetectors()
    compiled = Compiler(detectors, RateCounter()).compile_acl(
        web_acl(managed("AWSManagedRulesSQLiRuleSet", 0))
    )
    large = "x=" + "a" * 4096
    assert compiled.evaluate(view(large)).action == "Allow"
    calls = detectors.calls
    assert compiled.evaluate(view(large)).action == "Allow"
    assert detectors.calls > calls  # evaluated again (not kept: over the memo's size)
    assert compiled.evaluate(view(large + "&" + SQLI)).action == "Block"
