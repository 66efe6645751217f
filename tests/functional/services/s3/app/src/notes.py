"""Notes as S3 objects, through plain boto3 (the endpoint comes from AWS_ENDPOINT_URL)."""

import json
import os

import boto3

s3 = boto3.client("s3")
BUCKET = os.environ["BUCKET"]


def handler(event, context):
    name = event["pathParameters"]["name"]
    key = f"notes/{name}.txt"
    if event["requestContext"]["http"]["method"] == "PUT":
        try:
            s3.head_bucket(Bucket=BUCKET)
        except s3.exceptions.ClientError:
            s3.create_bucket(Bucket=BUCKET)
        put = s3.put_object(
            Bucket=BUCKET, Key=key, Body=event["body"].encode(), Metadata={"by": "lambda"}
        )
        return {"statusCode": 201, "body": json.dumps({"etag": put["ETag"]})}
    got = s3.get_object(Bucket=BUCKET, Key=key)
    return {
        "statusCode": 200,
        "body": json.dumps(
            {
                "text": got["Body"].read().decode(),
                "etag": got["ETag"],
                "metadata": got["Metadata"],
            }
        ),
    }
