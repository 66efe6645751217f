"""The OpenAPI document a client is generated from: the stage's export, completed where
an export says less than a client needs.

An API built from a template or resource by resource often declares no request
parameters, models or method responses, so its export lists bare operations. A client
still has to fill `/hello/{name}`, send a body to POST /echo and hand back the answer:
- every `{name}` (or greedy `{name+}`) of a path becomes a required string path
  parameter where the operation does not declare it;
- POST, PUT and PATCH without a requestBody take an optional JSON body of any shape
  (API Gateway's own JavaScript SDK passes a body to every method);
- an operation without responses answers `200` with JSON of any shape, and a 2xx
  response without a model has JSON of any shape (API Gateway's JavaScript SDK hands
  back the parsed body whatever the method responses say).
"""

from __future__ import annotations

import copy
import re
from typing import Any

_TEMPLATE = re.compile(r"\{([^}/]+?)\+?\}")
_BODY_METHODS = ("post", "put", "patch")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch")


def sdk_document(exported: dict[str, Any]) -> dict[str, Any]:
    """`exported` (an oas30 export, left unchanged) completed for client generation."""
    document = copy.deepcopy(exported)
    for path, item in (document.get("paths") or {}).items():
        names = _TEMPLATE.findall(path)
        for method in METHODS:
            operation = item.get(method)
            if operation is not None:
                _complete(operation, method, names, item.get("parameters") or [])
    return document


def _complete(
    operation: dict[str, Any], method: str, names: list[str], shared: list[dict[str, Any]]
) -> None:
    declared = {(p.get("in"), p.get("name")) for p in [*shared, *operation.get("parameters", [])]}
    missing = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in names
        if ("path", name) not in declared
    ]
    if missing:
        operation["parameters"] = [*operation.get("parameters", []), *missing]
    if method in _BODY_METHODS and "requestBody" not in operation:
        operation["requestBody"] = {"content": {"application/json": {"schema": {}}}}
    responses = operation.setdefault("responses", {})
    if not responses:
        responses["200"] = {"description": "200 response"}
    for status, response in responses.items():
        if str(status).startswith("2") and not response.get("content"):
            response["content"] = {"application/json": {"schema": {}}}
