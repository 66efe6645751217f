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


class JavaMatchStatement(XssMatchStatement, frozen=True, kw_only=True, tag=True):
    """Java deserialization and Log4Shell (JNDI lookup) payloads, by CRS 944xxx; used only
    inside AWSManagedRulesKnownBadInputsRuleSet."""


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
    "AWSManagedRulesKnownBadInputsRuleSet": (
        (
            "JavaDeserializationRCE_HEADER",
            JavaMatchStatement(field=FieldToMatch(kind="Headers", match_scope="VALUE")),
        ),
        (
            "JavaDeserializationRCE_BODY",
            JavaMatchStatement(field=_BODY, transformations=_URL_DECODE),
        ),
        (
            "JavaDeserializationRCE_URIPATH",
            JavaMatchStatement(field=_URI, transformations=_URL_DECODE),
        ),
        (
            "JavaDeserializationRCE_QUERYSTRING",
            JavaMatchStatement(field=FieldToMatch(kind="QueryString"), transformations=_URL_DECODE),
        ),
    ),
}
"""Group name -> (rule name, statement) in evaluation order; every rule's action is Block."""
