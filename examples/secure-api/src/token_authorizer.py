"""A Lambda TOKEN authorizer: API Gateway passes the Authorization header (already checked
against the authorizer's ValidationExpression) and the method ARN.

`Bearer allow-NAME` is allowed, `Bearer deny` gets an explicit Deny (403), anything else is
`Unauthorized` (401). The policy covers every method of the stage, because API Gateway
caches the answer per token (ReauthorizeEvery) and reuses it for the caller's next request,
whichever method that is."""


def handler(event, context):
    token = event["authorizationToken"].removeprefix("Bearer ")
    if token == "deny":
        return _policy("nobody", "Deny", event["methodArn"])
    if not token.startswith("allow-"):
        raise Exception("Unauthorized")  # API Gateway answers 401 {"message":"Unauthorized"}
    name = token.removeprefix("allow-")
    return _policy(name, "Allow", event["methodArn"], {"name": name, "plan": "gold"})


def _policy(principal, effect, method_arn, context=None):
    # arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH -> .../API/STAGE/*
    api_and_stage = "/".join(method_arn.split("/")[:2])
    answer = {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": f"{api_and_stage}/*"}
            ],
        },
    }
    if context:
        answer["context"] = context
    return answer
