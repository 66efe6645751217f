"""The parts of a WAFv2 rule statement a template spells out: fields to match, text
transformations, labels, search strings and patterns, size limits, with the template's
own errors.

https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-wafv2-webacl-statement.html
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from lamina.config.error import ConfigError
from lamina.gateway.waf.model import (
    ByteMatchStatement,
    FieldToMatch,
    RegexMatchStatement,
    SizeConstraintStatement,
    SqliMatchStatement,
    Statement,
    TextTransformation,
    XssMatchStatement,
)
from lamina.gateway.waf.transform import SUPPORTED

# AssociationConfig RequestBody API_GATEWAY DefaultSizeInspectionLimit.
# https://docs.aws.amazon.com/waf/latest/APIReference/API_RequestBodyAssociatedResourceTypeConfig.html
_BODY_LIMITS = {"KB_16": 16 * 1024, "KB_32": 32 * 1024, "KB_48": 48 * 1024, "KB_64": 64 * 1024}
_FIELDS = (
    "UriPath", "QueryString", "SingleQueryArgument", "AllQueryArguments", "SingleHeader",
    "Headers", "Cookies", "Body", "JsonBody", "Method",
)  # fmt: skip
_FIELD_STATEMENTS = (
    "ByteMatchStatement", "RegexMatchStatement", "SizeConstraintStatement",
    "SqliMatchStatement", "XssMatchStatement",
)  # fmt: skip


def field_statement(kind: str, body: dict[str, Any], where: str) -> Statement:
    if kind not in _FIELD_STATEMENTS:
        raise ConfigError(f"{where}: statement type {kind} is not supported by Lamina")
    field = field_of(body.get("FieldToMatch"), f"{where}.FieldToMatch")
    transforms = transformations(body, where)
    if kind == "ByteMatchStatement":
        return ByteMatchStatement(
            field=field,
            search=search_string(body, where),
            positional=choice_of(
                body.get("PositionalConstraint"),
                ("EXACTLY", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "CONTAINS_WORD"),
                f"{where}.PositionalConstraint",
            ),
            transformations=transforms,
        )
    if kind == "RegexMatchStatement":
        pattern = text_of(body.get("RegexString"), f"{where}.RegexString")
        check_regex(pattern, f"{where}.RegexString")
        return RegexMatchStatement(field=field, patterns=(pattern,), transformations=transforms)
    if kind == "SizeConstraintStatement":
        return SizeConstraintStatement(
            field=field,
            comparison=choice_of(
                body.get("ComparisonOperator"),
                ("EQ", "NE", "LE", "LT", "GE", "GT"),
                f"{where}.ComparisonOperator",
            ),
            size=int_of(body.get("Size"), f"{where}.Size"),
            transformations=transforms,
        )
    if kind == "SqliMatchStatement":
        sensitivity = choice_of(
            body.get("SensitivityLevel", "LOW"), ("LOW", "HIGH"), f"{where}.SensitivityLevel"
        )
        return SqliMatchStatement(field=field, transformations=transforms, sensitivity=sensitivity)
    return XssMatchStatement(field=field, transformations=transforms)


def field_of(raw: Any, where: str) -> FieldToMatch:
    raw = mapping_of(raw, where)
    kind: Any = one_key(raw, where)
    if kind not in _FIELDS:
        raise ConfigError(f"{where}: {kind} is not supported (supported: {', '.join(_FIELDS)})")
    body = mapping_of(raw[kind] or {}, f"{where}.{kind}")
    oversize = choice_of(
        body.get("OversizeHandling", "CONTINUE"),
        ("CONTINUE", "MATCH", "NO_MATCH"),
        f"{where}.OversizeHandling",
    )
    if kind in ("SingleHeader", "SingleQueryArgument"):
        return FieldToMatch(
            kind=kind, name=text_of(body.get("Name"), f"{where}.{kind}.Name").lower()
        )
    if kind in ("Headers", "Cookies", "JsonBody"):
        return pattern_field(kind, body, oversize, f"{where}.{kind}")
    return FieldToMatch(kind=kind, oversize=oversize)


def pattern_field(kind: Any, body: dict[str, Any], oversize: Any, where: str) -> FieldToMatch:
    pattern = mapping_of(body.get("MatchPattern"), f"{where}.MatchPattern")
    scope = choice_of(body.get("MatchScope"), ("ALL", "KEY", "VALUE"), f"{where}.MatchScope")
    noun = {"Headers": "Headers", "Cookies": "Cookies", "JsonBody": "Paths"}[kind]
    included = pattern.get(f"Included{noun}")
    excluded = pattern.get(f"Excluded{noun}") if kind != "JsonBody" else None
    if "All" not in pattern and included is None and excluded is None:
        raise ConfigError(f"{where}.MatchPattern needs All or Included{noun}")
    fallback = body.get("InvalidFallbackBehavior")
    if fallback is not None:
        fallback = choice_of(
            fallback,
            ("MATCH", "NO_MATCH", "EVALUATE_AS_STRING"),
            f"{where}.InvalidFallbackBehavior",
        )
    return FieldToMatch(
        kind=kind,
        oversize=oversize,
        match_scope=scope,
        included=None if included is None else tuple(str(i) for i in included),
        excluded=tuple(str(e) for e in excluded or ()),
        invalid_fallback=fallback,
    )


def transformations(body: dict[str, Any], where: str) -> tuple[TextTransformation, ...]:
    raw = body.get("TextTransformations")
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{where}.TextTransformations needs at least one transformation (NONE)")
    items = []
    for i, item in enumerate(raw):
        item = mapping_of(item, f"{where}.TextTransformations[{i}]")
        kind = text_of(item.get("Type"), f"{where}.TextTransformations[{i}].Type")
        if kind not in SUPPORTED:
            raise ConfigError(f"{where}: text transformation {kind} is not supported by Lamina")
        items.append(
            TextTransformation(
                priority=int_of(item.get("Priority"), f"{where}.Priority"), type=kind
            )
        )
    if len({t.priority for t in items}) != len(items):
        raise ConfigError(f"{where}.TextTransformations: priorities must all be different")
    return tuple(items)


_LABEL = re.compile(r"^[0-9A-Za-z_\-:]+$")


def label_of(raw: Any, where: str) -> str:
    # https://docs.aws.amazon.com/waf/latest/APIReference/API_LabelMatchStatement.html
    text = text_of(raw, where)
    if not _LABEL.match(text) or len(text) > 1024:
        raise ConfigError(f"{where} {text!r} must be letters, digits, _, - and : only")
    return text


def rule_labels(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError(f"{where} must be a list")
    return tuple(label_of(mapping_of(item, where).get("Name"), f"{where}.Name") for item in raw)


def search_string(body: dict[str, Any], where: str) -> bytes:
    if "SearchStringBase64" in body:
        try:
            return base64.b64decode(str(body["SearchStringBase64"]), validate=True)
        except (binascii.Error, ValueError):
            raise ConfigError(f"{where}.SearchStringBase64 is not base64") from None
    return text_of(body.get("SearchString"), f"{where}.SearchString").encode()


def check_regex(pattern: str, where: str) -> None:
    try:
        re.compile(pattern.encode())
    except re.error as exc:
        raise ConfigError(
            f"{where}: {pattern!r} is not a valid regular expression ({exc})"
        ) from None


def body_limit(config: Any) -> int:
    if not isinstance(config, dict):
        return _BODY_LIMITS["KB_16"]
    body = (config.get("RequestBody") or {}).get("API_GATEWAY") or {}
    limit = body.get("DefaultSizeInspectionLimit", "KB_16")
    if limit not in _BODY_LIMITS:
        raise ConfigError(
            f"DefaultSizeInspectionLimit {limit} is not one of {', '.join(_BODY_LIMITS)}"
        )
    return _BODY_LIMITS[limit]


def mapping_of(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a mapping")
    return raw


def one_key(raw: Any, where: str) -> str:
    raw = mapping_of(raw, where)
    if len(raw) != 1:
        raise ConfigError(f"{where} must have exactly one key (has {', '.join(raw) or 'none'})")
    return str(next(iter(raw)))


def text_of(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not raw:
        raise ConfigError(f"{where} is required")
    return raw


def int_of(raw: Any, where: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{where} must be an integer") from None


def choice_of(raw: Any, allowed: tuple[str, ...], where: str) -> Any:
    if raw not in allowed:
        raise ConfigError(f"{where} must be one of {', '.join(allowed)} (got {raw!r})")
    return raw
