"""GET a URL signed with SigV4 for execute-api, as awscurl or an AWS SDK would sign it.

    AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... python signed_get.py URL

Prints the status and the body. botocore (installed with boto3) signs; the region comes
from AWS_DEFAULT_REGION (default us-east-1). A `*.localhost` host is reached on this
machine, as curl and browsers reach it (Python's resolver does not know the name)."""

import http.client
import os
import sys
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.session import Session


def main(url: str) -> None:
    credentials = Session().get_credentials()
    if credentials is None:
        sys.exit("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(credentials, "execute-api", region).add_auth(request)
    parts = urlsplit(url)
    host = "127.0.0.1" if parts.hostname.endswith(".localhost") else parts.hostname
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(host, parts.port, timeout=30)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.request("GET", path, headers={"Host": parts.netloc, **request.headers})
    answer = connection.getresponse()
    print(answer.status, answer.read().decode())


if __name__ == "__main__":
    main(sys.argv[1])
