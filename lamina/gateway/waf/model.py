"""AWS WAF's web ACL model (AWS::WAFv2::WebACL, IPSet, RegexPatternSet), as the gateway runs it.

Names follow the WAFv2 API; values keep AWS's spelling (`"UriPath"`, `"CONTAINS_WORD"`,
`"URL_DECODE"`) so a console line or a test reads like the template it came from.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-wafv2-webacl.html
"""

from __future__ import annotations

from typing import Literal

import msgspec

# API Gateway forwards the first 16 KB of a body to AWS WAF unless the web ACL's
# AssociationConfig raises it (to 32, 48 or 64 KB).
# https://docs.aws.amazon.com/waf/latest/APIReference/API_Body.html
DEFAULT_BODY_LIMIT = 16 * 1024

# Rate-based rules look back 300 s unless EvaluationWindowSec says 60, 120 or 600.
# https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html
DEFAULT_EVALUATION_WINDOW = 300

FieldKind = Literal[
    "UriPath",
    "QueryString",
    "SingleQueryArgument",
    "AllQueryArguments",
    "SingleHeader",
    "Headers",
    "Cookies",
    "Body",
    "JsonBody",
    "Method",
]
Oversize = Literal["CONTINUE", "MATCH", "NO_MATCH"]
MatchScope = Literal["ALL", "KEY", "VALUE"]


class TextTransformation(msgspec.Struct, frozen=True, kw_only=True):
    priority: int
    type: str
    """NONE, URL_DECODE, HTML_ENTITY_DECODE, LOWERCASE, COMPRESS_WHITE_SPACE, CMD_LINE, ..."""


class FieldToMatch(msgspec.Struct, frozen=True, kw_only=True):
    """The part of the request a statement inspects.

    https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-fields-list.html
    """

    kind: FieldKind
    name: str = ""
    """SingleHeader / SingleQueryArgument: the name, compared case-insensitively."""
    oversize: Oversize = "CONTINUE"
    """Body, JsonBody, Headers, Cookies: what a component over the inspection limit does."""
    match_scope: MatchScope = "ALL"
    """Headers, Cookies, JsonBody: inspect keys, values or both."""
    included: tuple[str, ...] | None = None
    """Headers/Cookies: IncludedHeaders/IncludedCookies; JsonBody: IncludedPaths (JSON
    pointers). None means All."""
    excluded: tuple[str, ...] = ()
    """Headers/Cookies: ExcludedHeaders/ExcludedCookies."""
    invalid_fallback: Literal["MATCH", "NO_MATCH", "EVALUATE_AS_STRING"] | None = None
    """JsonBody: what a body that is not valid JSON does (None: AWS's default, inspect what
    was parsed; here the whole body as a string)."""


class IpSet(msgspec.Struct, frozen=True, kw_only=True):
    """AWS::WAFv2::IPSet: CIDR blocks of one address family."""

    name: str
    arn: str
    ip_address_version: Literal["IPV4", "IPV6"] = "IPV4"
    addresses: tuple[str, ...] = ()


class IpSetReferenceStatement(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    ip_set: IpSet
    forwarded_header: str | None = None
    """IPSetForwardedIPConfig: read the address from this header instead of the source IP."""
    forwarded_fallback: Literal["MATCH", "NO_MATCH"] = "NO_MATCH"


class ByteMatchStatement(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    field: FieldToMatch
    search: bytes
    positional: Literal["EXACTLY", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "CONTAINS_WORD"]
    transformations: tuple[TextTransformation, ...] = ()


class RegexMatchStatement(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """RegexMatchStatement (one pattern) and RegexPatternSetReferenceStatement (a set, any
    of whose patterns matching is a match)."""

    field: FieldToMatch
    patterns: tuple[str, ...]
    transformations: tuple[TextTransformation, ...] = ()
    pattern_set: str | None = None
    """The RegexPatternSet's name when the statement referenced one."""


class SizeConstraintStatement(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    field: FieldToMatch
    comparison: Literal["EQ", "NE", "LE", "LT", "GE", "GT"]
    size: int
    transformations: tuple[TextTransformation, ...] = ()


class SqliMatchStatement(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    field: FieldToMatch
    transformations: tuple[TextTransformation, ...] = ()
    sensitivity: Literal["LOW", "HIGH"] = "LOW"


class XssMatchStatement(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    field: FieldToMatch
    transformations: tuple[TextTransformation, ...] = ()


class AndStatement(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    statements: tuple[Statement, ...]


class OrStatement(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    statements: tuple[Statement, ...]


class NotStatement(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    statement: Statement


class LabelMatchStatement(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """Matches labels that rules evaluated earlier added to the request.

    https://docs.aws.amazon.com/waf/latest/APIReference/API_LabelMatchStatement.html
    """

    scope: Literal["LABEL", "NAMESPACE"]
    key: str


class RateBasedStatement(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """Counts requests per aggregation key over a trailing window; matches once a key's
    count passes `limit`.

    https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based.html
    """

    limit: int
    window_seconds: int = DEFAULT_EVALUATION_WINDOW
    aggregate: Literal["IP", "FORWARDED_IP", "CONSTANT"] = "IP"
    forwarded_header: str | None = None
    scope_down: Statement | None = None


class ManagedRuleGroupStatement(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """An AWS managed rule group, by name (see engine.MANAGED_GROUPS for those run here)."""

    vendor: str
    name: str
    excluded_rules: tuple[str, ...] = ()
    """ExcludedRules: these rules only count (the older spelling of a Count override)."""
    action_overrides: dict[str, str] = msgspec.field(default_factory=dict)
    """RuleActionOverrides: rule name -> Allow / Block / Count."""
    scope_down: Statement | None = None


Statement = (
    IpSetReferenceStatement
    | ByteMatchStatement
    | RegexMatchStatement
    | SizeConstraintStatement
    | SqliMatchStatement
    | XssMatchStatement
    | AndStatement
    | OrStatement
    | NotStatement
    | LabelMatchStatement
    | RateBasedStatement
    | ManagedRuleGroupStatement
)

Action = Literal["Allow", "Block", "Count"]


class CustomResponse(msgspec.Struct, frozen=True, kw_only=True):
    """A Block action's CustomResponse: what the client gets instead of API Gateway's 403.
    https://docs.aws.amazon.com/waf/latest/developerguide/customizing-the-response-for-blocked-requests.html
    """

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    """ResponseHeaders, as given (never content-type: AWS refuses it)."""
    body: bytes = b""
    """The CustomResponseBodies entry its CustomResponseBodyKey names; empty without one."""
    content_type: str | None = None
    """text/plain, text/html or application/json (the body's ContentType); None without one."""


class Rule(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    priority: int
    statement: Statement
    action: Action | None = None
    """Rules with their own statement: Allow, Block or Count."""
    override_action: Literal["None", "Count"] | None = None
    """Rule group references: None keeps the group's actions, Count only counts."""
    labels: tuple[str, ...] = ()
    """RuleLabels: names added (in the web ACL's namespace) when the rule matches."""
    custom_response: CustomResponse | None = None
    """Block only: the response sent instead of the 403."""
    insert_headers: tuple[tuple[str, str], ...] = ()
    """Allow and Count: CustomRequestHandling's InsertHeaders (names without the prefix)."""


class WebAcl(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    arn: str
    default_action: Literal["Allow", "Block"] = "Allow"
    default_response: CustomResponse | None = None
    """DefaultAction Block's CustomResponse."""
    default_insert_headers: tuple[tuple[str, str], ...] = ()
    """DefaultAction Allow's CustomRequestHandling InsertHeaders."""
    rules: tuple[Rule, ...] = ()
    """Sorted by priority, lowest first: the order AWS WAF evaluates them in."""
    body_limit: int = DEFAULT_BODY_LIMIT
