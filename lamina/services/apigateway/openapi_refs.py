"""`$ref`s in OpenAPI documents and in API Gateway's model schemas.

In a document a model is `#/definitions/Pet` (Swagger 2) or `#/components/schemas/Pet`
(OpenAPI 3); in a stored model schema API Gateway writes the model's URL,
`https://apigateway.amazonaws.com/restapis/{restApiId}/models/Pet`.
https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html#api-gateway-request-validation-model-more-complex
"""

from __future__ import annotations

import re
from typing import Any

_MODEL_URL = re.compile(r"https://apigateway\.amazonaws\.com/restapis/[^/]+/models/([^/\"]+)")
_LOCAL = re.compile(r"#/(?:definitions|components/schemas)/([^/\"]+)")


def ref_name(ref: str) -> str:
    """The model a `$ref` names (its last segment)."""
    return ref.rstrip("/").rsplit("/", 1)[-1]


def resolve(document: dict[str, Any], node: Any) -> Any:
    """A `{"$ref": "#/..."}` node replaced by what it points to (once; others as they are)."""
    if not isinstance(node, dict) or not isinstance(node.get("$ref"), str):
        return node
    ref: str = node["$ref"]
    if not ref.startswith("#/"):
        return node
    target: Any = document
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if not isinstance(target, dict) or token not in target:
            return node
        target = target[token]
    return target


def to_model_urls(schema: str, rest_api_id: str) -> str:
    """A document's schema text with its local refs turned into API Gateway model URLs."""
    base = f"https://apigateway.amazonaws.com/restapis/{rest_api_id}/models/"
    return _LOCAL.sub(lambda m: base + m.group(1), schema)


def to_local_refs(schema: str, swagger: bool) -> str:
    """A stored schema's model URLs as the exported document's local refs."""
    prefix = "#/definitions/" if swagger else "#/components/schemas/"
    return _MODEL_URL.sub(lambda m: prefix + m.group(1), schema)
