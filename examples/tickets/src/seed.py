"""The web page and sample data, idempotent: the page's files and its config.json (S3), the
show catalogue (DynamoDB), the venue's notices (PostgreSQL) and a confirmed demo account
(Cognito). Lamina runs it at `lamina up` (the template's Metadata names it); on AWS, invoke
it once after `sam deploy`."""

import contextlib
import json
import os
from pathlib import Path

import boto3
import psycopg
from info import connection_settings

SITE = Path(__file__).parent / "site"
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css"}
SHOWS = [
    {
        "id": "hamlet",
        "title": "Hamlet",
        "venue": "Main Stage",
        "startsAt": "2027-03-05T19:30:00Z",
        "priceCents": 4200,
    },
    {
        "id": "jazz-night",
        "title": "Jazz Night",
        "venue": "Studio",
        "startsAt": "2027-03-12T21:00:00Z",
        "priceCents": 2500,
    },
    {
        "id": "the-tempest",
        "title": "The Tempest",
        "venue": "Main Stage",
        "startsAt": "2027-04-02T19:30:00Z",
        "priceCents": 3900,
    },
    {
        "id": "kids-matinee",
        "title": "Puppets at Noon",
        "venue": "Studio",
        "startsAt": "2027-04-10T12:00:00Z",
        "priceCents": 900,
    },
]
NOTICES = [
    (1, "Doors", "Doors open 45 minutes before each show."),
    (2, "Getting here", "Tram 4 stops at the theatre; the car park closes at midnight."),
    (3, "Access", "Step-free entrance on Quay Street; ask at the box office for a loop."),
]


def handler(event, context):
    _put_site()
    shows = boto3.resource("dynamodb").Table(os.environ["SHOWS_TABLE"])
    with shows.batch_writer() as batch:  # a put of the same item replaces it: idempotent
        for show in SHOWS:
            batch.put_item(Item=show)
    _seed_notices()
    email = _demo_user()
    return {
        "message": f"{len(SHOWS)} shows and {len(NOTICES)} venue notices are in; sign in as "
        f"{email} with the password {os.environ['DEMO_PASSWORD']}",
        "demoUser": email,
    }


def _put_site():
    """The page's files, and config.json telling it which user pool to sign in to."""
    s3, bucket = boto3.client("s3"), os.environ["SITE_BUCKET"]
    for path in SITE.iterdir():
        kind = TYPES.get(path.suffix, "application/octet-stream")
        s3.put_object(Bucket=bucket, Key=path.name, Body=path.read_bytes(), ContentType=kind)
    region = os.environ.get("AWS_REGION", "us-east-1")
    # Under Lamina, Cognito's API is Lamina's own port (the page finds it); on AWS it is the
    # regional endpoint. The tickets API is on the page's origin: the distribution's /api/*.
    local = bool(os.environ.get("AWS_ENDPOINT_URL"))
    config = {
        "userPoolId": os.environ["USER_POOL_ID"],
        "clientId": os.environ["CLIENT_ID"],
        "cognitoEndpoint": None if local else f"https://cognito-idp.{region}.amazonaws.com/",
        "api": "/api",
        "local": local,
    }
    s3.put_object(
        Bucket=bucket,
        Key="config.json",
        Body=json.dumps(config).encode(),
        ContentType="application/json",
        CacheControl="no-cache",
    )


def _seed_notices():
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["DB_SECRET"])
    with psycopg.connect(**connection_settings(secret["SecretString"])) as connection:
        # Stacks started side by side share the server: one creates the table at a time.
        connection.execute("SELECT pg_advisory_lock(hashtext('tickets_notices'))")
        connection.execute(
            "CREATE TABLE IF NOT EXISTS tickets_notices"
            " (position int PRIMARY KEY, title text NOT NULL, body text NOT NULL)"
        )
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO tickets_notices VALUES (%s, %s, %s) ON CONFLICT DO NOTHING", NOTICES
            )
        connection.execute("SELECT pg_advisory_unlock(hashtext('tickets_notices'))")


def _demo_user():
    """A confirmed account with a permanent password (AdminCreateUser alone would leave it
    in FORCE_CHANGE_PASSWORD)."""
    cognito = boto3.client("cognito-idp")
    pool, email = os.environ["USER_POOL_ID"], os.environ["DEMO_EMAIL"]
    with contextlib.suppress(cognito.exceptions.UsernameExistsException):
        cognito.admin_create_user(
            UserPoolId=pool,
            Username=email,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",
        )
    cognito.admin_set_user_password(
        UserPoolId=pool, Username=email, Password=os.environ["DEMO_PASSWORD"], Permanent=True
    )
    return email
