"""Models, request validators and method request parameters / models from a template.

OpenAPI bodies: `definitions` (2.0) / `components.schemas` (3.x) become models, as import
does, with references between them rewritten to model URLs; `x-amazon-apigateway-request-
validators` defines validators, `x-amazon-apigateway-request-validator` names the API's
default (top level) or an operation's; `parameters` (header / query / path, `required`) and
the body's schema give the method's request parameters and request models.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-request-validators.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-request-validator.html

SAM's `RequestModel` / `RequestParameters` arrive here as such a body: the translator writes
the validators, the `in: body` parameter and the definitions (the model's name lowercased).

CloudFormation: AWS::ApiGateway::Model, AWS::ApiGateway::RequestValidator, and a Method's
RequestValidatorId, RequestParameters and RequestModels.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-model.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-requestvalidator.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from lamina.config.error import ConfigError
from lamina.config.ids import physical_id
from lamina.config.reference import CfnResource
from lamina.config.stack import Stack
from lamina.gateway.model import Model, RequestValidator
from lamina.gateway.validation import MODEL_URL

VALIDATORS_KEY = "x-amazon-apigateway-request-validators"
VALIDATOR_KEY = "x-amazon-apigateway-request-validator"
_JSON = "application/json"
# OpenAPI `in` -> the method request parameter's source.
_SOURCES = {"header": "header", "query": "querystring", "path": "path"}
_REF_PREFIXES = ("#/definitions/", "#/components/schemas/")


class MethodValidation:
    """What a body operation contributes to its Method."""

    __slots__ = ("request_models", "request_parameters", "request_validator_id")

    def __init__(
        self,
        request_validator_id: str | None,
        request_parameters: dict[str, bool],
        request_models: dict[str, str],
    ) -> None:
        self.request_validator_id = request_validator_id
        self.request_parameters = request_parameters
        self.request_models = request_models


class BodyValidation:
    """A body's models and validators, and per operation what its method validates."""

    def __init__(self, api_id: str, body: Mapping[str, Any]) -> None:
        self._api_id = api_id
        self._body = body
        schemas = body.get("definitions")
        if not isinstance(schemas, dict):
            schemas = (body.get("components") or {}).get("schemas")
        self._schemas: dict[str, Any] = schemas if isinstance(schemas, dict) else {}
        self.models: list[Model] = [
            Model(name=name, schema=self._model_schema(schema), id=self._model_id(name))
            for name, schema in self._schemas.items()
            if isinstance(schema, dict)
        ]
        self.validators: list[RequestValidator] = []
        self._validator_ids: dict[str, str] = {}
        declared = body.get(VALIDATORS_KEY) or {}
        if not isinstance(declared, dict):
            raise ConfigError(f"{VALIDATORS_KEY} must be a mapping of names to validators")
        for name, spec in declared.items():
            if not isinstance(spec, dict):
                raise ConfigError(f"{VALIDATORS_KEY}.{name} must be a mapping")
            validator = RequestValidator(
                id=physical_id(api_id, "validator", str(name), length=6),
                name=str(name),
                validate_request_body=spec.get("validateRequestBody") in (True, "true"),
                validate_request_parameters=spec.get("validateRequestParameters") in (True, "true"),
            )
            self.validators.append(validator)
            self._validator_ids[str(name)] = validator.id
        self._default = body.get(VALIDATOR_KEY)

    def _model_id(self, name: str) -> str:
        return physical_id(self._api_id, "model", name, length=6)

    def _model_schema(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        """References to other definitions become model URLs, as on import."""

        def rewrite(node: Any) -> Any:
            if isinstance(node, dict):
                out = {key: rewrite(value) for key, value in node.items()}
                ref = node.get("$ref")
                if isinstance(ref, str):
                    for prefix in _REF_PREFIXES:
                        name = ref.removeprefix(prefix)
                        if name != ref and "/" not in name and name in self._schemas:
                            out["$ref"] = MODEL_URL.format(api_id=self._api_id, name=name)
                return out
            if isinstance(node, list):
                return [rewrite(item) for item in node]
            return node

        rewritten: dict[str, Any] = rewrite(dict(schema))
        return rewritten

    def method(
        self, path_item: Mapping[str, Any], operation: Mapping[str, Any], label: str
    ) -> MethodValidation:
        named = operation.get(VALIDATOR_KEY, self._default)
        validator_id = None
        if isinstance(named, str) and named:
            validator_id = self._validator_ids.get(named)
            if validator_id is None:
                raise ConfigError(f"{label}: request validator {named!r} is not defined")
        parameters: dict[str, bool] = {}
        models: dict[str, str] = {}
        listed = [*_list(path_item.get("parameters")), *_list(operation.get("parameters"))]
        for raw in listed:
            parameter = self._resolve(raw)
            where = parameter.get("in")
            name = parameter.get("name")
            if where == "body":
                model = self._model_of(parameter.get("schema"), f"{label} body")
                if model is not None:
                    for content_type in _list(operation.get("consumes")) or [_JSON]:
                        models[str(content_type)] = model
            elif where in _SOURCES and isinstance(name, str):
                required = parameter.get("required") in (True, "true")
                parameters[f"method.request.{_SOURCES[where]}.{name}"] = required
        request_body = operation.get("requestBody")
        if isinstance(request_body, dict):
            content = self._resolve(request_body).get("content") or {}
            for content_type, media in content.items():
                if isinstance(media, dict):
                    model = self._model_of(media.get("schema"), f"{label} {content_type}")
                    if model is not None:
                        models[str(content_type)] = model
        return MethodValidation(validator_id, parameters, models)

    def _resolve(self, node: Any) -> dict[str, Any]:
        """A `$ref` to a shared parameter / request body (#/parameters/X,
        #/components/parameters/X, #/components/requestBodies/X)."""
        for _ in range(8):
            if not isinstance(node, dict) or not isinstance(node.get("$ref"), str):
                break
            target: Any = self._body
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target.get(part) if isinstance(target, dict) else None
            node = target
        return node if isinstance(node, dict) else {}

    def _model_of(self, schema: object, label: str) -> str | None:
        """The model a body schema names; an inline schema becomes a model of its own
        (import creates one too)."""
        if not isinstance(schema, dict):
            return None
        ref = schema.get("$ref")
        if isinstance(ref, str):
            for prefix in _REF_PREFIXES:
                name = ref.removeprefix(prefix)
                if name != ref and name in self._schemas:
                    return name
            raise ConfigError(f"{label}: schema $ref {ref!r} names no definition")
        name = "Model" + physical_id(self._api_id, label, length=8)
        if all(model.name != name for model in self.models):
            self.models.append(
                Model(name=name, schema=self._model_schema(schema), id=self._model_id(name))
            )
        return name


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def resource_models(stack: Stack, api_id: str) -> list[Model]:
    models = []
    for resource in stack.of_api("AWS::ApiGateway::Model", api_id, key="RestApiId"):
        with stack.blame(resource.logical_id):
            schema = stack.prop(resource, "Schema", {})
            if isinstance(schema, str):  # the property may be a JSON string
                try:
                    schema = orjson.loads(schema)
                except orjson.JSONDecodeError as error:
                    raise ConfigError(f"Schema is not JSON: {error}") from error
            if not isinstance(schema, dict):
                raise ConfigError("Schema must be a JSON object")
            name = stack.text(resource, "Name", resource.logical_id)
            description = stack.prop(resource, "Description")
            models.append(
                Model(
                    name=name,
                    schema=schema,
                    content_type=stack.text(resource, "ContentType", _JSON),
                    id=stack.resources.id_of(resource.logical_id, 6),
                    description=description if isinstance(description, str) else None,
                )
            )
    return models


def resource_validators(stack: Stack, api_id: str) -> list[RequestValidator]:
    validators = []
    for resource in stack.of_api("AWS::ApiGateway::RequestValidator", api_id, key="RestApiId"):
        with stack.blame(resource.logical_id):
            validators.append(
                RequestValidator(
                    id=stack.resources.id_of(resource.logical_id, 6),
                    name=stack.text(resource, "Name", resource.logical_id),
                    validate_request_body=_flag(stack.prop(resource, "ValidateRequestBody")),
                    validate_request_parameters=_flag(
                        stack.prop(resource, "ValidateRequestParameters")
                    ),
                )
            )
    return validators


def resource_method_validation(stack: Stack, method: CfnResource) -> MethodValidation:
    """RequestValidatorId, RequestParameters (`method.request.*` -> bool) and RequestModels
    (content type -> model name) of an AWS::ApiGateway::Method."""
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-method.html
    validator = stack.prop(method, "RequestValidatorId")
    parameters = stack.prop(method, "RequestParameters", {})
    models = stack.prop(method, "RequestModels", {})
    if not isinstance(parameters, dict) or not isinstance(models, dict):
        raise ConfigError("RequestParameters and RequestModels must be mappings")
    return MethodValidation(
        str(validator) if validator else None,
        {str(key): _flag(value) for key, value in parameters.items()},
        {str(key): str(value) for key, value in models.items()},
    )


def _flag(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")
