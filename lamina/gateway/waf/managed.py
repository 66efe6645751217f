"""The AWS managed rule groups run here, each rule rebuilt from what AWS documents of it.

A rule's detection is ours only where AWS states it (sizes, a missing header); SQL
injection, cross-site scripting and Java/Log4Shell detection come from the OWASP CRS
(detect.py). Rules AWS does not document precisely enough are left out, and named in
docs/fidelity/gateway.md.
https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html
https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-use-case.html
"""

from __future__ import annotations

from lamina.gateway.waf.model import (
    ByteMatchStatement,
    FieldToMatch,
    NotStatement,
    SizeConstraintStatement,
    SqliMatchStatement,
    Statement,
    TextTransformation,
    XssMatchStatement,
)

_URL_DECODE = (TextTransformation(priority=0, type="URL_DECODE_UNI"),)
_HTML_DECODE = (
    TextTransformation(priority=0, type="URL_DECODE_UNI"),
    TextTransformation(priority=1, type="HTML_ENTITY_DECODE"),
)
_QUERY_ARGS = FieldToMatch(kind="AllQueryArguments")
_BODY = FieldToMatch(kind="Body")
_COOKIES = FieldToMatch(kind="Cookies", match_scope="VALUE")
_URI = FieldToMatch(kind="UriPath")
_USER_AGENT = FieldToMatch(kind="SingleHeader", name="user-agent")
_HEADERS = FieldToMatch(kind="Headers", match_scope="VALUE")
_QUERY = FieldToMatch(kind="QueryString")


LOG4SHELL_RULES = frozenset({944150, 944151, 944152})
"""CRS's Log4j / Log4Shell rules; the rest of 944xxx is Java deserialization and RCE."""


class JavaMatchStatement(XssMatchStatement, frozen=True, kw_only=True, tag=True):
    """Java attacks by CRS 944xxx, used only inside AWSManagedRulesKnownBadInputsRuleSet:
    Log4Shell JNDI lookups (`log4shell`) or the other Java deserialization / RCE rules."""

    log4shell: bool = False


def _java(field: FieldToMatch, *, log4shell: bool = False) -> Statement:
    decode = () if field.kind == "Headers" else _URL_DECODE
    return JavaMatchStatement(field=field, transformations=decode, log4shell=log4shell)


def _too_big(field: FieldToMatch, size: int) -> Statement:
    return SizeConstraintStatement(field=field, comparison="GT", size=size)


MANAGED_GROUPS: dict[str, tuple[tuple[str, Statement], ...]] = {
    # Core rule set: the size restrictions, the missing User-Agent and the XSS rules.
    "AWSManagedRulesCommonRuleSet": (
        # A missing component never matches a statement, so "no User-Agent" is "not one
        # with a length".
        (
            "NoUserAgent_HEADER",
            NotStatement(
                statement=SizeConstraintStatement(field=_USER_AGENT, comparison="GT", size=0)
            ),
        ),
        ("SizeRestrictions_QUERYSTRING", _too_big(FieldToMatch(kind="QueryString"), 2048)),
        (
            "SizeRestrictions_Cookie_HEADER",
            _too_big(FieldToMatch(kind="SingleHeader", name="cookie"), 10240),
        ),
        ("SizeRestrictions_BODY", _too_big(_BODY, 8192)),
        ("SizeRestrictions_URIPATH", _too_big(_URI, 1024)),
        (
            "CrossSiteScripting_COOKIE",
            XssMatchStatement(field=_COOKIES, transformations=_HTML_DECODE),
        ),
        (
            "CrossSiteScripting_QUERYARGUMENTS",
            XssMatchStatement(field=_QUERY_ARGS, transformations=_HTML_DECODE),
        ),
        ("CrossSiteScripting_BODY", XssMatchStatement(field=_BODY, transformations=_HTML_DECODE)),
        ("CrossSiteScripting_URIPATH", XssMatchStatement(field=_URI, transformations=_HTML_DECODE)),
    ),
    "AWSManagedRulesSQLiRuleSet": (
        ("SQLi_QUERYARGUMENTS", SqliMatchStatement(field=_QUERY_ARGS, transformations=_URL_DECODE)),
        ("SQLi_BODY", SqliMatchStatement(field=_BODY, transformations=_URL_DECODE)),
        ("SQLi_COOKIE", SqliMatchStatement(field=_COOKIES, transformations=_URL_DECODE)),
        ("SQLi_URIPATH", SqliMatchStatement(field=_URI, transformations=_URL_DECODE)),
    ),
    # https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html#aws-managed-rule-groups-baseline-known-bad-inputs
    "AWSManagedRulesKnownBadInputsRuleSet": (
        ("JavaDeserializationRCE_HEADER", _java(_HEADERS)),
        ("JavaDeserializationRCE_BODY", _java(_BODY)),
        ("JavaDeserializationRCE_URIPATH", _java(_URI)),
        ("JavaDeserializationRCE_QUERYSTRING", _java(_QUERY)),
        (
            "PROPFIND_METHOD",
            ByteMatchStatement(
                field=FieldToMatch(kind="Method"), search=b"PROPFIND", positional="EXACTLY"
            ),
        ),
        ("Log4JRCE_QUERYSTRING", _java(_QUERY, log4shell=True)),
        ("Log4JRCE_BODY", _java(_BODY, log4shell=True)),
        ("Log4JRCE_URIPATH", _java(_URI, log4shell=True)),
        ("Log4JRCE_HEADER", _java(_HEADERS, log4shell=True)),
    ),
}
"""Group name -> (rule name, statement) in evaluation order; every rule's action is Block."""

LABEL_NAMESPACES = {
    "AWSManagedRulesCommonRuleSet": "awswaf:managed:aws:core-rule-set:",
    "AWSManagedRulesSQLiRuleSet": "awswaf:managed:aws:sql-database:",
    "AWSManagedRulesKnownBadInputsRuleSet": "awswaf:managed:aws:known-bad-inputs:",
}
"""The namespace of the labels each group adds to the requests its rules match."""


def label_of(rule: str) -> str:
    """A managed rule's label name as AWS's rule tables list it
    (`SQLi_QUERYARGUMENTS` -> `SQLi_QueryArguments`)."""
    return _LABELS.get(rule, rule)


_LABELS = {
    "NoUserAgent_HEADER": "NoUserAgent_Header",
    "SizeRestrictions_QUERYSTRING": "SizeRestrictions_QueryString",
    "SizeRestrictions_Cookie_HEADER": "SizeRestrictions_Cookie_Header",
    "SizeRestrictions_BODY": "SizeRestrictions_Body",
    "SizeRestrictions_URIPATH": "SizeRestrictions_URIPath",
    "CrossSiteScripting_COOKIE": "CrossSiteScripting_Cookie",
    "CrossSiteScripting_QUERYARGUMENTS": "CrossSiteScripting_QueryArguments",
    "CrossSiteScripting_BODY": "CrossSiteScripting_Body",
    "CrossSiteScripting_URIPATH": "CrossSiteScripting_URIPath",
    "SQLi_QUERYARGUMENTS": "SQLi_QueryArguments",
    "SQLi_BODY": "SQLi_Body",
    "SQLi_COOKIE": "SQLi_Cookie",
    "SQLi_URIPATH": "SQLi_URIPath",
    "JavaDeserializationRCE_HEADER": "JavaDeserializationRCE_Header",
    "JavaDeserializationRCE_BODY": "JavaDeserializationRCE_Body",
    "JavaDeserializationRCE_URIPATH": "JavaDeserializationRCE_URIPath",
    "JavaDeserializationRCE_QUERYSTRING": "JavaDeserializationRCE_QueryString",
    "PROPFIND_METHOD": "PROPFIND_Method",
    "Log4JRCE_QUERYSTRING": "Log4JRCE_QueryString",
    "Log4JRCE_BODY": "Log4JRCE_Body",
    "Log4JRCE_URIPATH": "Log4JRCE_URIPath",
    "Log4JRCE_HEADER": "Log4JRCE_Header",
}
