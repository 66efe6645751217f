"""POST /users and GET /users/{userId}: the people the orders service sells to."""

import json
import os
import uuid

import boto3

table = boto3.resource("dynamodb").Table(os.environ["USERS_TABLE"])


def create(event, context):
    given = json.loads(event["body"] or "{}")
    name, email = str(given.get("name", "")).strip(), str(given.get("email", "")).strip()
    if not name or "@" not in email:
        return _json(400, {"message": "a user needs a name and an email address"})
    user = {"id": uuid.uuid4().hex, "name": name, "email": email}
    table.put_item(Item=user)
    return _json(200, user)


def get(event, context):
    user = table.get_item(Key={"id": event["pathParameters"]["userId"]}).get("Item")
    if user is None:
        return _json(404, {"message": "no such user"})
    return _json(200, user)


def _json(status, body):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }
