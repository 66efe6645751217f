"""GET /api/config (no token needed): which user pool the page signs in to, with which
app client, and where Cognito's API is."""

import json
import os


def handler(event, context):
    region = os.environ.get("AWS_REGION", "us-east-1")
    # Cognito's JSON API: on AWS its regional endpoint, under Lamina Lamina itself (the
    # SDK endpoint it gives functions). Either is another origin than the page's; both
    # answer browsers' CORS preflights.
    # https://docs.aws.amazon.com/general/latest/gr/cognito_identity.html
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    config = {
        "region": region,
        "userPoolId": os.environ["USER_POOL_ID"],
        "clientId": os.environ["CLIENT_ID"],
        "cognitoEndpoint": f"{endpoint.rstrip('/')}/"
        if endpoint
        else f"https://cognito-idp.{region}.amazonaws.com/",
    }
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": json.dumps(config),
    }
