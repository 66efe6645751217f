"""GET /shows, cache-aside: the catalogue from Redis when it is there (X-Shows-Cache: Hit),
else from DynamoDB, then kept in Redis for CACHE_TTL seconds (Miss). If Redis cannot be
reached the answer still comes from DynamoDB (Bypass). The role may only read the table."""

import json
import os

import boto3
import redis
from respond import reply

table = boto3.resource("dynamodb").Table(os.environ["SHOWS_TABLE"])
cache = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=1, socket_connect_timeout=1)
KEY = f"{os.environ['CACHE_PREFIX']}:shows"
TTL = int(os.environ.get("CACHE_TTL", "60"))


def handler(event, context):
    try:
        cached = cache.get(KEY)
    except redis.RedisError as error:
        print(f"cache unavailable: {error}")
        return _answer(_scan(), "Bypass")
    if cached is not None:
        return _answer(json.loads(cached), "Hit")
    shows = _scan()
    try:
        cache.set(KEY, json.dumps(shows, default=str), ex=TTL)
    except redis.RedisError as error:
        print(f"cache unavailable: {error}")
    return _answer(shows, "Miss")


def _scan():
    shows, page = [], {}
    while True:
        answer = table.scan(**page)
        shows += answer["Items"]
        if "LastEvaluatedKey" not in answer:
            break
        page = {"ExclusiveStartKey": answer["LastEvaluatedKey"]}
    return sorted(
        ({**show, "priceCents": int(show["priceCents"])} for show in shows),
        key=lambda show: show["startsAt"],
    )


def _answer(shows, outcome):
    response = reply(200, shows)
    response["headers"]["X-Shows-Cache"] = f"{outcome} from redis"
    return response
