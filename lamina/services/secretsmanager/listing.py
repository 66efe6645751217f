"""Describing and listing secrets and their versions: DescribeSecret's shape, ListSecrets'
filters and sorting, ListSecretVersionIds, paging.

https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ListSecrets.html
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lamina.aws.paging import offset_page
from lamina.aws.service import OperationInput, OperationOutput
from lamina.services.secretsmanager.schedule import next_window
from lamina.services.secretsmanager.service import SecretService, time_of
from lamina.services.secretsmanager.store import Secret

_DAY_S = 86_400


def description(secret: Secret) -> dict[str, Any]:
    described: dict[str, Any] = {"ARN": secret.arn, "Name": secret.name}
    if secret.description is not None:
        described["Description"] = secret.description
    if secret.kms_key_id is not None:
        described["KmsKeyId"] = secret.kms_key_id
    described["RotationEnabled"] = secret.rotation_enabled
    if secret.rotation_lambda_arn is not None:
        described["RotationLambdaARN"] = secret.rotation_lambda_arn
    if secret.rotation_rules is not None:
        described["RotationRules"] = secret.rotation_rules
    if secret.last_rotated is not None:
        described["LastRotatedDate"] = time_of(secret.last_rotated)
    window = next_window(secret)
    if window is not None:
        # "The next rotation is scheduled to occur on or before this date."
        # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html
        described["NextRotationDate"] = time_of(window[1])
    described["LastChangedDate"] = time_of(secret.changed)
    if secret.last_accessed is not None:
        # Secrets Manager records the day of the last access, not the time.
        # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html
        described["LastAccessedDate"] = time_of(secret.last_accessed // _DAY_S * _DAY_S)
    if secret.deleted is not None:
        described["DeletedDate"] = time_of(secret.deleted)
    if secret.tags:
        described["Tags"] = [{"Key": k, "Value": v} for k, v in secret.tags.items()]
    described["VersionIdsToStages"] = {
        version.version_id: list(version.stages) for version in secret.versions if version.stages
    }
    described["CreatedDate"] = time_of(secret.created)
    return described


def filtered(sm: SecretService, filters: list[dict[str, Any]], *, deleted: bool) -> list[Secret]:
    # Filter keys and their prefix matching.
    # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_Filter.html
    found = []
    for secret in sm.store.all_secrets():
        if secret.delete_at is not None and secret.delete_at <= sm.now():
            continue
        if secret.deleted is not None and not deleted:
            continue
        if all(matches(secret, entry) for entry in filters):
            found.append(secret)
    return found


def matches(secret: Secret, entry: Mapping[str, Any]) -> bool:
    key = entry.get("Key")
    values = [str(v) for v in entry.get("Values", [])]
    fields: dict[str, list[str]] = {
        "name": [secret.name],
        "description": [secret.description or ""],
        "tag-key": list(secret.tags),
        "tag-value": list(secret.tags.values()),
        "primary-region": [],
        "owning-service": [],
    }
    if key == "all":
        candidates = [text for texts in fields.values() for text in texts]
    else:
        candidates = fields.get(str(key), [])
    for value in values:
        negate = value.startswith("!")
        wanted = value[1:] if negate else value
        hit = any(text.lower().startswith(wanted.lower()) for text in candidates)
        if hit == negate:
            return False
    return True


def list_secrets(sm: SecretService, params: OperationInput) -> OperationOutput:
    found = filtered(
        sm, params.get("Filters", []), deleted=bool(params.get("IncludePlannedDeletion"))
    )
    # Listed by CreatedDate unless SortBy says otherwise; SortOrder asc or desc.
    # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ListSecrets.html
    sort_keys: dict[str, Callable[[Secret], Any]] = {
        "created-date": lambda secret: secret.created,
        "last-accessed-date": lambda secret: secret.last_accessed or 0.0,
        "last-changed-date": lambda secret: secret.changed,
        "name": lambda secret: secret.name,
    }
    key = sort_keys.get(str(params.get("SortBy", "created-date")), sort_keys["created-date"])
    found.sort(key=key, reverse=params.get("SortOrder") == "desc")
    entries = [description(secret) for secret in found]
    for entry in entries:
        entry["SecretVersionsToStages"] = entry.pop("VersionIdsToStages")
    return page(entries, "SecretList", params)


def page(entries: list[dict[str, Any]], name: str, params: OperationInput) -> OperationOutput:
    chunk, token = offset_page(entries, params.get("NextToken"), int(params.get("MaxResults", 100)))
    output: dict[str, Any] = {name: list(chunk)}
    if token is not None:
        output["NextToken"] = token
    return output


def list_versions(sm: SecretService, params: OperationInput) -> OperationOutput:
    secret = sm.find(params["SecretId"], allow_deleted=True)
    include_deprecated = bool(params.get("IncludeDeprecated"))
    entries = []
    for version in secret.versions:
        if not version.stages and not include_deprecated:
            continue
        entry: dict[str, Any] = {
            "VersionId": version.version_id,
            "VersionStages": list(version.stages),
            "CreatedDate": time_of(version.created),
        }
        entries.append(entry)
    output = page(entries, "Versions", params)
    return {**output, "ARN": secret.arn, "Name": secret.name}
