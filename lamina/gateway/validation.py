"""REST request validation compiled once per deployment: which parameters a method requires
and the JSON Schema (draft-04) each request content type's body must match.

A method is checked when its `requestValidatorId` names one of the API's validators; the
validator says whether parameters, the body, or both are checked.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html

Models are draft-04 schemas that may reference each other by model URL,
`https://apigateway.amazonaws.com/restapis/{restapi_id}/models/{model_name}`, and their own
`definitions` by `#/definitions/...`.
https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html

Failures are described the way API Gateway's validator (the fge json-schema-validator)
words them, for `$context.error.validationErrorString`: `[object has missing required
properties (["name"])]`. See gateway_messages below and docs/fidelity/gateway.md.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import orjson
from jsonschema import Draft4Validator
from jsonschema.exceptions import SchemaError, UnknownType, ValidationError
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT4

from lamina.gateway.error import GatewayError, ResponseType
from lamina.gateway.model import Method, RequestValidator, RestApi

log = logging.getLogger("lamina.gateway.validation")

MODEL_URL = "https://apigateway.amazonaws.com/restapis/{api_id}/models/{name}"
_MODEL_URL = re.compile(r"^https://apigateway\.amazonaws\.com/restapis/[^/]+/models/([^/#]+)")
DEFAULT_CONTENT_TYPE = "$default"
"""requestModels key whose model applies to any content type without its own."""
# A request without Content-Type is taken as JSON, as API Gateway does for mapping templates.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html
_ASSUMED_CONTENT_TYPE = "application/json"
_PARAMETER = "method.request."
# multivalue* names check the same parameters (the ones a client sends once or repeated).
_SOURCES = {
    "header": "header",
    "multivalueheader": "header",
    "querystring": "querystring",
    "multivaluequerystring": "querystring",
    "path": "path",
}


class MethodChecks:
    """What one method's validator checks, compiled."""

    __slots__ = ("bodies", "required", "sources")

    def __init__(
        self,
        required: tuple[tuple[str, str], ...],
        bodies: Mapping[str, Draft4Validator] | None,
    ) -> None:
        self.required = required
        """(source, name) of each required parameter, in the order AWS lists missing ones
        (by parameter expression: headers, then path, then query string, each by name)."""
        self.sources = frozenset(source for source, _ in required)
        """Where the required parameters are read from (header, querystring, path)."""
        self.bodies = bodies
        """Lowercased content type (or `$default`) -> the body's validator; None: the
        body is not validated."""

    def missing(
        self,
        headers: Mapping[str, str],
        query: Mapping[str, str],
        path: Mapping[str, str],
    ) -> list[str]:
        """The required parameters the request lacks or sends blank (`headers` keys
        lowercased). API Gateway checks presence only, not type or format."""
        sources = {"header": headers, "querystring": query, "path": path}
        lacking = []
        for source, name in self.required:
            key = name.lower() if source == "header" else name
            value = sources[source].get(key)
            if value is None or not value.strip():
                lacking.append(name)
        return lacking

    def body_errors(self, content_type: str, body: bytes) -> list[str] | None:
        """None when the body is valid or no model applies to its content type (then AWS
        does not validate it); otherwise the validator's messages."""
        if self.bodies is None:
            return None
        validator = self.bodies.get(content_type or _ASSUMED_CONTENT_TYPE)
        if validator is None:
            validator = self.bodies.get(DEFAULT_CONTENT_TYPE)
        if validator is None:
            return None
        try:
            # An empty body is checked as an empty object.
            instance = orjson.loads(body) if body.strip() else {}
        except orjson.JSONDecodeError as error:
            return [f"Invalid JSON: {error}"]
        try:
            errors = sorted(validator.iter_errors(instance), key=_error_order)
        except (Unresolvable, UnknownType) as error:
            # A model naming a model that does not exist, or an unknown type: the API is
            # misconfigured, not the request (CreateModel would have refused it on AWS).
            raise GatewayError(ResponseType.DEFAULT_5XX, f"request model: {error}") from None
        # jsonschema reports each missing property; fge one message for all of them.
        messages = dict.fromkeys(gateway_message(error) for error in errors)
        return list(messages) or None


def compile_api(api: RestApi) -> dict[int, tuple[Method, MethodChecks | None]]:
    """Every method of `api` naming a validator, by `id(method)`, with its checks (None:
    nothing to check). The Method is kept with them, so an id is not reused while the
    table lives."""
    validators = {validator.id: validator for validator in api.request_validators}
    schemas = _Schemas(api)
    table: dict[int, tuple[Method, MethodChecks | None]] = {}
    for resource in api.resources:
        for method in resource.methods.values():
            if method.request_validator_id is not None:
                checks = compile_method(api, method, validators, schemas)
                table[id(method)] = (method, checks)
    return table


def compile_method(
    api: RestApi,
    method: Method,
    validators: Mapping[str, RequestValidator] | None = None,
    schemas: _Schemas | None = None,
) -> MethodChecks | None:
    if method.request_validator_id is None:
        return None
    if validators is None:
        validators = {validator.id: validator for validator in api.request_validators}
    validator = validators.get(method.request_validator_id)
    if validator is None:
        log.warning(
            "%s %s: request validator %s is not defined; requests are not validated",
            api.id,
            method.http_method,
            method.request_validator_id,
        )
        return None
    required: tuple[tuple[str, str], ...] = ()
    if validator.validate_request_parameters:
        required = _required(method.request_parameters)
    bodies: dict[str, Draft4Validator] | None = None
    if validator.validate_request_body and method.request_models:
        schemas = schemas or _Schemas(api)
        bodies = {}
        for content_type, name in method.request_models.items():
            compiled = schemas.validator(name)
            if compiled is not None:
                bodies[content_type.lower()] = compiled
    if not required and not bodies:
        return None
    return MethodChecks(required, bodies or None)


def _required(parameters: Mapping[str, bool]) -> tuple[tuple[str, str], ...]:
    # AWS lists missing parameters ordered by their expression (LocalStack's parity tests,
    # recorded against AWS, sort them so: localstack/services/apigateway, RequestValidator).
    found = []
    for expression, needed in sorted(parameters.items()):
        if not needed or not expression.startswith(_PARAMETER):
            continue
        kind, _, name = expression.removeprefix(_PARAMETER).partition(".")
        source = _SOURCES.get(kind)
        if source is not None and name:
            found.append((source, name))
    return tuple(found)


class _Schemas:
    """The API's models as one registry: each model at its model URL, so models reference
    each other by `$ref`; one validator per model, shared by the methods using it."""

    def __init__(self, api: RestApi) -> None:
        self._api = api
        self._by_name = {model.name: model for model in api.models}
        self._validators: dict[str, Draft4Validator | None] = {}
        resources = [
            (
                MODEL_URL.format(api_id=api.id, name=model.name),
                Resource.from_contents(model.schema, default_specification=DRAFT4),
            )
            for model in api.models
        ]
        registry: Registry[Any] = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]
        self._registry = registry.with_resources(resources)

    def _retrieve(self, uri: str) -> Resource[Any]:
        """A model URL naming another API id still means this API's model of that name."""
        match = _MODEL_URL.match(uri)
        model = self._by_name.get(match.group(1)) if match else None
        if model is None:
            raise NoSuchResource(ref=uri)  # type: ignore[call-arg]
        return Resource.from_contents(model.schema, default_specification=DRAFT4)

    def validator(self, name: str) -> Draft4Validator | None:
        if name in self._validators:
            return self._validators[name]
        model = self._by_name.get(name)
        compiled: Draft4Validator | None = None
        if model is None:
            log.warning("%s: model %s is not defined; bodies are not validated", self._api.id, name)
        else:
            schema = dict(model.schema)
            # Relative references resolve against the model's own URL.
            schema.setdefault("id", MODEL_URL.format(api_id=self._api.id, name=name))
            try:
                Draft4Validator.check_schema(schema)
            except SchemaError as error:
                log.warning("%s: model %s is no draft-04 schema: %s", self._api.id, name, error)
                self._validators[name] = None
                return None
            compiled = Draft4Validator(schema, registry=self._registry)
        self._validators[name] = compiled
        return compiled


def _error_order(error: ValidationError) -> tuple[str, ...]:
    return tuple(str(part) for part in error.absolute_path)


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def gateway_message(error: ValidationError) -> str:
    """One failure worded as API Gateway's validator reports it (the fge
    json-schema-validator's message bundle); keywords it does not word the same fall back
    to jsonschema's message."""
    keyword = error.validator
    value: Any = error.validator_value
    instance: Any = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    if keyword == "required":
        missing = sorted(name for name in value if name not in instance)
        return f"object has missing required properties ({_json(missing)})"
    if keyword == "type":
        allowed = sorted(value) if isinstance(value, list) else [value]
        return (
            f"instance type ({_type_name(instance)}) does not match any allowed primitive "
            f"type (allowed: {_json(allowed)})"
        )
    if keyword == "enum":
        return (
            f"instance value ({_json(instance)}) not found in enum "
            f"(possible values: {_json(value)})"
        )
    if keyword == "minimum":
        if schema.get("exclusiveMinimum") is True:
            return (
                f"numeric instance is not strictly greater than the required minimum {_json(value)}"
            )
        return (
            f"numeric instance is lower than the required minimum "
            f"(minimum: {_json(value)}, found: {_json(instance)})"
        )
    if keyword == "maximum":
        if schema.get("exclusiveMaximum") is True:
            return (
                f"numeric instance is not strictly lower than the required maximum {_json(value)}"
            )
        return (
            f"numeric instance is greater than the required maximum "
            f"(maximum: {_json(value)}, found: {_json(instance)})"
        )
    if keyword == "minLength":
        return (
            f"string {_json(instance)} is too short "
            f"(length: {len(instance)}, required minimum: {value})"
        )
    if keyword == "maxLength":
        return (
            f"string {_json(instance)} is too long "
            f"(length: {len(instance)}, maximum allowed: {value})"
        )
    if keyword == "pattern":
        return f"ECMA 262 regex {_json(value)} does not match input string {_json(instance)}"
    if keyword == "additionalProperties":
        extra = sorted(set(instance) - set(schema.get("properties", {})))
        patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
        extra = [name for name in extra if not any(p.search(name) for p in patterns)]
        return f"object instance has properties which are not allowed by the schema: {_json(extra)}"
    if keyword == "minItems":
        return (
            f"array is too short: must have at least {value} elements "
            f"but instance has {len(instance)} elements"
        )
    if keyword == "maxItems":
        return (
            f"array is too long: must have at most {value} elements "
            f"but instance has {len(instance)} elements"
        )
    if keyword == "uniqueItems":
        return "array must not contain duplicate elements"
    return error.message


def validation_error_string(messages: list[str]) -> str:
    """`$context.error.validationErrorString`: the messages as a bracketed list."""
    return "[" + ", ".join(messages) + "]"
