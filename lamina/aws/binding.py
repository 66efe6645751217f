"""A claimed request -> the operation it calls and that operation's parsed input.

Per protocol: rest-json routes on method + path (+ required query keys and headers); json
reads X-Amz-Target; query reads the form's `Action`. Wire values that do not fit the model
become the service's own parse error.
"""

from __future__ import annotations

from typing import Any

from lamina.aws.claim import Claim
from lamina.aws.model import ServiceSpec
from lamina.aws.parse import parse_json_rpc, parse_rest
from lamina.aws.query import parse_query, query_form
from lamina.aws.rest_xml import MALFORMED_XML, parse_rest_xml
from lamina.aws.service import OperationInput, ServiceError
from lamina.aws.shape import ShapeMismatch
from lamina.aws.validate import check_required
from lamina.http.message import HttpRequest

SUPPORTED_PROTOCOLS = ("rest-json", "json", "query", "rest-xml")


def find_operation(claim: Claim, request: HttpRequest) -> tuple[ServiceSpec, Any, dict[str, str]]:
    """(service, OperationModel, URI labels); raises ServiceError for an unknown operation."""
    for spec in claim.specs:
        if spec.protocol == "rest-json" or spec.protocol == "rest-xml":
            names = frozenset(name.lower() for name, _ in request.headers)
            match = spec.router.match(request.method, request.path, request.query_string, names)
            if match is not None:
                return spec, spec.operation(match.operation), match.labels
        elif spec.protocol == "json" and claim.target is not None:
            operation = spec.operation(claim.target)
            if operation is not None:
                return spec, operation, {}
        elif spec.protocol == "query":
            action = claim.action or query_form(request).get("Action", "")
            operation = spec.operation(action)
            if operation is not None:
                return spec, operation, {}
    spec = claim.specs[0]
    if spec.protocol == "query":
        # https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html
        action = query_form(request).get("Action", "")
        raise ServiceError("InvalidAction", f"Could not find operation {action}", status=400)
    if spec.protocol == "json":
        # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html
        raise ServiceError("UnknownOperationException", "", status=400)
    raise ServiceError(
        "UnknownOperationException",
        f"No {spec.name} operation answers {request.method} {request.path}",
        status=404,
    )


def parse_input(
    spec: ServiceSpec, operation: Any, request: HttpRequest, labels: dict[str, str]
) -> OperationInput:
    if spec.protocol not in SUPPORTED_PROTOCOLS:
        raise ServiceError(
            "NotImplemented",
            f"Lamina does not implement the {spec.protocol} protocol ({spec.name}) yet",
            status=501,
        )
    try:
        if spec.protocol == "json":
            parsed = parse_json_rpc(operation, request)
        elif spec.protocol == "query":
            parsed = parse_query(operation, query_form(request))
        elif spec.protocol == "rest-xml":
            # S3 validates its own inputs (its errors are not ValidationException).
            return parse_rest_xml(operation, request, labels)
        else:
            parsed = parse_rest(operation, request, labels)
    except ShapeMismatch as exc:
        raise parse_error(spec, exc) from exc
    if operation.input_shape is not None:
        check_required(operation.input_shape, parsed)
    return parsed


def parse_error(spec: ServiceSpec, exc: ShapeMismatch) -> ServiceError:
    """Lambda names unparsable bodies InvalidRequestContentException; the Coral-based JSON
    services SerializationException.
    https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors
    """
    if spec.protocol == "query":
        return ServiceError("MalformedInput", str(exc), status=400)
    if spec.protocol == "rest-xml":
        # https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
        if exc.expected == MALFORMED_XML:
            return ServiceError(
                "MalformedXML",
                "The XML you provided was not well-formed or did not validate against our "
                "published schema",
                status=400,
            )
        return ServiceError("InvalidArgument", str(exc), status=400)
    if "InvalidRequestContentException" in spec.error_shapes:
        return ServiceError(
            "InvalidRequestContentException", f"Could not parse request body into json: {exc}"
        )
    return ServiceError("SerializationException", str(exc), status=400)
