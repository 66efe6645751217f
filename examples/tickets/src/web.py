"""The web front end: index.html, app.js, style.css, and config.json telling the page which
user pool to sign in to, where Cognito's API is and where the tickets API is."""

import json
import os
from pathlib import Path

SITE = Path(__file__).parent / "site"
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css"}


def handler(event, context):
    name = (event.get("pathParameters") or {}).get("file") or "index.html"
    if name == "config.json":
        return _config()
    path = SITE / name
    if path.parent != SITE or not path.is_file():
        return {"statusCode": 404, "body": "Not found"}
    return {
        "statusCode": 200,
        "headers": {"Content-Type": TYPES.get(path.suffix, "application/octet-stream")},
        "body": path.read_text(),
    }


def _config():
    region = os.environ.get("AWS_REGION", "us-east-1")
    # Under Lamina the SDK endpoint is Lamina itself, the page's own origin, and the REST
    # API's stage is served at /api; on AWS they are Cognito's regional endpoint and the
    # API's execute-api URL.
    local = bool(os.environ.get("AWS_ENDPOINT_URL"))
    body = {
        "userPoolId": os.environ["USER_POOL_ID"],
        "clientId": os.environ["CLIENT_ID"],
        "cognitoEndpoint": "/" if local else f"https://cognito-idp.{region}.amazonaws.com/",
        "api": "/api" if local else os.environ["API_URL"],
        "local": local,
    }
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": json.dumps(body),
    }
