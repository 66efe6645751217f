"""A Lambda REQUEST authorizer: it sees the whole request (headers, query string, stage
variables); the identity sources (here the X-Tenant header) must be present or API Gateway
answers 401 without calling it."""

TENANTS = {"acme", "globex"}


def handler(event, context):
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    tenant = headers.get("x-tenant", "")
    api_and_stage = "/".join(event["methodArn"].split("/")[:2])
    return {
        "principalId": tenant,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow" if tenant in TENANTS else "Deny",
                    "Resource": f"{api_and_stage}/GET/tenant",
                }
            ],
        },
        "context": {"tenant": tenant},
    }
