"""Bucket operations: CreateBucket, HeadBucket, DeleteBucket, ListBuckets,
GetBucketLocation.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput
from lamina.services.s3 import error
from lamina.services.s3.state import S3State, valid_bucket_name
from lamina.services.s3.store import Bucket

DEFAULT_REGION = "us-east-1"
MAX_BUCKETS_PAGE = 10_000


async def create_bucket(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name = params["Bucket"]
    if not valid_bucket_name(name):
        raise error.invalid_bucket_name(name)
    configuration: dict[str, Any] = params.get("CreateBucketConfiguration") or {}
    region = configuration.get("LocationConstraint") or DEFAULT_REGION
    created = state.store.add_bucket(Bucket(name=name, created=state.clock(), region=region))
    if not created:
        existing = state.bucket(name)
        # "For legacy compatibility, if you re-create an existing bucket that you already
        # own in the North Virginia Region, Amazon S3 returns 200 OK" (CreateBucket, Errors).
        if not (region == DEFAULT_REGION and existing.region == DEFAULT_REGION):
            raise error.bucket_owned(name)
    return {
        "Location": f"/{name}",
        "BucketArn": f"arn:aws:s3:::{name}",
    }


async def head_bucket(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    bucket = state.bucket(params["Bucket"])
    return {"BucketRegion": bucket.region, "BucketArn": f"arn:aws:s3:::{bucket.name}"}


async def delete_bucket(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name = params["Bucket"]
    state.bucket(name)
    if not state.store.is_empty(name):
        raise error.bucket_not_empty(name)
    for upload in state.store.uploads(name):
        # Unfinished multipart uploads go with their bucket.
        state.free(*state.store.finish_upload(upload.upload_id, name, None))
    state.store.remove_bucket(name)
    return {}


async def list_buckets(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    # https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html
    prefix = params.get("Prefix") or ""
    region = params.get("BucketRegion")
    after = params.get("ContinuationToken") or ""
    limit = int(params.get("MaxBuckets") or MAX_BUCKETS_PAGE)
    if not 1 <= limit <= MAX_BUCKETS_PAGE:
        raise error.invalid_argument(
            "The maxBuckets parameter must be between 1 and 10000", "max-buckets", limit
        )
    chosen = [
        bucket
        for bucket in state.store.buckets()
        if bucket.name.startswith(prefix)
        and bucket.name > after
        and (region is None or bucket.region == region)
    ]
    page = chosen[:limit]
    output: dict[str, Any] = {
        "Buckets": [
            {
                "Name": bucket.name,
                "CreationDate": datetime.fromtimestamp(bucket.created, UTC),
                "BucketRegion": bucket.region,
                "BucketArn": f"arn:aws:s3:::{bucket.name}",
            }
            for bucket in page
        ],
        "Owner": state.owner,
    }
    if prefix:
        output["Prefix"] = prefix
    if len(chosen) > limit:
        output["ContinuationToken"] = page[-1].name  # bucket names are URL- and XML-safe
    return output


async def get_bucket_location(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    bucket = state.bucket(params["Bucket"])
    # us-east-1 buckets answer an empty LocationConstraint.
    # https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html
    region = "" if bucket.region == DEFAULT_REGION else bucket.region
    return {"LocationConstraint": region}
