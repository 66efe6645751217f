"""CloudFormation's intrinsic functions and conditions, evaluated over a template.

One Resolver per template; each intrinsic is one method found through a table, so adding
one is adding a row. Ref and Fn::GetAtt of resources are delegated to a ResourceLookup
(lamina.config.reference) because what they return depends on the resource type.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from lamina.config.error import ConfigError

NO_VALUE_PARAMETER = "AWS::NoValue"

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class _NoValue:
    """What Ref AWS::NoValue evaluates to: the enclosing key or item disappears."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


class ResourceLookup(Protocol):
    """What Ref and Fn::GetAtt return for a template's resources."""

    def has(self, logical_id: str) -> bool: ...

    def ref(self, logical_id: str, resolver: Resolver) -> object: ...

    def get_att(self, logical_id: str, attribute: str, resolver: Resolver) -> object: ...


class Resolver:
    """Evaluates intrinsic functions and named conditions of one template."""

    def __init__(
        self,
        *,
        parameters: Mapping[str, object],
        resources: ResourceLookup,
        conditions: Mapping[str, object] | None = None,
        mappings: Mapping[str, object] | None = None,
    ) -> None:
        self.parameters = parameters
        self.resources = resources
        self._conditions = dict(conditions or {})
        self._mappings = dict(mappings or {})
        self._condition_values: dict[str, bool] = {}
        self._evaluating: set[str] = set()
        self._functions: dict[str, Callable[[object], object]] = {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::If": self._if,
            "Fn::FindInMap": self._find_in_map,
            "Fn::Base64": self._base64,
            "Fn::Equals": self._equals,
            "Fn::And": self._and,
            "Fn::Or": self._or,
            "Fn::Not": self._not,
            "Fn::ToJsonString": self._to_json_string,
            "Fn::Length": self._length,
        }

    # -- walking values ---------------------------------------------------------------

    def resolve(self, value: object) -> Any:
        """`value` with every intrinsic evaluated; NO_VALUE entries removed."""
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, argument),) = value.items()
                function = self._functions.get(key)
                if function is not None:
                    return function(argument)
                if key.startswith("Fn::"):
                    raise ConfigError(f"{key} is not supported")
            resolved = {k: self.resolve(v) for k, v in value.items()}
            return {k: v for k, v in resolved.items() if v is not NO_VALUE}
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        return value

    def resolve_string(self, value: object, what: str) -> str:
        """A value that must end up a string (numbers and booleans are written out)."""
        resolved = self.resolve(value)
        return _scalar_text(resolved, what)

    def condition(self, name: str) -> bool:
        """The value of a named condition from the Conditions section (memoized)."""
        if name in self._condition_values:
            return self._condition_values[name]
        if name not in self._conditions:
            raise ConfigError(f"condition {name!r} is not defined in Conditions")
        if name in self._evaluating:
            raise ConfigError(f"condition {name!r} refers to itself")
        self._evaluating.add(name)
        try:
            value = self._truth(self._conditions[name], f"condition {name}")
        finally:
            self._evaluating.discard(name)
        self._condition_values[name] = value
        return value

    def _truth(self, value: object, what: str) -> bool:
        if isinstance(value, dict) and len(value) == 1 and "Condition" in value:
            return self.condition(_text(value["Condition"], "Condition"))
        resolved: object = self.resolve(value)
        if isinstance(resolved, bool):
            return resolved
        if resolved in ("true", "false"):
            return resolved == "true"
        raise ConfigError(f"{what} is not a condition: {resolved!r}")

    # -- references ---------------------------------------------------------------------

    def _ref(self, argument: object) -> object:
        name = _text(self.resolve(argument), "Ref")
        if name == NO_VALUE_PARAMETER:
            return NO_VALUE
        if name in self.parameters:
            return self.parameters[name]
        if self.resources.has(name):
            return self.resources.ref(name, self)
        raise ConfigError(f"Ref to {name!r}, which is neither a parameter nor a resource")

    def _get_att(self, argument: object) -> object:
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        parts = _arguments(argument, "Fn::GetAtt", 2)
        logical_id = _text(parts[0], "Fn::GetAtt resource")
        attribute = _text(self.resolve(parts[1]), "Fn::GetAtt attribute")
        if not self.resources.has(logical_id):
            raise ConfigError(f"Fn::GetAtt {logical_id}.{attribute}: no resource {logical_id}")
        return self.resources.get_att(logical_id, attribute, self)

    # -- strings and lists --------------------------------------------------------------

    def _sub(self, argument: object) -> str:
        variables: dict[str, object] = {}
        if isinstance(argument, list):
            parts = _arguments(argument, "Fn::Sub", 2)
            pattern, raw = parts[0], parts[1]
            if not isinstance(raw, dict):
                raise ConfigError("Fn::Sub variables must be a mapping")
            variables = {name: self.resolve(value) for name, value in raw.items()}
        else:
            pattern = argument
        text = _text(pattern, "Fn::Sub")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                # ${!Literal} writes ${Literal} untouched.
                return "${" + name[1:] + "}"
            return _scalar_text(self._sub_variable(name.strip(), variables), f"${{{name}}}")

        return _SUB_VARIABLE.sub(replace, text)

    def _sub_variable(self, name: str, variables: Mapping[str, object]) -> object:
        if name in variables:
            return variables[name]
        if name in self.parameters or name == NO_VALUE_PARAMETER or "." not in name:
            return self._ref(name)
        return self._get_att(name)

    def _join(self, argument: object) -> str:
        parts = _arguments(argument, "Fn::Join", 2)
        delimiter = _text(self.resolve(parts[0]), "Fn::Join delimiter")
        items = self.resolve(parts[1])
        if not isinstance(items, list):
            raise ConfigError("Fn::Join needs a list of values")
        return delimiter.join(_scalar_text(item, "Fn::Join item") for item in items)

    def _select(self, argument: object) -> object:
        parts = _arguments(argument, "Fn::Select", 2)
        index_text = _scalar_text(self.resolve(parts[0]), "Fn::Select index")
        items = self.resolve(parts[1])
        if not isinstance(items, list):
            raise ConfigError("Fn::Select needs a list of values")
        if not index_text.isdigit() or int(index_text) >= len(items):
            raise ConfigError(f"Fn::Select index {index_text} is outside a list of {len(items)}")
        return items[int(index_text)]

    def _split(self, argument: object) -> list[str]:
        parts = _arguments(argument, "Fn::Split", 2)
        delimiter = _text(self.resolve(parts[0]), "Fn::Split delimiter")
        source = _text(self.resolve(parts[1]), "Fn::Split source")
        return source.split(delimiter)

    def _find_in_map(self, argument: object) -> object:
        if not isinstance(argument, list) or len(argument) not in (3, 4):
            raise ConfigError("Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]")
        keys = [_scalar_text(self.resolve(part), "Fn::FindInMap key") for part in argument[:3]]
        found: object = self._mappings
        for key in keys:
            if not isinstance(found, dict) or key not in found:
                if len(argument) == 4:
                    return self._find_in_map_default(argument[3])
                raise ConfigError(f"Fn::FindInMap: no {'/'.join(keys)} in Mappings")
            found = found[key]
        return self.resolve(found)

    def _find_in_map_default(self, option: object) -> object:
        # The DefaultValue option of AWS::LanguageExtensions.
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-findinmap-enhancements.html
        if not isinstance(option, dict) or "DefaultValue" not in option:
            raise ConfigError("Fn::FindInMap's fourth argument must be {DefaultValue: ...}")
        return self.resolve(option["DefaultValue"])

    def _base64(self, argument: object) -> str:
        text = _text(self.resolve(argument), "Fn::Base64")
        return base64.b64encode(text.encode()).decode("ascii")

    def _to_json_string(self, argument: object) -> str:
        return json.dumps(self.resolve(argument), separators=(",", ":"))

    def _length(self, argument: object) -> int:
        items = self.resolve(argument)
        if not isinstance(items, list):
            raise ConfigError("Fn::Length needs a list")
        return len(items)

    # -- conditions ---------------------------------------------------------------------

    def _if(self, argument: object) -> object:
        parts = _arguments(argument, "Fn::If", 3)
        name = _text(parts[0], "Fn::If condition")
        return self.resolve(parts[1] if self.condition(name) else parts[2])

    def _equals(self, argument: object) -> bool:
        parts = _arguments(argument, "Fn::Equals", 2)
        left, right = (self.resolve(part) for part in parts)
        if isinstance(left, list | dict) or isinstance(right, list | dict):
            return bool(left == right)
        return _scalar_text(left, "Fn::Equals") == _scalar_text(right, "Fn::Equals")

    def _and(self, argument: object) -> bool:
        items = _condition_list(argument, "Fn::And")
        return all(self._truth(item, "Fn::And item") for item in items)

    def _or(self, argument: object) -> bool:
        items = _condition_list(argument, "Fn::Or")
        return any(self._truth(item, "Fn::Or item") for item in items)

    def _not(self, argument: object) -> bool:
        parts = _arguments(argument, "Fn::Not", 1)
        return not self._truth(parts[0], "Fn::Not item")


def _arguments(argument: object, function: str, count: int) -> list[object]:
    if not isinstance(argument, list) or len(argument) != count:
        raise ConfigError(f"{function} takes a list of {count} values, got {argument!r}")
    return argument


def _condition_list(argument: object, function: str) -> list[object]:
    # Fn::And and Fn::Or take 2 to 10 conditions.
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-conditions.html
    if not isinstance(argument, list) or not 2 <= len(argument) <= 10:
        raise ConfigError(f"{function} takes a list of 2 to 10 conditions")
    return argument


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{what} must be a string, got {value!r}")
    return value


def _scalar_text(value: object, what: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise ConfigError(f"{what} must be a string, got {value!r}")
