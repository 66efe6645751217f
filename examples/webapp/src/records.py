"""What every function of the tracker shares: the table, who is calling, JSON answers.

One table keeps each person's projects, tasks and comments under their Cognito `sub`
(the partition key), with sort keys that nest: project#P, task#P#T, comment#P#T#C, so
one begins_with query lists a project's tasks or a task's comments.
"""

import json
import os
import time
import uuid

import boto3
from boto3.dynamodb.conditions import Key

table = boto3.resource("dynamodb").Table(os.environ["TRACKER_TABLE"])


def owner(event):
    """The `sub` of the ID token the Cognito authorizer verified."""
    return event["requestContext"]["authorizer"]["claims"]["sub"]


def path(event, name):
    return (event.get("pathParameters") or {})[name]


def body(event):
    try:
        given = json.loads(event.get("body") or "{}")
    except ValueError:
        return {}
    return given if isinstance(given, dict) else {}


def new_id():
    # Time first, so sort keys list items in the order they were made.
    return f"{time.time_ns():x}{uuid.uuid4().hex[:6]}"


def items(who, prefix):
    """Every item of `who` whose sort key starts with `prefix`, all pages."""
    found, start = [], {}
    while True:
        page = table.query(
            KeyConditionExpression=Key("owner").eq(who) & Key("sk").begins_with(prefix),
            **start,
        )
        found += page["Items"]
        if "LastEvaluatedKey" not in page:
            return found
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


def get(who, sort_key):
    return table.get_item(Key={"owner": who, "sk": sort_key}).get("Item")


def public(item):
    """An item as the API shows it: without its keys."""
    return {k: v for k, v in item.items() if k not in ("owner", "sk")}


def answer(status, payload=None):
    if payload is None:
        return {"statusCode": status, "body": ""}
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(payload, default=_number),
    }


def _number(value):
    return int(value)  # DynamoDB gives numbers back as Decimal
