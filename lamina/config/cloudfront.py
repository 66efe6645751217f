"""AWS::CloudFront::* resources: ids as CloudFront forms them, and a Distribution's
DistributionConfig compiled into what the edge serves (services.cloudfront.model).

https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudfront-distribution.html
Origins are recognised by their DomainName: `{bucket}.s3.amazonaws.com`,
`{bucket}.s3.{region}.amazonaws.com` (GetAtt Bucket.DomainName / RegionalDomainName) are
the bucket; `{api}.execute-api.{region}.amazonaws.com` (a !Sub of ServerlessRestApi /
ServerlessHttpApi) is the API, reached in process through the gateway.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import msgspec
import orjson

from lamina.aws.service import ServiceError
from lamina.config.model import Application, TemplateResource
from lamina.services.cloudfront.headers import ResponseHeaders, response_headers_of
from lamina.services.cloudfront.model import (
    Behavior,
    CachePolicy,
    Distribution,
    ErrorResponse,
    Forwarding,
    Origin,
    ViewerFunction,
)
from lamina.services.cloudfront.policy import (
    LEGACY_ORIGIN_REQUEST,
    cache_policy_of,
    forwarding_of,
    legacy_policy,
)
from lamina.services.cloudfront.provider import CloudFrontProvider

T = TypeVar("T")
DISTRIBUTION = "AWS::CloudFront::Distribution"
ORIGIN_ACCESS_CONTROL = "AWS::CloudFront::OriginAccessControl"
ORIGIN_ACCESS_IDENTITY = "AWS::CloudFront::CloudFrontOriginAccessIdentity"
CACHE_POLICY = "AWS::CloudFront::CachePolicy"
ORIGIN_REQUEST_POLICY = "AWS::CloudFront::OriginRequestPolicy"
RESPONSE_HEADERS_POLICY = "AWS::CloudFront::ResponseHeadersPolicy"
FUNCTION = "AWS::CloudFront::Function"
CLOUDFRONT_TYPES = (
    ORIGIN_ACCESS_CONTROL,
    ORIGIN_ACCESS_IDENTITY,
    CACHE_POLICY,
    ORIGIN_REQUEST_POLICY,
    RESPONSE_HEADERS_POLICY,
    FUNCTION,
    DISTRIBUTION,
)
"""In the order they are provisioned: what a distribution names comes first."""

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
_S3_DOMAIN = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9.\-]*?)\.s3(?:[.\-](?P<region>[a-z0-9\-]+))?"
    r"\.(?:amazonaws\.com|localhost)$"
)
_API_DOMAIN = re.compile(r"^(?P<api>[a-z0-9]+)\.execute-api\.[a-z0-9\-]+\.amazonaws\.com$")


def _derived(alphabet: str, length: int, *parts: str) -> str:
    number = int.from_bytes(hashlib.sha256("\x00".join(parts).encode()).digest(), "big")
    chars = []
    for _ in range(length):
        number, index = divmod(number, len(alphabet))
        chars.append(alphabet[index])
    return "".join(chars)


def cloudfront_id(stack: str, logical_id: str) -> str:
    """A distribution's, origin access control's or identity's id: `E` and 13 uppercase
    letters or digits (e.g. EDFDVBD6EXAMPLE), the same for the same stack and logical id."""
    return "E" + _derived(_UPPER, 13, "cloudfront", stack, logical_id)


def distribution_domain(distribution_id: str) -> str:
    """`d` and 13 lowercase letters or digits, `.cloudfront.net` (d111111abcdef8.cloudfront.net),
    the same for the same distribution id."""
    return "d" + _derived(_LOWER, 13, "cloudfront-domain", distribution_id) + ".cloudfront.net"


def policy_id(stack: str, logical_id: str) -> str:
    """A cache or origin request policy's id is a UUID."""
    digest = hashlib.sha256(f"cloudfront-policy\x00{stack}\x00{logical_id}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def canonical_user_id(stack: str, logical_id: str) -> str:
    """An origin access identity's S3CanonicalUserId (96 hex digits)."""
    return hashlib.sha384(f"oai\x00{stack}\x00{logical_id}".encode()).hexdigest()


def function_arn(account_id: str, name: str) -> str:
    """A CloudFront Function's ARN (what Ref and GetAtt FunctionARN give)."""
    return f"arn:aws:cloudfront::{account_id}:function/{name}"


def function_name(stack: str, logical_id: str, given: object) -> str:
    return str(given) if given else f"{stack}-{logical_id}"


def physical_id(
    kind: str, stack: str, logical_id: str, properties: Mapping[str, Any] | None = None
) -> str:
    if kind == FUNCTION:
        return function_name(stack, logical_id, (properties or {}).get("Name"))
    if kind in (CACHE_POLICY, ORIGIN_REQUEST_POLICY, RESPONSE_HEADERS_POLICY):
        return policy_id(stack, logical_id)
    return cloudfront_id(stack, logical_id)


def distribution_arn(account_id: str, distribution_id: str) -> str:
    return f"arn:aws:cloudfront::{account_id}:distribution/{distribution_id}"


def compile_distribution(
    resource: TemplateResource,
    *,
    account_id: str,
    cache_policies: Mapping[str, CachePolicy],
    origin_request_policies: Mapping[str, Forwarding],
    now: float,
    response_headers_policies: Mapping[str, ResponseHeaders] | None = None,
    functions: Mapping[str, ViewerFunction] | None = None,
) -> Distribution:
    """Raises ServiceError (CloudFront's code) for a configuration CloudFront would refuse."""
    config = resource.properties.get("DistributionConfig")
    if not isinstance(config, dict):
        raise _invalid("DistributionConfig is required")
    origins = {origin.id: origin for origin in map(_origin, config.get("Origins") or [])}
    if not origins:
        raise _invalid("The parameter Origins must contain at least one origin.")

    def behavior(raw: object, default: bool) -> Behavior:
        found = _behavior(
            raw, default, cache_policies, origin_request_policies, response_headers_policies or {}
        )
        if isinstance(raw, Mapping):  # _behavior checked it is
            found = msgspec.structs.replace(found, **_functions(raw, functions or {}))
        if found.target_origin_id not in origins:
            raise ServiceError(
                "NoSuchOrigin",
                f"One or more of your origins or origin groups do not exist "
                f"({found.target_origin_id}).",
                status=404,
            )
        return found

    distribution_id = resource.physical_id
    return Distribution(
        id=distribution_id,
        arn=distribution_arn(account_id, distribution_id),
        domain_name=distribution_domain(distribution_id),
        logical_id=resource.logical_id,
        aliases=tuple(str(alias) for alias in config.get("Aliases") or []),
        enabled=_true(config.get("Enabled", True)),
        default_root_object=str(config.get("DefaultRootObject") or "").lstrip("/"),
        origins=origins,
        default_behavior=behavior(config.get("DefaultCacheBehavior"), True),
        behaviors=tuple(behavior(raw, False) for raw in config.get("CacheBehaviors") or []),
        error_responses={
            response.error_code: response
            for response in map(_error_response, config.get("CustomErrorResponses") or [])
        },
        config=config,
        last_modified=now,
        etag="E" + _derived(_UPPER, 13, orjson.dumps(config, option=orjson.OPT_SORT_KEYS).hex()),
    )


def _origin(raw: object) -> Origin:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudfront-distribution-origin.html
    if not isinstance(raw, dict) or "Id" not in raw or "DomainName" not in raw:
        raise _invalid("Each origin needs an Id and a DomainName")
    domain = str(raw["DomainName"]).lower()
    headers = tuple(
        (str(header["HeaderName"]), str(header["HeaderValue"]))
        for header in raw.get("OriginCustomHeaders") or []
        if isinstance(header, dict)
    )
    common: dict[str, Any] = {
        "id": str(raw["Id"]),
        "domain_name": domain,
        "origin_path": str(raw.get("OriginPath") or "").rstrip("/"),
        "custom_headers": headers,
    }
    s3 = _S3_DOMAIN.match(domain)
    if s3 is not None and "s3-website" not in domain:
        s3_config = raw.get("S3OriginConfig") or {}
        identity = s3_config.get("OriginAccessIdentity") if isinstance(s3_config, dict) else None
        controlled = bool(raw.get("OriginAccessControlId") or identity)
        return Origin(kind="s3", bucket=s3.group("bucket"), access_control=controlled, **common)
    api = _API_DOMAIN.match(domain)
    if api is not None:
        return Origin(kind="api", api_id=api.group("api"), **common)
    return Origin(kind="custom", **common)


def _behavior(
    raw: object,
    default: bool,
    cache_policies: Mapping[str, CachePolicy],
    origin_request_policies: Mapping[str, Forwarding],
    response_headers_policies: Mapping[str, ResponseHeaders],
) -> Behavior:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudfront-distribution-cachebehavior.html
    if not isinstance(raw, dict) or "TargetOriginId" not in raw:
        raise _invalid("A cache behavior needs a TargetOriginId")
    if not default and "PathPattern" not in raw:
        raise _invalid("A cache behavior needs a PathPattern")
    cache_id = raw.get("CachePolicyId")
    cache = (
        _policy(cache_policies, cache_id, "NoSuchCachePolicy", "cache policy")
        if cache_id
        else legacy_policy(raw)
    )
    request_id = raw.get("OriginRequestPolicyId")
    origin_request = (
        _policy(
            origin_request_policies,
            request_id,
            "NoSuchOriginRequestPolicy",
            "origin request policy",
        )
        if request_id
        else LEGACY_ORIGIN_REQUEST
        if cache.legacy
        else Forwarding()
    )
    headers_id = raw.get("ResponseHeadersPolicyId")
    response_headers = (
        _policy(
            response_headers_policies,
            headers_id,
            "NoSuchResponseHeadersPolicy",
            "response headers policy",
        )
        if headers_id
        else None
    )
    return Behavior(
        path_pattern="*" if default else str(raw["PathPattern"]),
        target_origin_id=str(raw["TargetOriginId"]),
        viewer_protocol_policy=str(raw.get("ViewerProtocolPolicy", "allow-all")),
        allowed_methods=tuple(str(m).upper() for m in raw.get("AllowedMethods") or ["GET", "HEAD"]),
        cached_methods=tuple(str(m).upper() for m in raw.get("CachedMethods") or ["GET", "HEAD"]),
        compress=_true(raw.get("Compress", False)),
        cache=cache,
        origin_request=origin_request,
        response_headers=response_headers,
    )


def _functions(raw: Mapping[str, Any], functions: Mapping[str, ViewerFunction]) -> dict[str, Any]:
    """FunctionAssociations: a CloudFront Function per viewer event.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudfront-distribution-functionassociation.html
    """
    found: dict[str, Any] = {}
    for association in raw.get("FunctionAssociations") or []:
        if not isinstance(association, Mapping):
            continue
        event = str(association.get("EventType", ""))
        if event not in ("viewer-request", "viewer-response"):
            raise _invalid(f"EventType {event!r} is not viewer-request or viewer-response")
        arn = str(association.get("FunctionARN", ""))
        function = functions.get(arn)
        if function is None:
            raise ServiceError(
                "NoSuchFunctionExists", f"The function {arn} does not exist.", status=404
            )
        found["viewer_request" if event == "viewer-request" else "viewer_response"] = function
    return found


def _policy(found: Mapping[str, T], policy_id: object, code: str, what: str) -> T:
    """A managed or template policy by id; CloudFront's NoSuch… error for another id."""
    policy = found.get(str(policy_id))
    if policy is None:
        raise ServiceError(code, f"The {what} {policy_id} does not exist.", status=404)
    return policy


def _error_response(raw: object) -> ErrorResponse:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudfront-distribution-customerrorresponse.html
    if not isinstance(raw, dict) or "ErrorCode" not in raw:
        raise _invalid("A custom error response needs an ErrorCode")
    code = raw.get("ResponseCode")
    page = raw.get("ResponsePagePath")
    if (code is None) != (page is None) and page is not None:
        raise _invalid("ResponsePagePath needs a ResponseCode")
    return ErrorResponse(
        error_code=int(raw["ErrorCode"]),
        response_code=None if code in (None, "") else int(code),
        page_path=None if not page else str(page),
        caching_min_ttl=int(raw.get("ErrorCachingMinTTL", 10)),
    )


def _invalid(message: str) -> ServiceError:
    return ServiceError("InvalidArgument", message, status=400)


def _true(value: object) -> bool:
    return value is True or str(value).lower() == "true"


def provision(resource: TemplateResource, provider: CloudFrontProvider, account_id: str) -> None:
    """Serve the template's CloudFront resource from now on (`lamina up` and each deploy).
    Origin access controls and identities only need their ids (Ref, GetAtt)."""
    properties = resource.properties
    if resource.type == CACHE_POLICY:
        config = properties.get("CachePolicyConfig")
        if not isinstance(config, dict):
            raise _invalid("CachePolicyConfig is required")
        provider.cache_policies[resource.physical_id] = cache_policy_of(config)
    elif resource.type == ORIGIN_REQUEST_POLICY:
        config = properties.get("OriginRequestPolicyConfig")
        if not isinstance(config, dict):
            raise _invalid("OriginRequestPolicyConfig is required")
        provider.origin_request_policies[resource.physical_id] = forwarding_of(config)
    elif resource.type == RESPONSE_HEADERS_POLICY:
        config = properties.get("ResponseHeadersPolicyConfig")
        if not isinstance(config, dict):
            raise _invalid("ResponseHeadersPolicyConfig is required")
        provider.response_headers_policies[resource.physical_id] = response_headers_of(config)
    elif resource.type == FUNCTION:
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudfront-function.html
        arn = function_arn(account_id, resource.physical_id)
        config = properties.get("FunctionConfig") or {}
        provider.functions[arn] = ViewerFunction(
            name=resource.physical_id,
            arn=arn,
            code=str(properties.get("FunctionCode", "")),
            runtime=str(config.get("Runtime", "cloudfront-js-1.0")),
            comment=str(config.get("Comment", "")),
        )
    elif resource.type == DISTRIBUTION:
        provider.put_distribution(
            compile_distribution(
                resource,
                account_id=account_id,
                cache_policies=provider.cache_policies,
                origin_request_policies=provider.origin_request_policies,
                now=provider.clock(),
                response_headers_policies=provider.response_headers_policies,
                functions=provider.functions,
            )
        )


def distribution_aliases(app: Application) -> list[str]:
    """Every Aliases entry of the template's distributions (lowercase, once each)."""
    found: dict[str, None] = {}
    for resource in app.service_resources:
        config = resource.properties.get("DistributionConfig")
        if resource.type == DISTRIBUTION and isinstance(config, dict):
            found.update(dict.fromkeys(str(alias).lower() for alias in config.get("Aliases") or []))
    return list(found)


def retain(provider: CloudFrontProvider, resources: Iterable[TemplateResource]) -> None:
    """Stop serving distributions the template no longer declares."""
    kept = {r.physical_id for r in resources if r.type == DISTRIBUTION}
    for distribution in provider.distributions():
        if distribution.id not in kept:
            provider.remove_distribution(distribution.id)
