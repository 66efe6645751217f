"""The API's Lambda TOKEN authorizer: it accepts an ID token from the third-party OpenID
Connect provider (signature against the provider's published keys, issuer, audience,
expiry) and answers with an IAM policy allowing this API's methods; anything else is
refused with "Unauthorized" (API Gateway's 401).

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
"""

import json
import os
import urllib.request

import jwt

ISSUER = os.environ["OIDC_ISSUER"].rstrip("/")
AUDIENCE = os.environ["OIDC_CLIENT_ID"]
_keys = None


def handler(event, context):
    scheme, _, token = (event.get("authorizationToken") or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Exception("Unauthorized")
    try:
        key = _signing_keys().get_signing_key_from_jwt(token).key
        claims = jwt.decode(token, key, algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER)
    except jwt.PyJWTError as error:
        print(f"refused: {error}")
        raise Exception("Unauthorized") from None
    return {
        "principalId": claims["sub"],
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": _whole_api(event)}
            ],
        },
        "context": {"email": claims.get("email", "")},
    }


def _whole_api(event):
    """arn:aws:execute-api:{region}:{account}:{api}/{stage}/*/*: the answer is cached per
    token, so it must allow every method the same person may call next, not just this one."""
    api, stage = event["methodArn"].split("/")[:2]
    return f"{api}/{stage}/*/*"


def _signing_keys():
    global _keys
    if _keys is None:
        with urllib.request.urlopen(f"{ISSUER}/.well-known/openid-configuration", timeout=5) as r:
            _keys = jwt.PyJWKClient(json.load(r)["jwks_uri"], cache_keys=True)
    return _keys
