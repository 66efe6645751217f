"""GET /api/config (no token needed): which user pool the page signs in to, with which
app client, and where Cognito's API is."""

import json
import os


def handler(event, context):
    region = os.environ.get("AWS_REGION", "us-east-1")
    # Under Lamina the SDK endpoint (AWS_ENDPOINT_URL) is Lamina itself, which answers
    # Cognito's API on the page's own origin; on AWS it is Cognito's regional endpoint.
    # https://docs.aws.amazon.com/general/latest/gr/cognito_identity.html
    local = bool(os.environ.get("AWS_ENDPOINT_URL"))
    config = {
        "region": region,
        "userPoolId": os.environ["USER_POOL_ID"],
        "clientId": os.environ["CLIENT_ID"],
        "cognitoEndpoint": "/" if local else f"https://cognito-idp.{region}.amazonaws.com/",
    }
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": json.dumps(config),
    }
