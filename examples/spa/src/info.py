"""GET /info: the venue's information, a JSON document kept in S3 (edited by uploading a
new info.json, no deploy). The role may only read that bucket."""

import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    found = s3.get_object(Bucket=os.environ["INFO_BUCKET"], Key="info.json")
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "ETag": found["ETag"]},
        "body": found["Body"].read().decode("utf-8"),
    }
