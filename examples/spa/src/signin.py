"""POST /auth/token: the single-page app's code exchange. The page cannot keep the client
secret, so this function — the only one whose role may read it — trades the provider's
authorization code for the ID token the page then sends to the API."""

import json
import os
import urllib.error
import urllib.parse
import urllib.request

import boto3
from respond import reply

ISSUER = os.environ["OIDC_ISSUER"].rstrip("/")
_secret = None


def handler(event, context):
    try:
        asked = json.loads(event["body"] or "{}")
        code, redirect_uri = str(asked["code"]), str(asked["redirectUri"])
    except (ValueError, KeyError, TypeError):
        return reply(400, {"message": 'send {"code": "...", "redirectUri": "..."}'})
    form = urllib.parse.urlencode(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": os.environ["OIDC_CLIENT_ID"],
            "client_secret": _client_secret(),
        }
    ).encode()
    request = urllib.request.Request(_token_endpoint(), data=form, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            tokens = json.load(answer)
    except urllib.error.HTTPError as error:
        return reply(400, {"message": f"the identity provider refused the code ({error.code})"})
    return reply(200, {"idToken": tokens["id_token"]})


def _token_endpoint():
    url = f"{ISSUER}/.well-known/openid-configuration"
    with urllib.request.urlopen(url, timeout=5) as answer:
        return json.load(answer)["token_endpoint"]


def _client_secret():
    global _secret
    if _secret is None:
        secrets = boto3.client("secretsmanager")
        _secret = secrets.get_secret_value(SecretId=os.environ["CLIENT_SECRET"])["SecretString"]
    return _secret
