"""Deploys the content and sample data, idempotently: the single-page app's files (and the
config.json telling it where to sign in) into the site bucket, info.json into the info
bucket, the show catalogue into DynamoDB. Lamina runs it at `lamina up` (the template's
Metadata names it); on AWS, invoke it once after `sam deploy`."""

import json
import os
import urllib.request
from pathlib import Path

import boto3

HERE = Path(__file__).parent
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css"}
SHOWS = [
    {"id": "hamlet", "title": "Hamlet", "venue": "Main Stage",
     "startsAt": "2027-03-05T19:30:00Z", "priceCents": 4200},
    {"id": "jazz-night", "title": "Jazz Night", "venue": "Studio",
     "startsAt": "2027-03-12T21:00:00Z", "priceCents": 2500},
    {"id": "the-tempest", "title": "The Tempest", "venue": "Main Stage",
     "startsAt": "2027-04-02T19:30:00Z", "priceCents": 3900},
]  # fmt: skip


def handler(event, context):
    s3 = boto3.client("s3")
    site = os.environ["SITE_BUCKET"]
    files = sorted((HERE / "site").iterdir())
    for path in files:
        kind = TYPES.get(path.suffix, "application/octet-stream")
        s3.put_object(Bucket=site, Key=path.name, Body=path.read_bytes(), ContentType=kind)
    s3.put_object(
        Bucket=site,
        Key="config.json",
        Body=json.dumps(_config()).encode(),
        ContentType="application/json",
        CacheControl="no-cache",
    )
    s3.put_object(
        Bucket=os.environ["INFO_BUCKET"],
        Key="info.json",
        Body=(HERE / "content" / "info.json").read_bytes(),
        ContentType="application/json",
    )
    shows = boto3.resource("dynamodb").Table(os.environ["SHOWS_TABLE"])
    with shows.batch_writer() as batch:
        for show in SHOWS:
            batch.put_item(Item=show)
    return {
        "message": f"{len(files) + 1} site files, info.json and {len(SHOWS)} shows are in; "
        f"sign in at {os.environ['OIDC_ISSUER']}"
    }


def _config():
    """What the page needs to send people to the provider (its discovery document names the
    authorization endpoint); the API is on the page's own origin (the distribution routes
    /api/* to it)."""
    issuer = os.environ["OIDC_ISSUER"].rstrip("/")
    with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=5) as r:
        endpoint = json.load(r)["authorization_endpoint"]
    return {
        "authorizationEndpoint": endpoint,
        "clientId": os.environ["OIDC_CLIENT_ID"],
        "api": "/api",
    }
