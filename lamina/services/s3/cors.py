"""Bucket CORS: PutBucketCors, GetBucketCors, DeleteBucketCors, and the answers S3 gives
browsers from those rules (OPTIONS preflights, and the CORS headers of actual requests).

https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html
https://docs.aws.amazon.com/AmazonS3/latest/API/RESTOPTIONSobject.html
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import unquote

import msgspec

from lamina.aws.policy import like
from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput, ServiceError
from lamina.http.message import HttpRequest
from lamina.services.s3 import error
from lamina.services.s3.state import S3State

# https://docs.aws.amazon.com/AmazonS3/latest/userguide/ManageCorsUsing.html
METHODS = ("GET", "PUT", "HEAD", "POST", "DELETE")
MAX_RULES = 100
Headers = list[tuple[bytes, bytes]]
_PREFLIGHT_VARY = b"Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
_NOT_ALLOWED = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution "
    "of Origin, request method / Access-Control-Request-Method or "
    "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."
)


async def put_bucket_cors(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    bucket = state.bucket(params["Bucket"])
    rules: list[dict[str, Any]] = (params.get("CORSConfiguration") or {}).get("CORSRules") or []
    if not rules or len(rules) > MAX_RULES:
        raise error.malformed_xml()
    for rule in rules:
        _validate(rule)
    state.store.set_bucket(msgspec.structs.replace(bucket, cors=rules))
    return {}


async def get_bucket_cors(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    bucket = state.bucket(params["Bucket"])
    if not bucket.cors:
        raise error.no_such_cors_configuration(bucket.name)
    return {"CORSRules": bucket.cors}


async def delete_bucket_cors(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    bucket = state.bucket(params["Bucket"])
    state.store.set_bucket(msgspec.structs.replace(bucket, cors=None))
    return {}


def _validate(rule: Mapping[str, Any]) -> None:
    """S3's InvalidRequest answers for a rule it will not store."""
    methods = rule.get("AllowedMethods") or []
    origins = rule.get("AllowedOrigins") or []
    if not methods or not origins:
        raise error.malformed_xml()
    for method in methods:
        if method not in METHODS:
            raise error.invalid_request(
                f"Found unsupported HTTP method in CORS config. Unsupported method is {method}"
            )
    for origin in origins:
        if origin.count("*") > 1:
            raise error.invalid_request(
                f'AllowedOrigin "{origin}" can not have more than one wildcard.'
            )
    for header in rule.get("AllowedHeaders") or []:
        if header.count("*") > 1:
            raise error.invalid_request(
                f'AllowedHeader "{header}" can not have more than one wildcard.'
            )
    age = rule.get("MaxAgeSeconds")
    if age is not None and int(age) < 0:
        raise error.malformed_xml()


def _matching_rule(
    rules: Sequence[Mapping[str, Any]], origin: str, method: str, headers: Sequence[str]
) -> Mapping[str, Any] | None:
    """The first rule whose origins, methods and (for preflights) headers all admit the
    request: "the first CORSRule rule that matches ... is used" (cors.html, "How does Amazon
    S3 evaluate the CORS configuration on a bucket?")."""
    for rule in rules:
        if not any(like(origin, allowed) for allowed in rule.get("AllowedOrigins") or []):
            continue
        if method not in (rule.get("AllowedMethods") or []):
            continue
        allowed_headers = [h.lower() for h in rule.get("AllowedHeaders") or []]
        if all(any(like(h, a) for a in allowed_headers) for h in headers):
            return rule
    return None


def _allow_headers(rule: Mapping[str, Any], origin: str) -> Headers:
    wildcard = "*" in (rule.get("AllowedOrigins") or [])
    headers: Headers = [
        (b"Access-Control-Allow-Origin", b"*" if wildcard else origin.encode()),
        (b"Access-Control-Allow-Methods", ", ".join(rule["AllowedMethods"]).encode()),
    ]
    if not wildcard:
        headers.append((b"Access-Control-Allow-Credentials", b"true"))
    exposed = rule.get("ExposeHeaders")
    if exposed:
        headers.append((b"Access-Control-Expose-Headers", ", ".join(exposed).encode()))
    if rule.get("MaxAgeSeconds") is not None:
        headers.append((b"Access-Control-Max-Age", str(rule["MaxAgeSeconds"]).encode()))
    return headers


def _bucket_and_key(request: HttpRequest) -> tuple[str, str]:
    """(bucket, key) of a path-style request; key "" for the bucket itself."""
    bucket, _, key = request.path.lstrip("/").partition("/")
    return unquote(bucket), unquote(key)


def preflight(state: S3State, request: HttpRequest) -> Headers:
    """The headers of a 200 answer to a browser's OPTIONS preflight, or S3's error.
    https://docs.aws.amazon.com/AmazonS3/latest/API/RESTOPTIONSobject.html
    """
    bucket_name, key = _bucket_and_key(request)
    origin = request.header("Origin")
    if origin is None:
        raise ServiceError(
            "BadRequest", "Insufficient information. Origin request header needed.", status=400
        )
    method = request.header("Access-Control-Request-Method")
    if method not in METHODS:
        raise ServiceError(
            "BadRequest", f"Invalid Access-Control-Request-Method: {method}", status=400
        )
    bucket = state.bucket(bucket_name)
    fields = {"Method": method, "ResourceType": "OBJECT" if key else "BUCKET"}
    if not bucket.cors:
        raise ServiceError(
            "AccessForbidden",
            "CORSResponse: CORS is not enabled for this bucket.",
            status=403,
            fields=fields,
        )
    asked = [
        h.strip().lower()
        for h in (request.header("Access-Control-Request-Headers") or "").split(",")
        if h.strip()
    ]
    rule = _matching_rule(bucket.cors, origin, method, asked)
    if rule is None:
        raise ServiceError("AccessForbidden", _NOT_ALLOWED, status=403, fields=fields)
    headers = _allow_headers(rule, origin)
    if asked:
        headers.append((b"Access-Control-Allow-Headers", ", ".join(asked).encode()))
    headers.append((b"Vary", _PREFLIGHT_VARY))
    return headers


def actual_headers(state: S3State, request: HttpRequest) -> Headers:
    """CORS headers for a (non-OPTIONS) request carrying an Origin: those of the first
    rule matching its origin and method; none when no rule does (the browser then keeps
    the answer from the page). S3 adds `Vary: Origin, ...` whenever the bucket has rules."""
    origin = request.header("Origin")
    bucket_name, _ = _bucket_and_key(request)
    if origin is None or not bucket_name:
        return []
    bucket = state.store.bucket(bucket_name)
    if bucket is None or not bucket.cors:
        return []
    vary: Headers = [(b"Vary", _PREFLIGHT_VARY)]
    rule = _matching_rule(bucket.cors, origin, request.method, ())
    return vary if rule is None else _allow_headers(rule, origin) + vary
