"""POST /notifications and GET /notifications/{userId}: messages kept for each user."""

import json
import os
import time

import boto3
from boto3.dynamodb.conditions import Key

table = boto3.resource("dynamodb").Table(os.environ["NOTIFICATIONS_TABLE"])


def send(event, context):
    given = json.loads(event["body"] or "{}")
    user_id, text = str(given.get("userId", "")), str(given.get("message", "")).strip()
    if not user_id or not text:
        return _json(400, {"message": "a notification needs a userId and a message"})
    # Sortable ids: a user's notifications list oldest first.
    notification = {"userId": user_id, "id": f"{time.time_ns():020d}", "message": text[:1000]}
    table.put_item(Item=notification)
    return _json(200, notification)


def list_for_user(event, context):
    user_id = event["pathParameters"]["userId"]
    found = table.query(KeyConditionExpression=Key("userId").eq(user_id))["Items"]
    return _json(200, found)


def _json(status, body):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }
