"""Every route of the example: it answers with who API Gateway says the caller is.

REST APIs hand the function `requestContext.authorizer` (a Lambda authorizer's context and
principalId, or a user pool's claims) and `requestContext.identity` (the SigV4 caller, the
API key's id); HTTP APIs hand it `requestContext.authorizer.jwt`."""

import json


def handler(event, context):
    request = event.get("requestContext") or {}
    identity = request.get("identity") or {}
    body = {
        "route": event.get("resource") or event.get("routeKey"),
        "authorizer": request.get("authorizer"),
        "caller": identity.get("userArn"),
        "apiKeyId": identity.get("apiKeyId"),
    }
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }
