"""What IAM costs an AWS call from a function, in process: SigV4 verification of a
botocore-signed DynamoDB PutItem with a session token (the credential lookup included),
then the authorization of the call against an execution role's policies and, for an S3
GetObject, a bucket policy too. The issue's target: ≤ 100 µs p50 for verification plus
evaluation.

    .venv/bin/python bench/iam.py [--calls N]

Writes bench/results/iam.json and prints the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth  # type: ignore[import-untyped]
from botocore.awsrequest import AWSRequest  # type: ignore[import-untyped]
from botocore.credentials import Credentials  # type: ignore[import-untyped]

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
sys.path.insert(0, str(REPO))

from lamina.aws.auth import authenticate  # noqa: E402 (after the path)
from lamina.aws.authorize import authorize  # noqa: E402
from lamina.aws.claim import Catalog, identify  # noqa: E402
from lamina.aws.credentials import CredentialStore, issue_temporary  # noqa: E402
from lamina.aws.model import ModelLibrary  # noqa: E402
from lamina.http.message import HttpRequest  # noqa: E402

ACCOUNT = "123456789012"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Things"
# A SAM function's role: DynamoDBCrudPolicy on its table, logs, a few more.
ROLE_STATEMENTS: tuple[dict[str, object], ...] = (
    {
        "Effect": "Allow",
        "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": "*",
    },
    {
        "Effect": "Allow",
        "Action": [
            "dynamodb:GetItem",
            "dynamodb:DeleteItem",
            "dynamodb:PutItem",
            "dynamodb:Scan",
            "dynamodb:Query",
            "dynamodb:UpdateItem",
            "dynamodb:BatchWriteItem",
            "dynamodb:BatchGetItem",
            "dynamodb:DescribeTable",
            "dynamodb:ConditionCheckItem",
        ],
        "Resource": [TABLE, f"{TABLE}/index/*"],
    },
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*"},
    {
        "Effect": "Deny",
        "Action": "dynamodb:DeleteTable",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}},
    },
)
BUCKET_POLICY = (
    {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "arn:aws:s3:::site/*",
        "Condition": {
            "Bool": {"aws:SecureTransport": "false"},
            "NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"},
        },
    },
    {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::site/*",
    },
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()
    store = CredentialStore.local()
    now = time.time()
    for _ in range(200):  # other environments' sessions in the store
        issue_temporary(store, arn="x", account_id=ACCOUNT, principal_id="p", statements=(),
                        expires=now + 3600, now=now)  # fmt: skip
    role = issue_temporary(
        store,
        arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/fn-role/fn",
        account_id=ACCOUNT,
        principal_id="AROAEXAMPLEEXAMPLEEX:fn",
        statements=ROLE_STATEMENTS,
        expires=now + 3600,
        now=now,
    )
    request = _signed_put_item(role.access_key, role.secret_key, role.session_token or "")
    claim = identify(request, Catalog({"dynamodb": {}}, ModelLibrary()))
    assert claim is not None and claim.signature is not None
    signature = claim.signature
    at = datetime.now(UTC)

    def verify() -> None:
        authenticate(signature, request, store, protocol="json", service="dynamodb", now=at)

    def put_item() -> None:
        authorize(role, "dynamodb", "PutItem", [TABLE], source_ip="127.0.0.1",
                  params={"TableName": "Things"}, region="us-east-1")  # fmt: skip

    def get_object() -> None:
        authorize(role, "s3", "GetObject", ["arn:aws:s3:::site/a.html"], source_ip="127.0.0.1",
                  resource_statements=BUCKET_POLICY, secure=True)  # fmt: skip

    figures = {
        "calls": args.calls,
        "sigv4_verify_us": _timed(verify, args.calls),
        "authorize_dynamodb_put_item_us": _timed(put_item, args.calls),
        "authorize_s3_get_object_with_bucket_policy_us": _timed(get_object, args.calls),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "iam.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 0


def _signed_put_item(key: str, secret: str, token: str) -> HttpRequest:
    url = "http://127.0.0.1:3000/"
    body = b'{"TableName": "Things", "Item": {"id": {"S": "1"}}}'
    headers = {"X-Amz-Target": "DynamoDB_20120810.PutItem",
               "Content-Type": "application/x-amz-json-1.0"}  # fmt: skip
    aws = AWSRequest(method="POST", url=url, data=body, headers=headers)
    SigV4Auth(Credentials(key, secret, token), "dynamodb", "us-east-1").add_auth(aws)
    prepared = aws.prepare()
    parts = urlsplit(url)
    return HttpRequest(
        method="POST",
        path=parts.path,
        query_string=parts.query,
        headers=[*prepared.headers.items(), ("Host", parts.netloc)],
        body=body,
        client="127.0.0.1",
        http_version="1.1",
    )


def _timed(call: Callable[[], None], calls: int) -> dict[str, float]:
    for _ in range(500):
        call()
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1e6)
    samples.sort()
    return {
        "p50": round(statistics.median(samples), 1),
        "p99": round(samples[int(len(samples) * 0.99)], 1),
    }


if __name__ == "__main__":
    sys.exit(main())
