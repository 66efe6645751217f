"""`$context`: what API Gateway knows about the request, for mapping templates.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#context-variable-reference

Every documented variable the gateway can know is filled: accountId, apiId,
authorizer.principalId / authorizer.claims.* / authorizer.<key>, domainName, domainPrefix,
extendedRequestId, httpMethod, identity.* (sourceIp, userAgent, apiKey, apiKeyId, caller, user,
userArn, accountId, cognito*, principalOrgId, clientCert), path, protocol, requestId,
requestTime, requestTimeEpoch, resourceId, resourcePath, stage, wafResponseCode, webaclArn,
xrayTraceId. A variable the request has no value for is null (prints as nothing).

Overrides (`$context.requestOverride.*` in request templates, `$context.responseOverride.*`
in response templates) "are final": setting one twice fails the template (5XX).
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-override-request-response-parameters.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.gateway.auth.claims import JsonClaims, json_text
from lamina.gateway.events.clock import request_time
from lamina.gateway.mapping.java import JsonMap, NullMap, from_json, render
from lamina.gateway.mapping.velocity import MappingError
from lamina.gateway.request import GatewayRequest

_IDENTITY_FIELDS = (
    "accountId",
    "apiKey",
    "apiKeyId",
    "caller",
    "cognitoAuthenticationProvider",
    "cognitoAuthenticationType",
    "cognitoIdentityId",
    "cognitoIdentityPoolId",
    "principalOrgId",
    "user",
    "userArn",
)
_NO_IDENTITY = dict.fromkeys(_IDENTITY_FIELDS)
# Reported by the proxy event's authorizer object but, for templates, access logging only.
_LOGGING_ONLY = frozenset({"integrationLatency"})


class RequestFacts:
    """What routing and the security stages found, as the integration passes it on."""

    __slots__ = (
        "account_id",
        "api_id",
        "authorizer",
        "client_cert",
        "identity",
        "resource_id",
        "resource_path",
        "stage",
        "stage_path_prefix",
        "web_acl_arn",
    )

    def __init__(
        self,
        *,
        account_id: str,
        api_id: str,
        stage: str,
        resource_id: str = "",
        resource_path: str = "",
        stage_path_prefix: str = "",
        authorizer: Mapping[str, Any] | None = None,
        identity: Mapping[str, Any] | None = None,
        client_cert: Mapping[str, Any] | None = None,
        web_acl_arn: str | None = None,
    ) -> None:
        self.account_id = account_id
        self.api_id = api_id
        self.stage = stage
        self.resource_id = resource_id
        self.resource_path = resource_path
        self.stage_path_prefix = stage_path_prefix
        self.authorizer = authorizer
        self.identity = identity or {}
        self.client_cert = client_cert
        self.web_acl_arn = web_acl_arn


def context_variables(request: GatewayRequest, facts: RequestFacts) -> JsonMap:
    """The `$context` map for one request (overrides are added per template)."""
    identity = JsonMap(_NO_IDENTITY)
    identity["sourceIp"] = request.source_ip
    identity["userAgent"] = request.header("user-agent")
    if facts.identity:
        identity.update({key: from_json(value) for key, value in facts.identity.items()})
    if facts.client_cert is not None:
        identity["clientCert"] = from_json(dict(facts.client_cert))
    context = JsonMap(
        accountId=facts.account_id,
        apiId=facts.api_id,
        authorizer=_authorizer(facts.authorizer) if facts.authorizer else JsonMap(),
        domainName=request.domain_name,
        domainPrefix=request.domain_name.partition(":")[0].split(".", 1)[0],
        extendedRequestId=request.extended_request_id,
        httpMethod=request.method,
        identity=identity,
        path=facts.stage_path_prefix + request.path,
        protocol=request.protocol,
        requestId=request.request_id,
        requestTime=request_time(request.time_epoch_ms),
        requestTimeEpoch=request.time_epoch_ms,
        resourceId=facts.resource_id,
        resourcePath=facts.resource_path,
        stage=facts.stage,
    )
    if facts.web_acl_arn is not None:
        # The request reached the integration, so the web ACL allowed it.
        context["wafResponseCode"] = "WAF_ALLOW"
        context["webaclArn"] = facts.web_acl_arn
    if request.trace_id:
        root = request.trace_id.split(";", 1)[0]
        context["xrayTraceId"] = root.removeprefix("Root=")
    return context


def _authorizer(authorizer: Mapping[str, Any] | None) -> JsonMap:
    """`$context.authorizer.<key>` is "the stringified value" of the Lambda authorizer's
    context (1 -> "1", true -> "true"); `$context.authorizer.claims` itself "returns null"
    while `.claims.<property>` reads a claim."""
    shaped = JsonMap()
    for key, value in (authorizer or {}).items():
        if key in _LOGGING_ONLY:
            continue
        if isinstance(value, JsonClaims):
            # REST JWT authorizers: each claim as JSON text (rest-api-jwt-authorizer-claims.html).
            shaped[key] = NullMap((k, json_text(v)) for k, v in value.items())
        elif key == "claims" and isinstance(value, Mapping):
            shaped[key] = NullMap((k, _stringified(v)) for k, v in value.items())
        else:
            shaped[key] = _stringified(value)
    return shaped


def _stringified(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Mapping | list):
        return from_json(value)
    return render(value)


class OverrideMap(JsonMap):
    """An override map: each key may be set once ("Overrides are final")."""

    def __setitem__(self, key: Any, value: Any) -> None:
        if key in self:
            raise MappingError(f"override {key!r} set more than once (overrides are final)")
        super().__setitem__(key, value)

    def put(self, key: Any, value: Any) -> Any:
        self[key] = value
        return None


def request_override() -> JsonMap:
    return JsonMap(header=OverrideMap(), path=OverrideMap(), querystring=OverrideMap())


def response_override() -> OverrideMap:
    override = OverrideMap()
    dict.__setitem__(override, "header", OverrideMap())
    return override
