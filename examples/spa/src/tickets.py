"""GET /tickets and POST /tickets: the signed-in person's tickets, keyed by the principal
the Lambda authorizer returned (the provider's `sub`). The role may write the tickets table
and only read shows."""

import json
import os
import time
import uuid

import boto3
from boto3.dynamodb.conditions import Key
from respond import reply

dynamodb = boto3.resource("dynamodb")
tickets = dynamodb.Table(os.environ["TICKETS_TABLE"])
shows = dynamodb.Table(os.environ["SHOWS_TABLE"])
MAX_SEATS = 10


def handler(event, context):
    owner = event["requestContext"]["authorizer"]["principalId"]
    if event["httpMethod"] == "GET":
        found = tickets.query(KeyConditionExpression=Key("owner").eq(owner))["Items"]
        return reply(200, sorted(found, key=lambda ticket: ticket["id"], reverse=True))
    try:
        order = json.loads(event["body"] or "{}")
        show_id, seats = str(order["showId"]), int(order.get("seats", 1))
    except (ValueError, KeyError, TypeError):
        return reply(400, {"message": 'send {"showId": "...", "seats": 1}'})
    if not 1 <= seats <= MAX_SEATS:
        return reply(400, {"message": f"seats must be between 1 and {MAX_SEATS}"})
    show = shows.get_item(Key={"id": show_id}).get("Item")
    if show is None:
        return reply(404, {"message": f"no show {show_id}"})
    ticket = {
        "owner": owner,
        "id": f"{int(time.time() * 1000):013d}-{uuid.uuid4().hex[:8]}",
        "showId": show_id,
        "title": show["title"],
        "startsAt": show["startsAt"],
        "seats": seats,
    }
    tickets.put_item(Item=ticket)
    return reply(201, ticket)
