"""Template parameters and pseudo parameters: the values `Ref` gives them.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

import msgspec

from lamina.config.error import ConfigError

# Partitions and URL suffixes of the regions outside the commercial partition.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html
_PARTITIONS = (("cn-", "aws-cn", "amazonaws.com.cn"), ("us-gov-", "aws-us-gov", "amazonaws.com"))


class Environment(msgspec.Struct, frozen=True, kw_only=True):
    """Where the stack is deployed: what the pseudo parameters say."""

    region: str
    account_id: str
    stack_name: str

    @property
    def partition(self) -> str:
        return next((p for prefix, p, _ in _PARTITIONS if self.region.startswith(prefix)), "aws")

    @property
    def url_suffix(self) -> str:
        found = (s for prefix, _, s in _PARTITIONS if self.region.startswith(prefix))
        return next(found, "amazonaws.com")

    @property
    def stack_id(self) -> str:
        # Stable across restarts: the id part is derived from the stack's name.
        stack_uuid = uuid.uuid5(uuid.NAMESPACE_URL, f"lamina:{self.account_id}:{self.stack_name}")
        return (
            f"arn:{self.partition}:cloudformation:{self.region}:{self.account_id}"
            f":stack/{self.stack_name}/{stack_uuid}"
        )

    def pseudo_parameters(self) -> dict[str, object]:
        return {
            "AWS::AccountId": self.account_id,
            "AWS::NotificationARNs": [],
            "AWS::Partition": self.partition,
            "AWS::Region": self.region,
            "AWS::StackId": self.stack_id,
            "AWS::StackName": self.stack_name,
            "AWS::URLSuffix": self.url_suffix,
        }


def parameter_values(
    declared: object, overrides: Mapping[str, str], file: str
) -> tuple[dict[str, object], list[str]]:
    """The value of each declared parameter, and warnings about ones we cannot look up."""
    if declared is None:
        declared = {}
    if not isinstance(declared, dict):
        raise ConfigError("Parameters must be a mapping", file=file)
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        # CloudFormation rejects values for parameters the template does not declare.
        raise ConfigError(
            f"parameter overrides {unknown} are not declared in Parameters", file=file
        )
    values: dict[str, object] = {}
    warnings: list[str] = []
    for name, spec in declared.items():
        try:
            values[name] = _parameter_value(name, spec, overrides.get(name), warnings)
        except ConfigError as exc:
            raise ConfigError(f"parameter {name}: {exc.detail}", file=file) from exc
    return values, warnings


def _parameter_value(name: str, spec: object, override: str | None, warnings: list[str]) -> object:
    if not isinstance(spec, dict) or not isinstance(spec.get("Type"), str):
        raise ConfigError("needs a Type")
    kind: str = spec["Type"]
    if override is not None:
        raw = override
    elif "Default" in spec:
        raw = _default_text(spec["Default"])
    else:
        raise ConfigError("has no Default; give a value with parameter overrides")
    if kind.startswith("AWS::SSM::Parameter::Value<"):
        warnings.append(
            f"parameter {name}: SSM parameter {raw!r} is not looked up; its name is used"
        )
    if kind.startswith("List<") or kind == "CommaDelimitedList":
        items = [item.strip() for item in raw.split(",")] if raw else []
        for item in items:
            _check(spec, item, "Number" if kind == "List<Number>" else "String")
        return items
    _check(spec, raw, kind)
    return raw


def _default_text(default: object) -> str:
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, list):
        return ",".join(str(item) for item in default)
    return str(default)


def _check(spec: Mapping[str, object], value: str, kind: str) -> None:
    allowed = spec.get("AllowedValues")
    if isinstance(allowed, list) and value not in [_default_text(a) for a in allowed]:
        raise ConfigError(f"value {value!r} is not one of AllowedValues {allowed}")
    pattern = spec.get("AllowedPattern")
    if isinstance(pattern, str) and re.fullmatch(pattern, value) is None:
        raise ConfigError(f"value {value!r} does not match AllowedPattern {pattern!r}")
    if kind == "Number":
        _check_number(spec, value)
        return
    _check_bound(spec, "MinLength", len(value) < _number(spec, "MinLength", 0), value)
    _check_bound(spec, "MaxLength", len(value) > _number(spec, "MaxLength", len(value)), value)


def _check_number(spec: Mapping[str, object], value: str) -> None:
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"value {value!r} is not a Number") from None
    _check_bound(spec, "MinValue", number < _number(spec, "MinValue", number), value)
    _check_bound(spec, "MaxValue", number > _number(spec, "MaxValue", number), value)


def _number(spec: Mapping[str, object], key: str, fallback: float) -> float:
    bound = spec.get(key)
    if bound is None:
        return fallback
    try:
        return float(bound)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{key} {bound!r} is not a number") from None


def _check_bound(spec: Mapping[str, object], key: str, broken: bool, value: str) -> None:
    if broken:
        raise ConfigError(f"value {value!r} breaks {key} {spec[key]}")
