"""`$input`: the payload and the method request's parameters.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#input-variable-reference

- `$input.body`: the raw payload as a string; an empty payload reads as `{}` (observed on
  AWS and pinned by LocalStack's AWS-validated tests, localstack/localstack#12413).
- `$input.json(x)`: JSONPath `x` over the payload, as a (compact) JSON string.
- `$input.path(x)`: JSONPath `x` as an object the template can walk (`.size()`, `.get()`).
- `$input.params()`: `{path, querystring, header}` maps; `$input.params(x)`: parameter `x`
  from the path, the query string or a header, "searched in that order"; "" when absent.

JSONPath is Jayway's (the docs link "JSONPath for Java"): a definite path (`$.a.b`, `$.a[0]`)
yields one value; an indefinite one (wildcards, `..`, filters, slices, unions) yields a list
of every match. A definite path that matches nothing yields "" (`$input.json` gives `""`).
Simple dotted paths are resolved directly; the rest go through jsonpath-ng, each expression
parsed once (parsing costs milliseconds).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
from jsonpath_ng.ext.parser import parse as parse_jsonpath

from lamina.gateway.mapping.java import JsonList, JsonMap, from_json, to_json
from lamina.gateway.mapping.velocity import MappingError

EMPTY_BODY = "{}"

_SIMPLE_STEP = re.compile(r"\.([A-Za-z_$][\w$-]*)|\[(-?\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")
_INDEFINITE = re.compile(r"\.\.|\*|\[\?|\[[^\]]*[,:][^\]]*\]")


class _Missing:
    """A definite path that matched nothing."""


MISSING = _Missing()


@functools.lru_cache(maxsize=1024)
def _simple_steps(path: str) -> tuple[str | int, ...] | None:
    """The steps of a simple definite path (`$`, `$.a.b`, `$['a'][0]`), else None."""
    if not path.startswith("$"):
        return None
    steps: list[str | int] = []
    position = 1
    while position < len(path):
        step = _SIMPLE_STEP.match(path, position)
        if step is None:
            return None
        name, index, single, double = step.groups()
        steps.append(int(index) if index is not None else (name or single or double or ""))
        position = step.end()
    return tuple(steps)


@functools.lru_cache(maxsize=1024)
def _compiled(path: str) -> Any:
    try:
        return parse_jsonpath(path)
    except (JsonPathLexerError, JsonPathParserError, Exception) as error:
        raise MappingError(f"invalid JSONPath {path!r}: {error}") from None


def select(document: Any, path: str) -> Any:
    """What JSONPath `path` selects in `document` (MISSING when a definite path misses)."""
    steps = _simple_steps(path)
    if steps is not None:
        current = document
        for step in steps:
            current = _step(current, step)
            if current is MISSING:
                return MISSING
        return current
    matches = [match.value for match in _compiled(path).find(document)]
    if _INDEFINITE.search(path):
        return JsonList(matches)
    return matches[0] if matches else MISSING


def _step(current: Any, step: str | int) -> Any:
    if isinstance(step, int):
        if isinstance(current, list) and -len(current) <= step < len(current):
            return current[step]
    elif isinstance(current, dict) and step in current:
        return current[step]
    return MISSING


class Input:
    """The `$input` object (method names are API Gateway's)."""

    __slots__ = ("_document", "_params", "body")

    def __init__(self, body: str, params: JsonMap | Callable[[], JsonMap]) -> None:
        """`params`: the method request's parameters, or what builds them on first use."""
        self.body = body or EMPTY_BODY
        self._params = params
        self._document: Any = MISSING

    def _parsed(self) -> Any:
        if self._document is MISSING:
            try:
                self._document = from_json(orjson.loads(self.body))
            except orjson.JSONDecodeError as error:
                raise MappingError(f"Could not parse request body into json: {error}") from None
        return self._document

    def json(self, path: str) -> str:
        found = select(self._parsed(), path)
        return '""' if found is MISSING else to_json(found)

    def path(self, path: str) -> Any:
        found = select(self._parsed(), path)
        return "" if found is MISSING else found

    def params(self, name: str | None = None) -> Any:
        params = self._params
        if not isinstance(params, dict):
            params = self._params = params()
        if name is None:
            return params
        for location in ("path", "querystring"):
            value = params[location].get(name)
            if value is not None:
                return value
        headers: Mapping[str, str] = params["header"]
        value = headers.get(name)
        if value is None:
            lowered = name.lower()
            value = next((v for k, v in headers.items() if k.lower() == lowered), None)
        return "" if value is None else value


def method_params(
    path: Mapping[str, str], query: list[tuple[str, str]], headers: list[tuple[str, str]]
) -> JsonMap:
    """`$input.params()`: the last value of a repeated query parameter or header wins, as
    in the proxy event's single-value maps."""
    return JsonMap(
        path=JsonMap(path),
        querystring=JsonMap(query),
        header=JsonMap(headers),
    )
