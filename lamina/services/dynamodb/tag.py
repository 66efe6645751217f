"""TagResource, UntagResource and ListTagsOfResource on table ARNs; CreateTable's Tags.

A table holds at most 50 tags; a key is 1-128 characters, a value 0-256. Index ARNs
cannot be tagged. Tags live in the table's metadata, so they go when the table does.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Tagging.html
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TagResource.html
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import msgspec

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput, ServiceError
from lamina.services.dynamodb.error import validation
from lamina.services.dynamodb.size import item_size
from lamina.services.dynamodb.store import TableMeta

if TYPE_CHECKING:  # tables imports this module for CreateTable's Tags
    from lamina.services.dynamodb.tables import Database, Operation

MAX_TAGS = 50
_INVALID = "One or more parameter values were invalid: "


def checked_tags(tags: Sequence[Mapping[str, str]], current: Mapping[str, str]) -> dict[str, str]:
    """`current` with `tags` added (a key given again takes its new value), checked."""
    merged = dict(current)
    for tag in tags:
        key, value = tag["Key"], tag["Value"]
        if not 1 <= len(key) <= 128:
            raise validation(f"{_INVALID}Tag key must be between 1 and 128 characters")
        if len(value) > 256:
            raise validation(f"{_INVALID}Tag value must be between 0 and 256 characters")
        merged[key] = value
    if len(merged) > MAX_TAGS:
        raise validation(f"{_INVALID}A table can have at most {MAX_TAGS} tags")
    return merged


def _table(db: Database, arn: object) -> TableMeta:
    """The table a ResourceArn names, with DynamoDB's errors for other ARNs."""
    if not isinstance(arn, str) or not arn:
        raise validation("Invalid TableArn")
    prefix = db.arn("")
    name = arn.removeprefix(prefix)
    if not arn.startswith("arn:") or (arn.startswith(prefix) and "/" in name):
        raise validation(f"Invalid TableArn: Invalid ResourceArn provided as input {arn}")
    meta = db.store.table(name) if arn.startswith(prefix) else None
    if meta is None:
        raise ServiceError(
            "ResourceNotFoundException",
            # AWS's own spelling.
            f"Requested resource not found: ResourcArn: {arn} not found",
            status=400,
        )
    return meta


async def tag_resource(
    db: Database, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    tags = params.get("Tags") or []
    if not tags:
        raise validation("Atleast one Tag needs to be provided as Input.")
    meta = _table(db, params.get("ResourceArn"))
    changed = msgspec.structs.replace(meta, tags=checked_tags(tags, meta.tags))
    db.store.replace_table(changed, item_size)
    return {}


async def untag_resource(
    db: Database, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    keys = params.get("TagKeys") or []
    if not keys:
        raise validation("Atleast one Tag Key needs to be provided as Input.")
    meta = _table(db, params.get("ResourceArn"))
    removed = set(keys)  # keys the table does not have are ignored
    kept = {key: value for key, value in meta.tags.items() if key not in removed}
    db.store.replace_table(msgspec.structs.replace(meta, tags=kept), item_size)
    return {}


async def list_tags_of_resource(
    db: Database, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    """Every tag in one page: 50 at most, so NextToken is never needed."""
    meta = _table(db, params.get("ResourceArn"))
    return {"Tags": [{"Key": key, "Value": value} for key, value in meta.tags.items()]}


OPERATIONS: dict[str, Operation] = {
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsOfResource": list_tags_of_resource,
}
