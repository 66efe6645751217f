"""GET /notes, POST /notes, DELETE /notes/{id}: each person's notes, keyed by the `sub`
the Cognito authorizer verified."""

import json
import os
import time
import uuid

import boto3
from boto3.dynamodb.conditions import Key

table = boto3.resource("dynamodb").Table(os.environ["NOTES_TABLE"])


def handler(event, context):
    owner = event["requestContext"]["authorizer"]["claims"]["sub"]
    method = event["httpMethod"]
    if method == "GET":
        found = table.query(KeyConditionExpression=Key("owner").eq(owner))["Items"]
        notes = sorted(found, key=lambda note: note["created"], reverse=True)
        return _json(200, [{"id": n["id"], "text": n["text"]} for n in notes])
    if method == "POST":
        text = (json.loads(event["body"] or "{}").get("text") or "").strip()
        if not text:
            return _json(400, {"message": "a note needs text"})
        note = {"owner": owner, "id": uuid.uuid4().hex, "text": text[:1000]}
        table.put_item(Item={**note, "created": int(time.time() * 1000)})
        return _json(201, {"id": note["id"], "text": note["text"]})
    table.delete_item(Key={"owner": owner, "id": event["pathParameters"]["id"]})
    return {"statusCode": 204, "body": ""}


def _json(status, body):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }
