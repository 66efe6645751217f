"""Integrations: which function a Lambda proxy URI names, and the model for the gateway."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Literal

from lamina.config.error import ConfigError
from lamina.gateway.model import (
    CALLER_CREDENTIALS,
    HTTP_MAX_TIMEOUT_MS,
    AwsServiceIntegration,
    HttpIntegration,
    Integration,
    IntegrationResponse,
    LambdaCustomIntegration,
    LambdaIntegration,
    MockIntegration,
    UnsupportedIntegration,
)

MIN_TIMEOUT_MS = 50

# A Lambda function ARN, optionally qualified by a version or alias. The name may be or hold
# a `${stageVariables.x}` reference (a stage variable names a word of [A-Za-z0-9_]), which
# API Gateway substitutes per request.
# https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_RequestSyntax
# https://docs.aws.amazon.com/apigateway/latest/developerguide/stage-variables.html
_STAGE_VARIABLE = r"\$\{stageVariables\.[A-Za-z0-9_]+\}"
_STAGE_VARIABLE_IN = re.compile(_STAGE_VARIABLE)
_FUNCTION_ARN = re.compile(
    rf"arn:[a-z-]+:lambda:[a-z0-9-]*:\d*:function:(?P<name>(?:[A-Za-z0-9_-]|{_STAGE_VARIABLE})+)"
    r"(?::(?P<qualifier>[^:/]+))?"
)
# The API Gateway form:
# arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations
# https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
_ROLE_ARN = re.compile(r"arn:[a-z-]+:iam::\d{12}:role/.+")
_CALLER_ARN = re.compile(r"arn:[a-z-]+:iam::\*:user/\*")
_APIGATEWAY_LAMBDA_PATH = re.compile(
    r"arn:[a-z-]+:apigateway:[a-z0-9-]*:lambda:path/[0-9-]+/functions/(?P<arn>.+)/invocations"
)


def lambda_target(uri: str, functions: Mapping[str, str]) -> tuple[str, str | None]:
    """(function name, qualifier) named by a Lambda integration URI.

    `functions` maps every function name of the stack to itself and its ARN to its name;
    a URI naming a function outside the stack is an error, unless its name holds a
    `${stageVariables.x}`: that name is known only per request, when the data plane
    substitutes the stage's value, so it is kept as written (a qualifier's variable is
    kept too, whatever the name).
    https://docs.aws.amazon.com/apigateway/latest/developerguide/aws-api-gateway-stage-variables-reference.html
    """
    name, qualifier = lambda_uri_target(uri)
    if _STAGE_VARIABLE_IN.search(name):
        return name, qualifier
    if name not in functions:
        raise ConfigError(
            f"integration URI {uri!r} names no function of this template ({name}"
            f"{_did_you_mean(name, functions)}); Lamina invokes only the template's own "
            "functions, so a function deployed elsewhere on AWS must be added to it"
        )
    return functions[name], qualifier


def _did_you_mean(name: str, functions: Mapping[str, str]) -> str:
    """`; did you mean X?` for the template function whose name is closest to a typo."""
    close = difflib.get_close_matches(name, sorted(set(functions.values())), n=1)
    return f"; did you mean {close[0]}?" if close else ""


def lambda_uri_target(uri: str) -> tuple[str, str | None]:
    """(function name, qualifier) as a Lambda integration or authorizer URI writes them: the
    API Gateway invocation form or a function ARN; any other text is taken as the name.
    `$LATEST` is no qualifier; `${stageVariables.x}` parts are kept as written.
    """
    wrapped = _APIGATEWAY_LAMBDA_PATH.fullmatch(uri)
    arn = wrapped.group("arn") if wrapped else uri
    found = _FUNCTION_ARN.fullmatch(arn)
    name = found.group("name") if found else arn
    qualifier = found.group("qualifier") if found else None
    return name, None if qualifier == "$LATEST" else qualifier


def build_integration(
    kind: str,
    uri: object,
    *,
    functions: Mapping[str, str],
    payload_format: str,
    timeout_ms: object,
    default_timeout_ms: int,
    request_parameters: object = None,
    response_parameters: object = None,
    http_method: object = None,
    credentials: object = None,
) -> Integration:
    """A LambdaIntegration for AWS_PROXY, an HttpIntegration for HTTP_PROXY, an
    UnsupportedIntegration for anything else. The parameters are HTTP APIs' parameter
    mapping (requestParameters / responseParameters); `credentials` the role that invokes
    a Lambda function (REST credentials, HTTP APIs credentialsArn)."""
    uri_text = uri if isinstance(uri, str) else ""
    if kind.upper() == "HTTP_PROXY":
        return HttpIntegration(
            type="HTTP_PROXY",
            uri=uri_text,
            http_method=str(http_method or "ANY").upper(),
            timeout_ms=_timeout(timeout_ms, default_timeout_ms),
            request_parameters=_text_map(request_parameters),
            response_parameters=http_api_response_parameters(response_parameters),
        )
    if kind.upper() != "AWS_PROXY" or not is_lambda_uri(uri_text):
        return UnsupportedIntegration(type=kind.upper(), uri=uri_text)
    name, qualifier = lambda_target(uri_text, functions)
    if payload_format not in ("1.0", "2.0"):
        raise ConfigError(f"payload format version {payload_format!r} is not 1.0 or 2.0")
    return LambdaIntegration(
        function_name=name,
        qualifier=qualifier,
        payload_format="2.0" if payload_format == "2.0" else "1.0",
        timeout_ms=_timeout(timeout_ms, default_timeout_ms),
        request_parameters=_text_map(request_parameters),
        response_parameters=http_api_response_parameters(response_parameters),
        credentials=lambda_credentials(credentials),
    )


def lambda_credentials(value: object) -> str | None:
    """A Lambda integration's credentials: an IAM role ARN API Gateway assumes to invoke
    the function (its policies, not the function's resource policy, then decide), or
    `arn:aws:iam::*:user/*` for the caller's own credentials; None when unset.
    https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html
    """
    if value is None or value == "":
        return None
    if isinstance(value, str) and _CALLER_ARN.fullmatch(value):
        return CALLER_CREDENTIALS  # SAM writes the partition it deploys to (aws-cn, ...)
    if not isinstance(value, str) or _ROLE_ARN.fullmatch(value) is None:
        raise ConfigError(
            f"integration credentials {value!r} is not an IAM role ARN or "
            f"{CALLER_CREDENTIALS} (the caller's credentials)"
        )
    return value


def http_api_response_parameters(value: object) -> dict[str, dict[str, str]]:
    """HTTP APIs' responseParameters: status code -> {`overwrite:statuscode` /
    `append|overwrite|remove:header.x`: value}. CloudFormation may also write each status's
    map as `{"ResponseParameters": [{"Destination": ..., "Source": ...}]}`.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigatewayv2-integration-responseparametermap.html
    """
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError("responseParameters must map status codes to parameter maps")
    found: dict[str, dict[str, str]] = {}
    for status, parameters in value.items():
        listed = parameters.get("ResponseParameters") if isinstance(parameters, dict) else None
        if isinstance(listed, list):
            found[str(status)] = {
                str(item["Destination"]): str(item["Source"])
                for item in listed
                if isinstance(item, dict) and "Destination" in item and "Source" in item
            }
        else:
            found[str(status)] = _text_map(parameters)
    return found


def build_http_integration(spec: Mapping[str, object], default_timeout_ms: int) -> HttpIntegration:
    """A REST API's HTTP or HTTP_PROXY integration from the OpenAPI extension (type, uri,
    httpMethod, requestParameters, requestTemplates, passthroughBehavior, responses,
    timeoutInMillis) or the CloudFormation property (Type, Uri, IntegrationHttpMethod,
    RequestParameters, RequestTemplates, PassthroughBehavior, IntegrationResponses,
    TimeoutInMillis).
    https://docs.aws.amazon.com/apigateway/latest/developerguide/setup-http-integrations.html
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-method-integration.html
    """
    cfn = "Type" in spec
    kind = str(spec.get("Type" if cfn else "type") or "").upper()
    uri = spec.get("Uri" if cfn else "uri")
    if not isinstance(uri, str) or not uri:
        raise ConfigError(f"an {kind} integration needs a uri")
    method = spec.get("IntegrationHttpMethod" if cfn else "httpMethod") or "ANY"
    mapped = build_mock_integration(spec)
    return HttpIntegration(
        type="HTTP" if kind == "HTTP" else "HTTP_PROXY",
        uri=uri,
        http_method=str(method).upper(),
        timeout_ms=_timeout(
            spec.get("TimeoutInMillis" if cfn else "timeoutInMillis"), default_timeout_ms
        ),
        request_parameters=_text_map(spec.get("RequestParameters" if cfn else "requestParameters")),
        request_templates=mapped.request_templates,
        passthrough_behavior=mapped.passthrough_behavior,
        content_handling=mapped.content_handling,
        responses=mapped.responses,
    )


def build_aws_service_integration(
    spec: Mapping[str, object], default_timeout_ms: int
) -> AwsServiceIntegration:
    """An AWS service integration (type AWS, a URI naming a service other than Lambda) from
    the OpenAPI extension (uri, httpMethod, credentials, requestParameters, requestTemplates,
    passthroughBehavior, responses) or the CloudFormation property (Uri, IntegrationHttpMethod,
    Credentials, RequestParameters, ...).
    https://docs.aws.amazon.com/apigateway/latest/developerguide/integrating-api-with-aws-services-s3.html
    """
    cfn = "Type" in spec
    uri = spec.get("Uri" if cfn else "uri")
    if not isinstance(uri, str) or not uri:
        raise ConfigError("an AWS integration needs a uri")
    credentials = spec.get("Credentials" if cfn else "credentials")
    if credentials is not None and not isinstance(credentials, str):
        raise ConfigError(f"integration credentials {credentials!r} is not a role ARN")
    method = spec.get("IntegrationHttpMethod" if cfn else "httpMethod") or "POST"
    mapped = build_mock_integration(spec)
    return AwsServiceIntegration(
        uri=uri,
        http_method=str(method).upper(),
        credentials=credentials or None,
        timeout_ms=_timeout(
            spec.get("TimeoutInMillis" if cfn else "timeoutInMillis"), default_timeout_ms
        ),
        request_parameters=_text_map(spec.get("RequestParameters" if cfn else "requestParameters")),
        request_templates=mapped.request_templates,
        passthrough_behavior=mapped.passthrough_behavior,
        content_handling=mapped.content_handling,
        responses=mapped.responses,
    )


def is_aws_service(spec: Mapping[str, object]) -> bool:
    """Whether an OpenAPI / CloudFormation integration is type AWS with a service URI."""
    cfn = "Type" in spec
    uri = spec.get("Uri" if cfn else "uri")
    kind = str(spec.get("Type" if cfn else "type") or "").upper()
    return (
        kind == "AWS" and isinstance(uri, str) and ":apigateway:" in uri and not is_lambda_uri(uri)
    )


def is_http(spec: Mapping[str, object]) -> bool:
    """Whether an OpenAPI / CloudFormation integration is type HTTP or HTTP_PROXY."""
    kind = spec.get("Type" if "Type" in spec else "type")
    return str(kind or "").upper() in ("HTTP", "HTTP_PROXY")


def is_lambda_uri(uri: str) -> bool:
    """Whether `uri` is a Lambda invocation URI or a function ARN."""
    return bool(_APIGATEWAY_LAMBDA_PATH.fullmatch(uri) or _FUNCTION_ARN.fullmatch(uri))


def _timeout(value: object, default: int) -> int:
    """API Gateway accepts 50 ms and up; HTTP APIs at most 30 s. REST APIs default to 29 s
    and, since 2024, Regional REST APIs may raise that with a quota increase, so a longer
    REST timeout is accepted.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
    """
    if value is None:
        return default
    try:
        timeout = int(str(value))
    except ValueError:
        raise ConfigError(
            f"integration timeout {value!r} is not a number of milliseconds"
        ) from None
    if timeout < MIN_TIMEOUT_MS:
        raise ConfigError(f"integration timeout {timeout} ms is under {MIN_TIMEOUT_MS} ms")
    if default == HTTP_MAX_TIMEOUT_MS and timeout > HTTP_MAX_TIMEOUT_MS:
        raise ConfigError(
            f"integration timeout {timeout} ms is over HTTP APIs' {HTTP_MAX_TIMEOUT_MS} ms"
        )
    return timeout


def build_mock_integration(spec: Mapping[str, object]) -> MockIntegration:
    """A MOCK integration from the OpenAPI extension (requestTemplates, responses keyed by
    selection pattern, passthroughBehavior) or the CloudFormation property (RequestTemplates,
    IntegrationResponses list, PassthroughBehavior).
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-integration.html
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-method-integration.html
    """
    cfn = "Type" in spec
    templates = _text_map(spec.get("RequestTemplates" if cfn else "requestTemplates"))
    behavior = str(spec.get("PassthroughBehavior" if cfn else "passthroughBehavior") or "")
    passthrough = _PASSTHROUGH.get(behavior.upper() or "WHEN_NO_MATCH")
    if passthrough is None:
        raise ConfigError(
            f"passthroughBehavior {behavior!r} is not WHEN_NO_MATCH, WHEN_NO_TEMPLATES or NEVER"
        )
    return MockIntegration(
        request_templates=templates,
        passthrough_behavior=passthrough,
        content_handling=_content_handling(
            spec.get("ContentHandling" if cfn else "contentHandling")
        ),
        responses=_cfn_responses(spec) if cfn else _openapi_responses(spec),
    )


_CONTENT_HANDLING: dict[str, Literal["CONVERT_TO_BINARY", "CONVERT_TO_TEXT"]] = {
    "CONVERT_TO_BINARY": "CONVERT_TO_BINARY",
    "CONVERT_TO_TEXT": "CONVERT_TO_TEXT",
}


def _content_handling(value: object) -> Literal["CONVERT_TO_BINARY", "CONVERT_TO_TEXT"] | None:
    """An integration's or integration response's contentHandling (None when unset).
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings-workflow.html
    """
    if value is None or value == "":
        return None
    found = _CONTENT_HANDLING.get(str(value))
    if found is None:
        raise ConfigError(f"contentHandling {value!r} is not CONVERT_TO_BINARY or CONVERT_TO_TEXT")
    return found


def build_lambda_custom_integration(
    spec: Mapping[str, object], functions: Mapping[str, str], default_timeout_ms: int
) -> LambdaCustomIntegration:
    """A Lambda custom (non-proxy) integration: type AWS with a Lambda invocation URI, read
    from the OpenAPI extension (uri, requestTemplates, passthroughBehavior, responses keyed by
    selection pattern, timeoutInMillis) or the CloudFormation property (Uri, RequestTemplates,
    PassthroughBehavior, IntegrationResponses list, TimeoutInMillis).
    https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-custom-integrations.html
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-method-integration.html
    """
    cfn = "Type" in spec
    uri = spec.get("Uri" if cfn else "uri")
    name, qualifier = lambda_target(uri if isinstance(uri, str) else "", functions)
    mapped = build_mock_integration(spec)
    return LambdaCustomIntegration(
        function_name=name,
        qualifier=qualifier,
        timeout_ms=_timeout(
            spec.get("TimeoutInMillis" if cfn else "timeoutInMillis"), default_timeout_ms
        ),
        request_templates=mapped.request_templates,
        passthrough_behavior=mapped.passthrough_behavior,
        content_handling=mapped.content_handling,
        responses=mapped.responses,
        request_parameters=_text_map(spec.get("RequestParameters" if cfn else "requestParameters")),
        credentials=lambda_credentials(spec.get("Credentials" if cfn else "credentials")),
    )


def is_lambda_custom(spec: Mapping[str, object]) -> bool:
    """Whether an OpenAPI / CloudFormation integration is type AWS with a Lambda URI."""
    cfn = "Type" in spec
    uri = spec.get("Uri" if cfn else "uri")
    kind = str(spec.get("Type" if cfn else "type") or "").upper()
    return kind == "AWS" and isinstance(uri, str) and is_lambda_uri(uri)


_PASSTHROUGH: dict[str, Literal["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"]] = {
    "WHEN_NO_MATCH": "WHEN_NO_MATCH",
    "WHEN_NO_TEMPLATES": "WHEN_NO_TEMPLATES",
    "NEVER": "NEVER",
}


def _openapi_responses(spec: Mapping[str, object]) -> tuple[IntegrationResponse, ...]:
    """`responses`: selection pattern (or "default") -> response."""
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-integration-responses.html
    responses = spec.get("responses") or {}
    if not isinstance(responses, dict):
        raise ConfigError("x-amazon-apigateway-integration responses must be a mapping")
    return tuple(
        _response(None if pattern == "default" else str(pattern), body, "")
        for pattern, body in responses.items()
    )


def _cfn_responses(spec: Mapping[str, object]) -> tuple[IntegrationResponse, ...]:
    responses = spec.get("IntegrationResponses") or []
    if not isinstance(responses, list):
        raise ConfigError("IntegrationResponses must be a list")
    built = []
    for body in responses:
        pattern = body.get("SelectionPattern") if isinstance(body, dict) else None
        built.append(_response(None if pattern in (None, "") else str(pattern), body, "C"))
    return tuple(built)


def _response(pattern: str | None, body: object, cfn: str) -> IntegrationResponse:
    """`cfn` is "C" for CloudFormation's capitalized keys, "" for OpenAPI's."""
    if not isinstance(body, dict):
        raise ConfigError("an integration response must be a mapping")

    def key(name: str) -> str:
        return name[0].upper() + name[1:] if cfn else name

    status = body.get(key("statusCode"))
    if status is None:
        raise ConfigError("an integration response needs a statusCode")
    return IntegrationResponse(
        selection_pattern=pattern,
        status_code=str(status),
        response_parameters=_text_map(body.get(key("responseParameters"))),
        response_templates=_text_map(body.get(key("responseTemplates"))),
        content_handling=_content_handling(body.get(key("contentHandling"))),
    )


def _text_map(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"expected a mapping of strings, got {type(value).__name__}")
    return {str(key): str(item) for key, item in value.items()}
