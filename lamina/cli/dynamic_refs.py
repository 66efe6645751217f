"""CloudFormation dynamic references to Secrets Manager in function environments:
`{{resolve:secretsmanager:secret-id:SecretString:json-key:version-stage:version-id}}`,
resolved at `lamina up` once the template's secrets exist, as CloudFormation resolves them
at deploy time.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html
"""

from __future__ import annotations

import json
import re

import msgspec

from lamina.aws.service import ServiceError
from lamina.functions.model import FunctionConfig
from lamina.services.secretsmanager.service import SecretService

_REFERENCE = re.compile(r"\{\{resolve:(?P<service>[a-z-]+):(?P<body>[^}]*)\}\}")


class DynamicReferenceError(Exception):
    """A reference that cannot be resolved: `lamina up` stops and names it."""


def resolve_environments(
    functions: tuple[FunctionConfig, ...], secrets: SecretService
) -> list[FunctionConfig]:
    """The functions whose environment held a dynamic reference, with it replaced."""
    changed = []
    for function in functions:
        environment = {
            name: _resolve(value, secrets, f"{function.name}: {name}")
            for name, value in function.environment.items()
        }
        if environment != function.environment:
            changed.append(msgspec.structs.replace(function, environment=environment))
    return changed


def _resolve(value: str, secrets: SecretService, where: str) -> str:
    if "{{resolve:" not in value:
        return value

    def one(match: re.Match[str]) -> str:
        if match.group("service") != "secretsmanager":
            raise DynamicReferenceError(
                f"{where}: dynamic reference {match.group(0)} — Lamina resolves only "
                "secretsmanager references"
            )
        return _secret_value(match.group("body"), secrets, where)

    return _REFERENCE.sub(one, value)


def _secret_value(body: str, secrets: SecretService, where: str) -> str:
    # secret-id may be an ARN, whose own colons come first: split from the right.
    parts = body.split(":")
    if body.startswith("arn:"):
        secret_id, rest = ":".join(parts[:7]), parts[7:]
    else:
        secret_id, rest = parts[0], parts[1:]
    rest += [""] * (4 - len(rest))
    field, json_key, stage, version_id = rest[:4]
    if field not in ("", "SecretString"):
        raise DynamicReferenceError(f"{where}: only SecretString can be referenced, not {field}")
    try:
        secret = secrets.find(secret_id)
        version = secret.version(version_id) if version_id else secret.staged(stage or "AWSCURRENT")
        if version is None:
            raise DynamicReferenceError(f"{where}: secret {secret_id} has no such version")
        text = secrets.value_of(secret, version).get("SecretString")
    except ServiceError as error:
        raise DynamicReferenceError(f"{where}: {error.code}: {error.message}") from None
    if text is None:
        raise DynamicReferenceError(f"{where}: secret {secret_id} holds binary data")
    if not json_key:
        return str(text)
    try:
        document = json.loads(text)
        return str(document[json_key])
    except (ValueError, KeyError, TypeError):
        raise DynamicReferenceError(
            f"{where}: secret {secret_id} has no JSON key {json_key!r}"
        ) from None
