"""Java's view of template values: what API Gateway's Velocity engine (running on the JVM)
prints for a map, a list, a boolean, a number or null, and the Java methods templates call
on them (`$map.keySet()`, `$list.size()`, `$s.replaceAll(...)`).

JSON values (`$input.path`, `$util.parseJson`) come from Jayway JsonPath's default provider,
json-smart: objects are `LinkedHashMap`s, which print as `{key=value, ...}`, and arrays are
json-smart `JSONArray`s, which print as compact JSON. Values a template builds itself (`[1, 2]`,
`{"a": 1}`) are a plain `ArrayList` / `LinkedHashMap` and print as `[1, 2]` / `{a=1}`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import orjson


def render(value: object) -> str:
    """A value as `String.valueOf` prints it inside a collection (null is "null")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, JsonList):
        return value.toString()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{render(k)}={render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render(item) for item in value) + "]"
    return str(value)


def java_double(value: float) -> str:
    """`Double.toString`: plain notation for 1e-3 <= |x| < 1e7, else `d.dddE±n`."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        return repr(float(value))
    mantissa, _, exponent = f"{value!r}".partition("e")
    if not exponent:  # repr printed it in plain notation; ask for the scientific form
        mantissa, _, exponent = f"{value:.17e}".partition("e")
        mantissa = repr(float(mantissa))
    if "." not in mantissa:
        mantissa += ".0"
    return f"{mantissa}E{int(exponent)}"


class JsonMap(dict[str, Any]):
    """A JSON object or a map a template built: Java's `LinkedHashMap`."""

    def get(self, key: Any, default: Any = None) -> Any:  # Map.get (one argument in VTL)
        return dict.get(self, key, default)

    def containsKey(self, key: Any) -> bool:
        return key in self

    def containsValue(self, value: Any) -> bool:
        return value in self.values()

    def keySet(self) -> list[Any]:
        return list(self.keys())

    def entrySet(self) -> list[Entry]:
        return [Entry(key, value) for key, value in self.items()]

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return not self

    def put(self, key: Any, value: Any) -> Any:
        previous = dict.get(self, key)
        self[key] = value
        return previous

    def putAll(self, other: dict[Any, Any]) -> None:
        dict.update(self, other)

    def remove(self, key: Any) -> Any:
        return dict.pop(self, key, None)

    def toString(self) -> str:
        return render(self)

    def __str__(self) -> str:
        return render(self)


class Entry:
    """A `Map.Entry` (`$entry.key`, `$entry.value`)."""

    __slots__ = ("key", "value")

    def __init__(self, key: Any, value: Any) -> None:
        self.key = key
        self.value = value

    def getKey(self) -> Any:
        return self.key

    def getValue(self) -> Any:
        return self.value

    def __str__(self) -> str:
        return f"{render(self.key)}={render(self.value)}"


class JsonList(list[Any]):
    """A JSON array (json-smart `JSONArray`): prints as compact JSON."""

    def size(self) -> int:
        return len(self)

    def get(self, index: int) -> Any:
        return self[index]

    def isEmpty(self) -> bool:
        return not self

    def contains(self, value: Any) -> bool:
        return value in self

    def add(self, value: Any) -> bool:
        self.append(value)
        return True

    def toString(self) -> str:
        return orjson.dumps(self, default=_plain).decode()

    def __str__(self) -> str:
        return self.toString()


def _plain(value: object) -> object:
    if isinstance(value, Entry):
        return {str(value.key): value.value}
    raise TypeError


_SCALARS = frozenset({str, int, float, bool, type(None)})


def from_json(value: Any) -> Any:
    """Parsed JSON as the template sees it (objects -> JsonMap, arrays -> JsonList)."""
    if isinstance(value, dict):
        converted = JsonMap(value)
        for key, item in value.items():
            if type(item) not in _SCALARS:  # copied as is above; only containers change
                converted[key] = from_json(item)
        return converted
    if isinstance(value, list):
        return JsonList([item if type(item) in _SCALARS else from_json(item) for item in value])
    return value


def to_json(value: Any) -> str:
    """Compact JSON, as `$input.json` returns it."""
    return orjson.dumps(value, default=_plain).decode()


# --- java.lang.String methods ------------------------------------------------------------

_JAVA_WHITESPACE = "".join(chr(c) for c in range(33))
"""What `String.trim` removes: every character up to and including the space (U+0020)."""
_JAVA_GROUP = re.compile(r"\\(.)|\$(\d+)|\$\{([A-Za-z][A-Za-z0-9]*)\}")


def java_replacement(replacement: str) -> Callable[[re.Match[str]], str]:
    """`Matcher.replaceAll`'s replacement: `$1` / `${name}` name groups, `\\x` is `x`."""

    def expand(match: re.Match[str]) -> str:
        def one(part: re.Match[str]) -> str:
            if part.group(1) is not None:
                return part.group(1)
            group = part.group(2) or part.group(3)
            found = match.group(int(group) if group.isdigit() else group)
            return found or ""

        return _JAVA_GROUP.sub(one, replacement)

    return expand


def _split(text: str, pattern: str, limit: int = 0) -> list[str]:
    """`String.split`: a regex; a zero-width match at the start makes no leading empty
    string, and with limit 0 trailing empty strings are removed."""
    if not text:
        return [""]
    parts = re.split(pattern, text, maxsplit=limit - 1 if limit > 0 else 0)
    first = re.match(pattern, text)
    if len(parts) > 1 and parts[0] == "" and first is not None and first.end() == 0:
        parts = parts[1:]
    if limit == 0:
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
    return parts


def _substring(text: str, begin: int, end: int | None = None) -> str:
    if begin < 0 or (end is not None and (end > len(text) or end < begin)) or begin > len(text):
        raise IndexError(f"String index out of range: begin {begin}, end {end}")
    return text[begin:end]


def _index_of(text: str, needle: str, start: int = 0) -> int:
    return text.find(needle, max(start, 0))


STRING_METHODS: dict[str, Callable[..., Any]] = {
    "length": len,
    "isEmpty": lambda s: not s,
    "charAt": lambda s, i: s[i] if 0 <= i < len(s) else s[len(s)],
    "concat": lambda s, other: s + other,
    "contains": lambda s, other: render(other) in s,
    "startsWith": lambda s, prefix, offset=0: s.startswith(prefix, offset),
    "endsWith": lambda s, suffix: s.endswith(suffix),
    "equals": lambda s, other: isinstance(other, str) and s == other,
    "equalsIgnoreCase": lambda s, other: isinstance(other, str) and s.lower() == other.lower(),
    "indexOf": _index_of,
    "lastIndexOf": lambda s, needle: s.rfind(needle),
    "matches": lambda s, pattern: re.fullmatch(pattern, s) is not None,
    "replace": lambda s, old, new: s.replace(render(old), render(new)),
    "replaceAll": lambda s, pattern, new: re.sub(pattern, java_replacement(new), s),
    "replaceFirst": lambda s, pattern, new: re.sub(pattern, java_replacement(new), s, count=1),
    "split": lambda s, pattern, limit=0: StringArray(_split(s, pattern, limit)),
    "substring": _substring,
    "toLowerCase": lambda s: s.lower(),
    "toUpperCase": lambda s: s.upper(),
    "toString": lambda s: s,
    "trim": lambda s: s.strip(_JAVA_WHITESPACE),
}


class StringArray(list[str]):
    """`String.split`'s `String[]`: Velocity (1.6+) lets templates iterate an array and call
    `size()`, `get(i)` and `isEmpty()` on it. (Java prints an array as `[Ljava.lang.String;@…`,
    which no template relies on; this prints as a list.)"""

    def size(self) -> int:
        return len(self)

    def get(self, index: int) -> str:
        return self[index]

    def isEmpty(self) -> bool:
        return not self


def list_methods() -> dict[str, Callable[..., Any]]:
    """Java `List` methods for lists a template builds (`#set($l = [1, 2])`)."""
    return {
        "size": len,
        "get": lambda items, index: items[index],
        "isEmpty": lambda items: not items,
        "contains": lambda items, value: value in items,
        "add": _add,
        "set": _set,
        "toString": render,
    }


def _add(items: list[Any], value: Any) -> bool:
    items.append(value)
    return True


def _set(items: list[Any], index: int, value: Any) -> Any:
    previous = items[index]
    items[index] = value
    return previous


class NullMap(JsonMap):
    """A map that reads as null when printed whole (`$context.authorizer.claims`), while
    its entries read normally."""
