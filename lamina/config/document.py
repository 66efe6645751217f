"""Reading a template file (YAML with CloudFormation's short-form tags, or JSON).

The result keeps the line of each resource so later errors can point at it.
Short forms become the long forms CloudFormation documents:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import msgspec
import yaml

from lamina.config.error import ConfigError

TEMPLATE_NAMES = ("template.yaml", "template.yml", "template.json")

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

# Tags whose long form is "Fn::<Tag>"; !Ref and !Condition keep their bare names.
_FN_TAGS = frozenset(
    {
        "And", "Base64", "Cidr", "Equals", "FindInMap", "GetAZs", "GetAtt", "If",
        "ImportValue", "Join", "Length", "Not", "Or", "Select", "Split", "Sub",
        "ToJsonString", "Transform",
    }
)  # fmt: skip
_BARE_TAGS = frozenset({"Ref", "Condition"})
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class TemplateDocument(msgspec.Struct, frozen=True, kw_only=True):
    """A parsed template and where its resources start."""

    path: str
    """The file as the user named it, for messages."""
    folder: str
    """Absolute folder of the file: relative code paths start here."""
    body: dict[str, Any]
    resource_lines: dict[str, int] = msgspec.field(default_factory=dict)


class _TemplateLoader(_BaseLoader):
    """SafeLoader that keeps dates as strings (AWSTemplateFormatVersion: 2010-09-09)."""

    yaml_implicit_resolvers = {
        first: [rule for rule in rules if rule[0] != _TIMESTAMP_TAG]
        for first, rules in _BaseLoader.yaml_implicit_resolvers.items()
    }


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if suffix in _BARE_TAGS:
        key = suffix
    elif suffix in _FN_TAGS:
        key = f"Fn::{suffix}"
    else:
        raise yaml.constructor.ConstructorError(
            None, None, f"unknown tag !{suffix}", node.start_mark
        )
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            # !GetAtt Resource.Attribute: the attribute may itself hold dots.
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {key: value}


_TemplateLoader.add_multi_constructor("!", _construct_tag)


def find_template(path: str | os.PathLike[str]) -> Path:
    """The template file itself, or the first of TEMPLATE_NAMES inside a folder."""
    candidate = Path(path)
    if candidate.is_dir():
        for name in TEMPLATE_NAMES:
            if (candidate / name).is_file():
                return candidate / name
        raise ConfigError(f"no {' / '.join(TEMPLATE_NAMES)} in folder", file=str(candidate))
    if not candidate.is_file():
        raise ConfigError("template file not found", file=str(candidate))
    return candidate


def load_document(path: Path) -> TemplateDocument:
    """Parse the file at `path` (found with find_template)."""
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read template: {exc}", file=shown) from exc
    if path.suffix == ".json" or text.lstrip().startswith("{"):
        body, lines = _parse_json(text, shown)
    else:
        body, lines = _parse_yaml(text, shown)
    if not isinstance(body, dict):
        raise ConfigError("a template must be a mapping at the top level", file=shown)
    return TemplateDocument(
        path=shown, folder=str(path.resolve().parent), body=body, resource_lines=lines
    )


def parse_text(text: str, shown: str) -> Any:
    """Parse YAML or JSON text with the template tags (used for included documents)."""
    if text.lstrip().startswith("{"):
        return _parse_json(text, shown)[0]
    return _parse_yaml(text, shown)[0]


def _parse_yaml(text: str, shown: str) -> tuple[Any, dict[str, int]]:
    loader = _TemplateLoader(text)
    try:
        node = loader.get_single_node()
        lines = _yaml_resource_lines(node)
        body = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = exc.problem or exc.context or "invalid YAML"
        context = exc.context_mark
        if exc.problem and exc.context and context is not None and context.line + 1 != line:
            # e.g. an unclosed "[" is found lines later: say where it started too.
            reason += f" ({exc.context} started at line {context.line + 1})"
        raise ConfigError(f"YAML syntax error: {reason}", file=shown, line=line) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"YAML syntax error: {exc}", file=shown) from exc
    finally:
        loader.dispose()
    return body, lines


def _yaml_resource_lines(root: yaml.Node | None) -> dict[str, int]:
    if not isinstance(root, yaml.MappingNode):
        return {}
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "Resources":
            if not isinstance(value, yaml.MappingNode):
                return {}
            return {
                str(item.value): item.start_mark.line + 1
                for item, _ in value.value
                if isinstance(item, yaml.ScalarNode)
            }
    return {}


def _parse_json(text: str, shown: str) -> tuple[Any, dict[str, int]]:
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"JSON syntax error: {exc.msg}", file=shown, line=exc.lineno) from exc
    resources = body.get("Resources") if isinstance(body, dict) else None
    if not isinstance(resources, dict):
        return body, {}
    return body, _json_resource_lines(text, list(resources))


def _json_resource_lines(text: str, logical_ids: list[str]) -> dict[str, int]:
    """Line of each `"Id": {` after the Resources key (JSON has no marks to keep)."""
    section = re.search(r'"Resources"\s*:', text)
    start = section.end() if section else 0
    lines: dict[str, int] = {}
    for logical_id in logical_ids:
        found = re.compile(rf'"{re.escape(logical_id)}"\s*:\s*\{{').search(text, start)
        if found:
            lines[logical_id] = text.count("\n", 0, found.start()) + 1
    return lines
