"""GET /shows: the catalogue, soonest first. The role may only read the shows table."""

import os

import boto3
from respond import reply

table = boto3.resource("dynamodb").Table(os.environ["SHOWS_TABLE"])


def handler(event, context):
    shows, page = [], {}
    while True:
        answer = table.scan(**page)
        shows += answer["Items"]
        if "LastEvaluatedKey" not in answer:
            break
        page = {"ExclusiveStartKey": answer["LastEvaluatedKey"]}
    return reply(200, sorted(shows, key=lambda show: show["startsAt"]))
