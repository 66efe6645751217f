"""Response headers policies: managed and template ones, Override, CORS.
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/modifying-response-headers.html
"""

from __future__ import annotations

from lamina.services.cloudfront.headers import (
    MANAGED_RESPONSE_HEADERS,
    apply,
    response_headers_of,
)

SECURITY = MANAGED_RESPONSE_HEADERS["67f7725c-6f97-4210-82d7-5512b31e9d03"]


def _named(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    return {k.decode().lower(): v.decode() for k, v in headers}


def test_security_headers_policy_adds_what_the_origin_lacks() -> None:
    origin = [(b"Content-Type", b"text/html"), (b"X-Frame-Options", b"DENY")]
    answered = _named(apply(SECURITY, origin, [], "GET"))
    assert answered["strict-transport-security"] == "max-age=31536000"
    assert answered["x-content-type-options"] == "nosniff"
    assert answered["referrer-policy"] == "strict-origin-when-cross-origin"
    assert answered["x-frame-options"] == "DENY"  # Override false: the origin's stays


def test_template_policy_overrides_adds_and_removes() -> None:
    policy = response_headers_of(
        {
            "Name": "site",
            "SecurityHeadersConfig": {
                "FrameOptions": {"FrameOption": "DENY", "Override": True},
                "StrictTransportSecurity": {
                    "AccessControlMaxAgeSec": 63072000,
                    "IncludeSubdomains": True,
                    "Preload": True,
                    "Override": True,
                },
                "ContentSecurityPolicy": {
                    "ContentSecurityPolicy": "default-src 'self'",
                    "Override": False,
                },
            },
            "CustomHeadersConfig": {
                "Items": [{"Header": "X-Served-By", "Value": "edge", "Override": True}]
            },
            "RemoveHeadersConfig": {"Items": [{"Header": "Server"}]},
        }
    )
    origin = [(b"X-Frame-Options", b"SAMEORIGIN"), (b"Server", b"AmazonS3")]
    answered = _named(apply(policy, origin, [], "GET"))
    assert answered["x-frame-options"] == "DENY"
    assert answered["strict-transport-security"] == "max-age=63072000; includeSubDomains; preload"
    assert answered["content-security-policy"] == "default-src 'self'"
    assert answered["x-served-by"] == "edge"
    assert "server" not in answered


def test_cors_headers_only_for_allowed_origins_and_preflights() -> None:
    policy = response_headers_of(
        {
            "CorsConfig": {
                "AccessControlAllowOrigins": {"Items": ["https://app.example.com"]},
                "AccessControlAllowMethods": {"Items": ["GET", "POST"]},
                "AccessControlAllowHeaders": {"Items": ["Authorization"]},
                "AccessControlExposeHeaders": {"Items": ["X-Total"]},
                "AccessControlAllowCredentials": True,
                "AccessControlMaxAgeSec": 600,
                "OriginOverride": True,
            }
        }
    )
    assert apply(policy, [], [], "GET") == []
    assert apply(policy, [], [("Origin", "https://evil.example.com")], "GET") == []
    simple = _named(apply(policy, [], [("Origin", "https://app.example.com")], "GET"))
    assert simple["access-control-allow-origin"] == "https://app.example.com"
    assert simple["access-control-allow-credentials"] == "true"
    assert simple["access-control-expose-headers"] == "X-Total"
    preflight = _named(
        apply(
            policy,
            [],
            [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "POST")],
            "OPTIONS",
        )
    )
    assert preflight["access-control-allow-methods"] == "GET,POST"
    assert preflight["access-control-allow-headers"] == "Authorization"
    assert preflight["access-control-max-age"] == "600"


def test_simple_cors_allows_any_origin() -> None:
    simple = MANAGED_RESPONSE_HEADERS["60669652-455b-4ae9-85a4-c4c02393f86c"]
    answered = _named(apply(simple, [], [("Origin", "http://localhost:5173")], "GET"))
    assert answered["access-control-allow-origin"] == "*"
