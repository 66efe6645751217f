"""What compiled mapping templates call at run time (compiler.py generates the calls): a
reference's `.name` / `.name(...)` / `[i]` steps as velocity.py's NameOrCall reads them,
`#foreach`'s collection, `#set` paths, and the interpreter's error message.

Each mirrors the interpreter's rule it replaces (velocity._calculate_name, _evaluate_foreach,
_evaluate_set, airspeed's Range and TemplateExecutionError), so a compiled template and an
interpreted one print and fail alike.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from lamina.gateway.mapping.input import Input
from lamina.gateway.mapping.java import STRING_METHODS, JsonMap
from lamina.gateway.mapping.util import Util
from lamina.gateway.mapping.velocity import _ADDITIONAL, MappingError, output, truth


class Failed(MappingError):
    """A statement of a compiled template failed (the interpreter's message)."""


# --- what generated code calls ----------------------------------------------------------------

_dict_get = dict.get
_OBJECTS = frozenset({Input, Util})
"""Neither a map, a list nor a string, with no additional methods: a call is an attribute."""


def _get(current: Any, name: str) -> Any:
    """`$x.name` (no call, no index) as velocity._calculate_name reads it."""
    if isinstance(current, dict):
        result = _dict_get(current, name)
        if result is not None:
            return result
    elif type(current) is str:
        return None
    result = getattr(current, name, None)
    if callable(result):
        result = None  # `$map.size` reads a property (null), it does not print a method
    if result is None:
        methods = _ADDITIONAL.get(current.__class__)
        if methods is not None and name in methods:
            result = functools.partial(methods[name], current)
    return result


def _method(current: Any, name: str) -> Any:
    """What `$x.name(...)` calls (None: the call is null and its arguments are not computed)."""
    if type(current) in _OBJECTS:  # `$input` / `$util`: their own methods, nothing else
        return getattr(current, name, None)
    if type(current) is str:
        method = STRING_METHODS.get(name)
        return None if method is None else functools.partial(method, current)
    if isinstance(current, dict | list):
        bound = getattr(current, name, None)
        if callable(bound) and not isinstance(bound, type):
            return bound
    result = None
    if isinstance(current, dict):
        result = _dict_get(current, name)
    if result is None:
        result = getattr(current, name, None)
        if result is None:
            methods = _ADDITIONAL.get(current.__class__)
            if methods is not None and name in methods:
                result = functools.partial(methods[name], current)
    return result


def _index(result: Any, index: Any) -> Any:
    if isinstance(result, list) and not isinstance(index, int):
        raise ValueError(f"expected integer for array index, got {index!r}")
    try:
        return result[index]
    except (KeyError, IndexError, TypeError):
        return None


def _items(collection: Any) -> list[Any] | None:
    """What `#foreach` iterates: a map's values, a collection's items; None for anything else."""
    if isinstance(collection, dict):
        return list(collection.values())
    if isinstance(collection, list | tuple | range | set):
        return list(collection)
    return None


def _range(first: Any, last: Any) -> range:
    if last < first:
        return range(first, last - 1, -1)
    return range(first, last + 1)


def _reversed(operation: Callable[[Any, Any], Any], right: Any, left: Any) -> Any:
    """A binary operator whose right operand was computed first (airspeed's order)."""
    return operation(left, right)


def _strict(name: str, *scopes: dict[str, Any]) -> Any:
    """The first term of a multi-term `#set` target: missing is an error (a KeyError)."""
    for scope in scopes[:-1]:
        if name in scope:
            return scope[name]
    return scopes[-1][name]


def _assign(target: Any, terms: tuple[str, ...], value: Any) -> None:
    for term in terms[:-1]:
        target = target[term]
    target[terms[-1]] = value


HELPERS: dict[str, Any] = {
    "_get": _get,
    "_method": _method,
    "_index": _index,
    "_items": _items,
    "_range": _range,
    "_rev": _reversed,
    "_strict": _strict,
    "_assign": _assign,
    "_out": output,
    "_truth": truth,
    "JsonMap": JsonMap,
    "Failed": Failed,
}


class Where:
    """A statement's place, for the interpreter's error message."""

    __slots__ = ("end", "start", "text")

    def __init__(self, element: Any) -> None:
        self.start, self.end, self.text = element.start, element.end, element.my_text()


def failure(where: Where, error: Exception) -> Failed:
    # airspeed's TemplateExecutionError.__str__
    return Failed(
        f"Error in template '<string>' at position {where.start}-{where.end} in expression: "
        f"{where.text}\n{error.__class__.__name__}: {error}"
    )
