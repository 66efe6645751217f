"""Browser-based uploads: boto3's generate_presigned_post used with plain httpx, as a
browser form posts it, and S3's answers to forms the policy does not allow."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from lamina.aws.credentials import CredentialStore, Identity
from lamina.http.server import MAX_BODY_BYTES
from lamina.services.s3.provider import S3Provider
from tests.functional.services.s3.conftest import S3Server
from tests.loopback import LoopbackServer


def _post(url: str, fields: dict[str, str], data: bytes, name: str = "cat.txt") -> httpx.Response:
    with httpx.Client(timeout=10) as http:
        return http.post(url, data=fields, files={"file": (name, data, "text/plain")})


def test_a_presigned_post_uploads_the_file(s3: Any, bucket: str) -> None:
    form = s3.generate_presigned_post(bucket, "uploads/${filename}")
    answer = _post(form["url"], form["fields"], b"meow", "cat.txt")
    assert answer.status_code == 204, answer.text
    assert answer.headers["etag"] == '"' + "4a4be40c96ac6314e91d93f38043a634" + '"'
    assert answer.headers["location"].endswith(f"/{bucket}/uploads/cat.txt")
    assert s3.get_object(Bucket=bucket, Key="uploads/cat.txt")["Body"].read() == b"meow"


def test_success_action_status_201_answers_a_post_response(s3: Any, bucket: str) -> None:
    form = s3.generate_presigned_post(
        bucket,
        "a.txt",
        Fields={
            "success_action_status": "201",
            "Content-Type": "text/plain",
            "x-amz-meta-who": "me",
        },
        Conditions=[
            {"success_action_status": "201"},
            ["starts-with", "$Content-Type", "text/"],
            {"x-amz-meta-who": "me"},
        ],
    )
    answer = _post(form["url"], form["fields"], b"hello")
    assert answer.status_code == 201, answer.text
    assert "<PostResponse><Location>" in answer.text
    assert f"<Bucket>{bucket}</Bucket><Key>a.txt</Key>" in answer.text
    head = s3.head_object(Bucket=bucket, Key="a.txt")
    assert head["ContentType"] == "text/plain"
    assert head["Metadata"] == {"who": "me"}


def test_success_action_redirect_sends_the_browser_on(s3: Any, bucket: str) -> None:
    target = "https://app.example.com/done"
    form = s3.generate_presigned_post(
        bucket,
        "b.txt",
        Fields={"success_action_redirect": target},
        Conditions=[{"success_action_redirect": target}],
    )
    answer = _post(form["url"], form["fields"], b"x")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"{target}?bucket={bucket}&key=b.txt&etag=")


def _error(answer: httpx.Response) -> tuple[str, str]:
    text = answer.text
    code = text.split("<Code>")[1].split("</Code>")[0]
    message = text.split("<Message>")[1].split("</Message>")[0]
    return code, message


def test_a_failed_condition_is_access_denied(s3: Any, bucket: str) -> None:
    form = s3.generate_presigned_post(
        bucket, "c.txt", Conditions=[["starts-with", "$Content-Type", "image/"]]
    )
    fields = {**form["fields"], "Content-Type": "text/plain"}
    answer = _post(form["url"], fields, b"x")
    assert answer.status_code == 403
    assert _error(answer) == (
        "AccessDenied",
        'Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", '
        '"image/"]',
    )


def test_a_field_the_policy_does_not_name_is_refused(s3: Any, bucket: str) -> None:
    form = s3.generate_presigned_post(bucket, "d.txt")
    answer = _post(form["url"], {**form["fields"], "x-amz-meta-extra": "1"}, b"x")
    assert answer.status_code == 403
    assert _error(answer) == (
        "AccessDenied",
        "Invalid according to Policy: Extra input fields: x-amz-meta-extra",
    )


def test_an_expired_policy_is_refused(s3: Any, bucket: str) -> None:
    form = s3.generate_presigned_post(bucket, "e.txt", ExpiresIn=-10)
    answer = _post(form["url"], form["fields"], b"x")
    assert answer.status_code == 403
    assert _error(answer) == ("AccessDenied", "Invalid according to Policy: Policy expired.")


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        (b"x" * 11, "EntityTooLarge", "<MaxSizeAllowed>10</MaxSizeAllowed>"),
        (b"x", "EntityTooSmall", "<MinSizeAllowed>2</MinSizeAllowed>"),
    ],
)
def test_content_length_range_bounds_the_file(
    s3: Any, bucket: str, body: bytes, code: str, field: str
) -> None:
    form = s3.generate_presigned_post(bucket, "f.txt", Conditions=[["content-length-range", 2, 10]])
    answer = _post(form["url"], form["fields"], body)
    assert answer.status_code == 400
    assert _error(answer)[0] == code
    assert field in answer.text


def test_a_tampered_policy_does_not_match_its_signature(s3: Any, bucket: str) -> None:
    form = s3.generate_presigned_post(bucket, "g.txt")
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    policy["expiration"] = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    fields = {**form["fields"], "policy": base64.b64encode(json.dumps(policy).encode()).decode()}
    answer = _post(form["url"], fields, b"x")
    assert answer.status_code == 403
    assert _error(answer)[0] == "SignatureDoesNotMatch"


def _signed_v2(key: str, policy: dict[str, Any]) -> dict[str, str]:
    """A signature version 2 form (the account root's `test` secret) for any policy."""
    encoded = base64.b64encode(json.dumps(policy).encode()).decode()
    signature = hmac.new(b"test", encoded.encode(), hashlib.sha1).digest()
    return {
        "key": key,
        "AWSAccessKeyId": "test",
        "policy": encoded,
        "signature": base64.b64encode(signature).decode(),
    }


def test_an_expiration_without_a_zone_is_gmt(server: S3Server, bucket: str) -> None:
    later = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    policy = {"expiration": later, "conditions": [{"bucket": bucket}, ["eq", "$key", "n.txt"]]}
    answer = _post(f"{server.url}/{bucket}", _signed_v2("n.txt", policy), b"x")
    assert answer.status_code == 204, answer.text


@pytest.mark.parametrize(
    "conditions",
    [[["content-length-range", "one", 10]], {"bucket": "photos"}],
)
def test_a_malformed_condition_is_an_invalid_policy_document(
    server: S3Server, bucket: str, conditions: Any
) -> None:
    later = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    policy = {"expiration": later, "conditions": conditions}
    answer = _post(f"{server.url}/{bucket}", _signed_v2("m.txt", policy), b"x")
    assert answer.status_code == 400
    assert _error(answer)[0] == "InvalidPolicyDocument"


def test_a_form_past_the_buffered_cap_is_entity_too_large(
    server: S3Server, s3: Any, bucket: str
) -> None:
    # On the bucket's own host: on the main one an unread form is the gateway's.
    form = s3.generate_presigned_post(bucket, "big.bin")
    port = server.url.rsplit(":", 1)[1]
    with httpx.Client(timeout=30) as http:
        answer = http.post(
            f"{server.url}/",
            data=form["fields"],
            files={"file": ("big.bin", b"x" * (MAX_BODY_BYTES + 1), "text/plain")},
            headers={"Host": f"{bucket}.s3.localhost:{port}"},
        )
    assert answer.status_code == 400
    assert _error(answer)[0] == "EntityTooLarge"


def test_bucket_cors_applies_to_the_post(server: S3Server, s3: Any, bucket: str) -> None:
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                {"AllowedOrigins": ["https://app.example.com"], "AllowedMethods": ["POST"]}
            ]
        },
    )
    form = s3.generate_presigned_post(bucket, "h.txt")
    with httpx.Client(timeout=10) as http:
        answer = http.post(
            form["url"],
            data=form["fields"],
            files={"file": ("h.txt", b"x", "text/plain")},
            headers={"Origin": "https://app.example.com"},
        )
    assert answer.status_code == 204
    assert answer.headers["access-control-allow-origin"] == "https://app.example.com"


def test_a_signature_version_2_post_uploads_the_file(server: S3Server, bucket: str) -> None:
    legacy = server.client(signature_version="s3")
    form = legacy.generate_presigned_post(bucket, "v2.txt")
    assert "AWSAccessKeyId" in form["fields"] and "signature" in form["fields"]
    assert _post(form["url"], form["fields"], b"two").status_code == 204
    tampered = {**form["fields"], "signature": base64.b64encode(b"x" * 20).decode()}
    assert _error(_post(form["url"], tampered, b"two"))[0] == "SignatureDoesNotMatch"


TEMPORARY = Identity(
    access_key="ASIATEMPORARY0000001",
    secret_key="temporary-secret",
    arn="arn:aws:sts::123456789012:assumed-role/uploader/session",
    account_id="123456789012",
    principal_id="AROAUPLOADER:session",
    statements=({"Effect": "Allow", "Action": "s3:*", "Resource": "*"},),
    session_token="the-session-token",
    expires=time.time() + 3600,
)


@pytest.fixture
def temporary_server(tmp_path: Path) -> Iterator[LoopbackServer]:
    credentials = CredentialStore.local()
    credentials.add_identity(TEMPORARY)
    provider = S3Provider(state_dir=tmp_path, account_id="123456789012")
    served = LoopbackServer()
    served.serve(provider, credentials=credentials)
    yield served
    served.close()
    provider.close()


def test_temporary_credentials_need_their_session_token(temporary_server: LoopbackServer) -> None:
    options = {
        **temporary_server.client_options(),
        "aws_access_key_id": TEMPORARY.access_key,
        "aws_secret_access_key": TEMPORARY.secret_key,
        "aws_session_token": TEMPORARY.session_token,
    }
    s3 = boto3.client("s3", **options)
    s3.create_bucket(Bucket="tokens")
    form = s3.generate_presigned_post("tokens", "t.txt")
    assert form["fields"]["x-amz-security-token"] == TEMPORARY.session_token
    assert _post(form["url"], form["fields"], b"t").status_code == 204
    forged = {**form["fields"], "x-amz-security-token": "another-token"}
    answer = _post(form["url"], forged, b"t")
    assert answer.status_code == 400
    assert _error(answer)[0] == "InvalidToken"


def test_content_fields_become_the_objects_headers(s3: Any, bucket: str) -> None:
    fields = {"Expires": "Sun, 21 Oct 2035 07:28:00 GMT", "Cache-Control": "max-age=60"}
    form = s3.generate_presigned_post(
        bucket, "headers.txt", Fields=fields, Conditions=[{k: v} for k, v in fields.items()]
    )
    assert _post(form["url"], form["fields"], b"x").status_code == 204
    head = s3.head_object(Bucket=bucket, Key="headers.txt")
    assert head["CacheControl"] == "max-age=60"
    assert head["ExpiresString"] == "Sun, 21 Oct 2035 07:28:00 GMT"
    assert head["ContentType"] == "binary/octet-stream"  # not the file part's type
