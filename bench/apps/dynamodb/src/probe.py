"""Times `ops` sequential PutItem / GetItem pairs made with a plain boto3 client from
inside the function (after `warm` untimed pairs); returns the milliseconds of each."""

import time

import boto3

dynamodb = boto3.client("dynamodb")


def handler(event, context):
    puts, gets = [], []
    warm, ops = event.get("warm", 100), event.get("ops", 500)
    for n in range(warm + ops):
        key = {"pk": {"S": "inside"}, "sk": {"N": str(n)}}
        started = time.perf_counter()
        dynamodb.put_item(TableName="bench", Item={**key, "note": {"S": "x" * 100}})
        put_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        dynamodb.get_item(TableName="bench", Key=key)
        get_ms = (time.perf_counter() - started) * 1000
        if n >= warm:
            puts.append(put_ms)
            gets.append(get_ms)
    return {"puts": puts, "gets": gets}
