"""AWS::WAFv2 resources: web ACLs, IP sets and regex pattern sets, associated with REST API
stages by AWS::WAFv2::WebACLAssociation.

https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-wafv2-webacl.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-wafv2-webaclassociation.html
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import msgspec

from lamina.config.error import ConfigError
from lamina.config.reference import CfnResource
from lamina.config.stack import Stack
from lamina.config.waf_fields import (
    body_limit,
    check_regex,
    choice_of,
    field_of,
    field_statement,
    int_of,
    label_of,
    mapping_of,
    one_key,
    rule_labels,
    text_of,
    transformations,
)
from lamina.config.waf_response import block_response, custom_response_bodies, inserted_headers
from lamina.gateway.model import RestApi
from lamina.gateway.waf.managed import MANAGED_GROUPS
from lamina.gateway.waf.model import (
    DEFAULT_EVALUATION_WINDOW,
    AndStatement,
    IpSet,
    IpSetReferenceStatement,
    LabelMatchStatement,
    ManagedRuleGroupStatement,
    NotStatement,
    OrStatement,
    RateBasedStatement,
    RegexMatchStatement,
    Rule,
    Statement,
    WebAcl,
)

WEB_ACL = "AWS::WAFv2::WebACL"
IP_SET = "AWS::WAFv2::IPSet"
REGEX_PATTERN_SET = "AWS::WAFv2::RegexPatternSet"
ASSOCIATION = "AWS::WAFv2::WebACLAssociation"
WAF_TYPES = (WEB_ACL, IP_SET, REGEX_PATTERN_SET, ASSOCIATION)

# arn:aws:apigateway:{region}::/restapis/{id}/stages/{stage}; HTTP APIs are /apis/{id}.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html
_STAGE_ARN = re.compile(r"arn:[^:]+:apigateway:[^:]*::/(restapis|apis)/([^/]+)/stages/([^/]+)$")
_WINDOWS = (60, 120, 300, 600)


def attach_web_acls(
    stack: Stack, rest_apis: list[RestApi], has_http_api: set[str]
) -> list[RestApi]:
    """`rest_apis` with each associated stage carrying its web ACL.

    `has_http_api` holds the ids of the template's HTTP APIs, so associating one is refused
    with a clear error: AWS WAF protects REST API stages, not HTTP APIs.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-aws-waf.html
    """
    associations = stack.of_type(ASSOCIATION)
    if not associations:
        return rest_apis
    acls = _WebAcls(stack)
    known = {(api.id, s.name) for api in rest_apis for s in api.stages}
    by_stage: dict[tuple[str, str], WebAcl] = {}
    for resource in associations:
        with stack.blame(resource.logical_id):
            api_id, stage = _stage_of(stack.text(resource, "ResourceArn"), has_http_api)
            if (api_id, stage) not in known:
                raise ConfigError(f"ResourceArn: no stage {stage} of a REST API {api_id}")
            if (api_id, stage) in by_stage:
                raise ConfigError(f"stage {stage} of REST API {api_id} already has a web ACL")
            by_stage[(api_id, stage)] = acls.by_arn(stack.text(resource, "WebACLArn"))
    return [
        msgspec.structs.replace(
            api,
            stages=tuple(
                msgspec.structs.replace(s, web_acl=by_stage[(api.id, s.name)])
                if (api.id, s.name) in by_stage
                else s
                for s in api.stages
            ),
        )
        for api in rest_apis
    ]


def _stage_of(arn: str, http_apis: set[str]) -> tuple[str, str]:
    match = _STAGE_ARN.match(arn)
    if match is None:
        raise ConfigError(
            f"ResourceArn {arn!r}: Lamina associates web ACLs with REST API stages only "
            "(arn:aws:apigateway:{region}::/restapis/{id}/stages/{stage})"
        )
    kind, api_id, stage = match.groups()
    if kind == "apis" or api_id in http_apis:
        raise ConfigError(
            f"ResourceArn {arn!r} is an HTTP API stage: AWS WAF cannot be associated with "
            "HTTP APIs, only with REST API stages"
        )
    return api_id, stage


class _WebAcls:
    """The template's web ACLs, IP sets and regex pattern sets, parsed on first reference."""

    def __init__(self, stack: Stack) -> None:
        self._stack = stack
        self._parsed: dict[str, WebAcl] = {}
        self._bodies: dict[str, tuple[str, bytes]] = {}
        """The CustomResponseBodies of the web ACL being read."""

    def _arn(self, resource: CfnResource) -> str:
        arn = self._stack.resources.get_att(resource.logical_id, "Arn", self._stack.resolver)
        return str(arn)

    def _find(self, kind: str, arn: str) -> CfnResource:
        for resource in self._stack.of_type(kind):
            if self._arn(resource) == arn:
                return resource
        raise ConfigError(f"{arn!r} is not an {kind} of this template")

    def by_arn(self, arn: str) -> WebAcl:
        if arn not in self._parsed:
            resource = self._find(WEB_ACL, arn)
            with self._stack.blame(resource.logical_id):
                self._parsed[arn] = self._web_acl(resource, arn)
        return self._parsed[arn]

    def _web_acl(self, resource: CfnResource, arn: str) -> WebAcl:
        stack = self._stack
        if stack.text(resource, "Scope", "REGIONAL") != "REGIONAL":
            raise ConfigError("a web ACL for an API Gateway stage must have Scope REGIONAL")
        default = one_key(stack.prop(resource, "DefaultAction"), "DefaultAction")
        if default not in ("Allow", "Block"):
            raise ConfigError(f"DefaultAction {default} is not supported (Allow or Block)")
        self._bodies = custom_response_bodies(stack.prop(resource, "CustomResponseBodies"))
        default_settings = stack.prop(resource, "DefaultAction")[default]
        rules = [
            self._rule(raw, f"Rules[{i}]")
            for i, raw in enumerate(stack.prop(resource, "Rules", []) or [])
        ]
        names = [rule.name for rule in rules]
        if len(set(names)) != len(names):
            raise ConfigError("rule names must be unique within a web ACL")
        limit = body_limit(stack.prop(resource, "AssociationConfig"))
        return WebAcl(
            name=stack.text(resource, "Name", resource.logical_id),
            arn=arn,
            default_action="Allow" if default == "Allow" else "Block",
            default_response=block_response(default_settings, self._bodies, "DefaultAction.Block")
            if default == "Block"
            else None,
            default_insert_headers=inserted_headers(default_settings, "DefaultAction.Allow")
            if default == "Allow"
            else (),
            rules=tuple(sorted(rules, key=lambda r: r.priority)),
            body_limit=limit,
        )

    def _rule(self, raw: Any, where: str) -> Rule:
        raw = mapping_of(raw, where)
        name = raw.get("Name")
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{where}.Name is required")
        statement_raw = mapping_of(raw.get("Statement"), f"{where}.Statement")
        kind = one_key(statement_raw, f"{where}.Statement")
        action = raw.get("Action")
        override = raw.get("OverrideAction")
        statement = self._statement(statement_raw, f"{where}.Statement", top=True)
        if kind == "ManagedRuleGroupStatement":
            if override is None:
                raise ConfigError(f"{where}: a rule group reference needs OverrideAction")
            return Rule(
                name=name,
                priority=int_of(raw.get("Priority"), f"{where}.Priority"),
                statement=statement,
                override_action="Count"
                if one_key(override, "OverrideAction") == "Count"
                else "None",
            )
        if action is None:
            raise ConfigError(f"{where}: a rule needs an Action")
        verb = one_key(action, f"{where}.Action")
        if verb not in ("Allow", "Block", "Count"):
            raise ConfigError(f"{where}.Action {verb} is not supported (Allow, Block, Count)")
        return Rule(
            name=name,
            priority=int_of(raw.get("Priority"), f"{where}.Priority"),
            statement=statement,
            action="Allow" if verb == "Allow" else "Block" if verb == "Block" else "Count",
            labels=rule_labels(raw.get("RuleLabels"), f"{where}.RuleLabels"),
            custom_response=block_response(action[verb], self._bodies, f"{where}.Action.Block")
            if verb == "Block"
            else None,
            insert_headers=inserted_headers(action[verb], f"{where}.Action.{verb}")
            if verb != "Block"
            else (),
        )

    def _statement(self, raw: Any, where: str, *, top: bool = False) -> Statement:
        raw = mapping_of(raw, where)
        kind = one_key(raw, where)
        body = mapping_of(raw[kind], f"{where}.{kind}")
        where = f"{where}.{kind}"
        if kind in ("AndStatement", "OrStatement"):
            parts = body.get("Statements")
            if not isinstance(parts, list) or len(parts) < 2:
                raise ConfigError(f"{where}.Statements needs at least two statements")
            inner = tuple(
                self._statement(p, f"{where}.Statements[{i}]") for i, p in enumerate(parts)
            )
            return (
                AndStatement(statements=inner)
                if kind == "AndStatement"
                else OrStatement(statements=inner)
            )
        if kind == "NotStatement":
            return NotStatement(
                statement=self._statement(body.get("Statement"), f"{where}.Statement")
            )
        if kind == "IPSetReferenceStatement":
            return self._ip_set_reference(body, where)
        if kind == "LabelMatchStatement":
            return LabelMatchStatement(
                scope=choice_of(body.get("Scope"), ("LABEL", "NAMESPACE"), f"{where}.Scope"),
                key=label_of(body.get("Key"), f"{where}.Key"),
            )
        if kind in ("RateBasedStatement", "ManagedRuleGroupStatement") and not top:
            raise ConfigError(f"{where} can only be a rule's top-level statement")
        if kind == "RateBasedStatement":
            return self._rate_based(body, where)
        if kind == "ManagedRuleGroupStatement":
            return self._managed(body, where)
        if kind == "RegexPatternSetReferenceStatement":
            return self._regex_set_reference(body, where)
        return field_statement(kind, body, where)

    def _ip_set_reference(self, body: dict[str, Any], where: str) -> IpSetReferenceStatement:
        ip_set = self._ip_set(text_of(body.get("Arn"), f"{where}.Arn"))
        forwarded = body.get("IPSetForwardedIPConfig")
        if forwarded is None:
            return IpSetReferenceStatement(ip_set=ip_set)
        forwarded = mapping_of(forwarded, f"{where}.IPSetForwardedIPConfig")
        return IpSetReferenceStatement(
            ip_set=ip_set,
            forwarded_header=text_of(forwarded.get("HeaderName"), f"{where}.HeaderName"),
            forwarded_fallback="MATCH"
            if forwarded.get("FallbackBehavior") == "MATCH"
            else "NO_MATCH",
        )

    def _ip_set(self, arn: str) -> IpSet:
        stack = self._stack
        resource = self._find(IP_SET, arn)
        with stack.blame(resource.logical_id):
            version = stack.text(resource, "IPAddressVersion")
            if version not in ("IPV4", "IPV6"):
                raise ConfigError(f"IPAddressVersion {version} is not IPV4 or IPV6")
            addresses = tuple(str(a) for a in stack.prop(resource, "Addresses", []) or [])
            for address in addresses:
                try:
                    network = ipaddress.ip_network(address, strict=False)
                except ValueError:
                    raise ConfigError(f"Addresses: {address!r} is not a CIDR block") from None
                if network.version != (4 if version == "IPV4" else 6):
                    raise ConfigError(f"Addresses: {address} is not an {version} block")
            return IpSet(
                name=stack.text(resource, "Name", resource.logical_id),
                arn=arn,
                ip_address_version="IPV4" if version == "IPV4" else "IPV6",
                addresses=addresses,
            )

    def _regex_set_reference(self, body: dict[str, Any], where: str) -> RegexMatchStatement:
        stack = self._stack
        resource = self._find(REGEX_PATTERN_SET, text_of(body.get("Arn"), f"{where}.Arn"))
        with stack.blame(resource.logical_id):
            patterns = tuple(
                str(p) for p in stack.prop(resource, "RegularExpressionList", []) or []
            )
            for pattern in patterns:
                check_regex(pattern, "RegularExpressionList")
            name = stack.text(resource, "Name", resource.logical_id)
        return RegexMatchStatement(
            field=field_of(body.get("FieldToMatch"), f"{where}.FieldToMatch"),
            patterns=patterns,
            transformations=transformations(body, where),
            pattern_set=name,
        )

    def _rate_based(self, body: dict[str, Any], where: str) -> RateBasedStatement:
        # https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html
        limit = int_of(body.get("Limit"), f"{where}.Limit")
        if not 10 <= limit <= 2_000_000_000:  # the API's valid range
            raise ConfigError(f"{where}.Limit must be from 10 to 2,000,000,000")
        window = int_of(
            body.get("EvaluationWindowSec", DEFAULT_EVALUATION_WINDOW),
            f"{where}.EvaluationWindowSec",
        )
        if window not in _WINDOWS:
            raise ConfigError(f"{where}.EvaluationWindowSec must be 60, 120, 300 or 600")
        aggregate = body.get("AggregateKeyType", "IP")
        if aggregate not in ("IP", "FORWARDED_IP", "CONSTANT"):
            raise ConfigError(
                f"{where}.AggregateKeyType {aggregate} is not supported "
                "(IP, FORWARDED_IP, CONSTANT)"
            )
        header = None
        if aggregate == "FORWARDED_IP":
            forwarded = mapping_of(body.get("ForwardedIPConfig"), f"{where}.ForwardedIPConfig")
            header = text_of(forwarded.get("HeaderName"), f"{where}.ForwardedIPConfig.HeaderName")
        scope = body.get("ScopeDownStatement")
        return RateBasedStatement(
            limit=limit,
            window_seconds=window,
            aggregate="IP"
            if aggregate == "IP"
            else "CONSTANT"
            if aggregate == "CONSTANT"
            else "FORWARDED_IP",
            forwarded_header=header,
            scope_down=None
            if scope is None
            else self._statement(scope, f"{where}.ScopeDownStatement"),
        )

    def _managed(self, body: dict[str, Any], where: str) -> ManagedRuleGroupStatement:
        vendor, name = body.get("VendorName"), body.get("Name")
        if vendor != "AWS" or name not in MANAGED_GROUPS:
            known = ", ".join(sorted(MANAGED_GROUPS))
            raise ConfigError(
                f"{where}: managed rule group {vendor}/{name} is not supported (AWS: {known})"
            )
        rules = {rule for rule, _ in MANAGED_GROUPS[name]}
        excluded = tuple(
            mapping_of(e, f"{where}.ExcludedRules").get("Name", "")
            for e in body.get("ExcludedRules") or []
        )
        overrides: dict[str, str] = {}
        for item in body.get("RuleActionOverrides") or []:
            item = mapping_of(item, f"{where}.RuleActionOverrides")
            overrides[str(item.get("Name"))] = one_key(
                item.get("ActionToUse"), f"{where}.ActionToUse"
            )
        for rule in (*excluded, *overrides):
            if rule not in rules:
                raise ConfigError(
                    f"{where}: {name} has no rule {rule!r} here (known: {', '.join(sorted(rules))})"
                )
        for rule, verb in overrides.items():
            if verb not in ("Allow", "Block", "Count"):
                raise ConfigError(f"{where}: override action {verb} for {rule} is not supported")
        scope = body.get("ScopeDownStatement")
        return ManagedRuleGroupStatement(
            vendor="AWS",
            name=name,
            excluded_rules=excluded,
            action_overrides=overrides,
            scope_down=None
            if scope is None
            else self._statement(scope, f"{where}.ScopeDownStatement"),
        )
