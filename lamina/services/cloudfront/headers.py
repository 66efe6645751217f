"""Response headers policies: headers CloudFront adds to (or removes from) viewer responses —
security headers, custom headers, CORS — AWS's managed ones by id and a template's
AWS::CloudFront::ResponseHeadersPolicy.

https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/modifying-response-headers.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-response-headers-policies.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudfront-responseheaderspolicy-responseheaderspolicyconfig.html
- a header with Override false is added only when the origin's answer lacks it;
- CORS headers go only on answers to requests carrying an allowed Origin; a preflight
  (OPTIONS with Access-Control-Request-Method) also gets the allowed methods, headers and
  max age.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

Headers = list[tuple[bytes, bytes]]


class HeaderRule(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    value: str
    override: bool = False


class CorsRule(msgspec.Struct, frozen=True, kw_only=True):
    allow_origins: tuple[str, ...] = ("*",)
    allow_methods: tuple[str, ...] = ("ALL",)
    allow_headers: tuple[str, ...] = ("*",)
    expose_headers: tuple[str, ...] = ()
    allow_credentials: bool = False
    max_age: int | None = None
    override: bool = False


class ResponseHeaders(msgspec.Struct, frozen=True, kw_only=True):
    name: str = ""
    headers: tuple[HeaderRule, ...] = ()
    remove: tuple[str, ...] = ()
    """Lowercase names removed from the origin's answer."""
    cors: CorsRule | None = None


_SECURITY = (
    HeaderRule(name="Referrer-Policy", value="strict-origin-when-cross-origin"),
    HeaderRule(name="Strict-Transport-Security", value="max-age=31536000"),
    HeaderRule(name="X-Content-Type-Options", value="nosniff"),
    HeaderRule(name="X-Frame-Options", value="SAMEORIGIN"),
    HeaderRule(name="X-XSS-Protection", value="1; mode=block"),
)
MANAGED_RESPONSE_HEADERS: dict[str, ResponseHeaders] = {
    "67f7725c-6f97-4210-82d7-5512b31e9d03": ResponseHeaders(
        name="SecurityHeadersPolicy", headers=_SECURITY
    ),
    "60669652-455b-4ae9-85a4-c4c02393f86c": ResponseHeaders(
        name="SimpleCORS", cors=CorsRule(allow_methods=("GET", "HEAD"), allow_headers=())
    ),
    "5cc3b908-e619-4b99-88e5-2cf7f45965bd": ResponseHeaders(
        name="CORS-With-Preflight",
        cors=CorsRule(allow_methods=("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")),
    ),
    "e61eb60c-9c35-4d20-a928-2b84e02af89c": ResponseHeaders(
        name="CORS-and-SecurityHeadersPolicy",
        headers=_SECURITY,
        cors=CorsRule(allow_methods=("GET", "HEAD"), allow_headers=()),
    ),
    "eaab4381-ed33-4a86-88ca-d9558dc6cd63": ResponseHeaders(
        name="CORS-with-preflight-and-SecurityHeadersPolicy",
        headers=_SECURITY,
        cors=CorsRule(allow_methods=("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")),
    ),
}


def _items(value: object) -> tuple[str, ...]:
    if isinstance(value, Mapping):
        value = value.get("Items")
    return tuple(str(item) for item in value) if isinstance(value, list) else ()


def _true(value: object) -> bool:
    return value is True or str(value).lower() == "true"


def response_headers_of(config: Mapping[str, Any]) -> ResponseHeaders:
    """An AWS::CloudFront::ResponseHeadersPolicy's ResponseHeadersPolicyConfig."""
    rules: list[HeaderRule] = []
    security = config.get("SecurityHeadersConfig") or {}
    for key, name, value_of in _SECURITY_FIELDS:
        found = security.get(key)
        if isinstance(found, Mapping):
            rules.append(
                HeaderRule(name=name, value=value_of(found), override=_true(found.get("Override")))
            )
    custom = config.get("CustomHeadersConfig") or {}
    for item in _entries(custom.get("Items")):
        rules.append(
            HeaderRule(
                name=str(item["Header"]),
                value=str(item["Value"]),
                override=_true(item.get("Override")),
            )
        )
    removed = config.get("RemoveHeadersConfig") or {}
    remove = tuple(str(item["Header"]).lower() for item in _entries(removed.get("Items")))
    return ResponseHeaders(
        name=str(config.get("Name", "")),
        headers=tuple(rules),
        remove=remove,
        cors=_cors(config.get("CorsConfig")),
    )


def _entries(value: object) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        value = value.get("Items")
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _hsts(found: Mapping[str, Any]) -> str:
    value = f"max-age={int(found.get('AccessControlMaxAgeSec', 0))}"
    if _true(found.get("IncludeSubdomains")):
        value += "; includeSubDomains"
    if _true(found.get("Preload")):
        value += "; preload"
    return value


def _xss(found: Mapping[str, Any]) -> str:
    if not _true(found.get("Protection")):
        return "0"
    value = "1"
    if _true(found.get("ModeBlock")):
        value += "; mode=block"
    elif found.get("ReportUri"):
        value += f"; report={found['ReportUri']}"
    return value


_SECURITY_FIELDS = (
    ("ContentSecurityPolicy", "Content-Security-Policy", lambda f: str(f["ContentSecurityPolicy"])),
    ("ContentTypeOptions", "X-Content-Type-Options", lambda f: "nosniff"),
    ("FrameOptions", "X-Frame-Options", lambda f: str(f["FrameOption"])),
    ("ReferrerPolicy", "Referrer-Policy", lambda f: str(f["ReferrerPolicy"])),
    ("StrictTransportSecurity", "Strict-Transport-Security", _hsts),
    ("XSSProtection", "X-XSS-Protection", _xss),
)


def _cors(config: object) -> CorsRule | None:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudfront-responseheaderspolicy-corsconfig.html
    if not isinstance(config, Mapping):
        return None
    max_age = config.get("AccessControlMaxAgeSec")
    return CorsRule(
        allow_origins=_items(config.get("AccessControlAllowOrigins")),
        allow_methods=_items(config.get("AccessControlAllowMethods")),
        allow_headers=_items(config.get("AccessControlAllowHeaders")),
        expose_headers=_items(config.get("AccessControlExposeHeaders")),
        allow_credentials=_true(config.get("AccessControlAllowCredentials")),
        max_age=None if max_age is None else int(max_age),
        override=_true(config.get("OriginOverride")),
    )


def apply(
    policy: ResponseHeaders,
    headers: Headers,
    request_headers: Sequence[tuple[str, str]],
    method: str,
) -> Headers:
    """The viewer answer's headers under `policy`."""
    out = [(k, v) for k, v in headers if k.decode("latin-1").lower() not in policy.remove]
    for rule in policy.headers:
        _set(out, rule.name, rule.value, rule.override)
    if policy.cors is not None:
        for name, value in _cors_headers(policy.cors, request_headers, method):
            _set(out, name, value, policy.cors.override)
    return out


def _set(headers: Headers, name: str, value: str, override: bool) -> None:
    lowered = name.lower().encode()
    present = any(k.lower() == lowered for k, _ in headers)
    if present and not override:
        return
    if present:
        headers[:] = [(k, v) for k, v in headers if k.lower() != lowered]
    headers.append((name.encode(), value.encode("latin-1", errors="replace")))


def _cors_headers(
    rule: CorsRule, request_headers: Sequence[tuple[str, str]], method: str
) -> list[tuple[str, str]]:
    origin = _header(request_headers, "Origin")
    if origin is None:
        return []
    if "*" in rule.allow_origins:
        allowed = "*" if not rule.allow_credentials else origin
    elif origin in rule.allow_origins:
        allowed = origin
    else:
        return []
    found = [("Access-Control-Allow-Origin", allowed)]
    if rule.allow_credentials:
        found.append(("Access-Control-Allow-Credentials", "true"))
    requested = _header(request_headers, "Access-Control-Request-Method")
    if method == "OPTIONS" and requested is not None:
        methods = rule.allow_methods
        if "ALL" in methods:
            methods = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
        found.append(("Access-Control-Allow-Methods", ",".join(methods)))
        if rule.allow_headers:
            found.append(("Access-Control-Allow-Headers", ",".join(rule.allow_headers)))
        if rule.max_age is not None:
            found.append(("Access-Control-Max-Age", str(rule.max_age)))
    elif rule.expose_headers:
        found.append(("Access-Control-Expose-Headers", ",".join(rule.expose_headers)))
    return found


def _header(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    lowered = name.lower()
    return next((v for k, v in reversed(headers) if k.lower() == lowered), None)
