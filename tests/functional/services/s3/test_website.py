"""Static website hosting: Put/Get/DeleteBucketWebsite through boto3, and the website
endpoint `{bucket}.s3-website.localhost` as a browser reaches it (unsigned GET/HEAD)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.functional.services.s3.conftest import S3Server

GET_ONLY = {
    "Effect": "Allow",
    "Principal": "*",
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::photos/*",
}
# With s3:ListBucket too, a missing key is a 404 (without it, 403: see below).
PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        GET_ONLY,
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::photos",
        },
    ],
}
SITE = {"IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"}}


def _get(server: S3Server, path: str, method: str = "GET") -> httpx.Response:
    port = server.url.rsplit(":", 1)[1]
    with httpx.Client(base_url=server.url, timeout=10) as http:
        return http.request(method, path, headers={"Host": f"photos.s3-website.localhost:{port}"})


@pytest.fixture
def site(s3: Any, bucket: str) -> Any:
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(PUBLIC_READ))
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=SITE)
    for key, body in [
        ("index.html", b"<h1>home</h1>"),
        ("docs/index.html", b"<h1>docs</h1>"),
        ("error.html", b"<h1>oops</h1>"),
    ]:
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/html")
    return s3


def test_configuration_round_trips_and_is_deleted(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as missing:
        s3.get_bucket_website(Bucket=bucket)
    assert missing.value.response["Error"]["Code"] == "NoSuchWebsiteConfiguration"
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    rules = [
        {
            "Condition": {"KeyPrefixEquals": "old/"},
            "Redirect": {"ReplaceKeyPrefixWith": "new/", "HttpRedirectCode": "302"},
        }
    ]
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={**SITE, "RoutingRules": rules})
    answer = s3.get_bucket_website(Bucket=bucket)
    assert answer["IndexDocument"] == {"Suffix": "index.html"}
    assert answer["ErrorDocument"] == {"Key": "error.html"}
    assert answer["RoutingRules"] == rules
    s3.delete_bucket_website(Bucket=bucket)
    with pytest.raises(ClientError):
        s3.get_bucket_website(Bucket=bucket)


@pytest.mark.parametrize(
    ("configuration", "message"),
    [
        (
            {"ErrorDocument": {"Key": "e.html"}},
            "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
        ),
        (
            {"IndexDocument": {"Suffix": "a/index.html"}},
            "The IndexDocument Suffix is not well formed",
        ),
        (
            {"RedirectAllRequestsTo": {"HostName": "x.test"}, "IndexDocument": {"Suffix": "i"}},
            "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.",
        ),
        (
            {
                "IndexDocument": {"Suffix": "index.html"},
                "RoutingRules": [
                    {"Redirect": {"ReplaceKeyWith": "a", "ReplaceKeyPrefixWith": "b"}}
                ],
            },
            "You can only define ReplaceKeyPrefix or ReplaceKey but not both.",
        ),
        (
            {
                "IndexDocument": {"Suffix": "index.html"},
                "RoutingRules": [
                    {
                        "Condition": {"HttpErrorCodeReturnedEquals": "200"},
                        "Redirect": {"HostName": "x.test"},
                    }
                ],
            },
            "The provided HTTP error code (200) is not valid. Valid codes are 4XX or 5XX.",
        ),
    ],
)
def test_invalid_configurations_are_refused(
    s3: Any, bucket: str, configuration: dict[str, Any], message: str
) -> None:
    with pytest.raises(ClientError) as refused:
        s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=configuration)
    assert refused.value.response["Error"]["Code"] == "InvalidArgument"
    assert refused.value.response["Error"]["Message"] == message


def test_index_documents_answer_the_root_and_folders(server: S3Server, site: Any) -> None:
    root = _get(server, "/")
    assert root.status_code == 200
    assert root.text == "<h1>home</h1>"
    assert root.headers["content-type"] == "text/html"
    assert _get(server, "/docs/").text == "<h1>docs</h1>"
    folder = _get(server, "/docs")
    assert folder.status_code == 302
    assert folder.headers["location"] == "/docs/"
    head = _get(server, "/index.html", "HEAD")
    assert head.status_code == 200
    assert head.headers["content-length"] == str(len(b"<h1>home</h1>"))
    assert head.content == b""


def test_a_missing_key_answers_the_error_document_with_404(server: S3Server, site: Any) -> None:
    missing = _get(server, "/nowhere.html")
    assert missing.status_code == 404
    assert missing.text == "<h1>oops</h1>"


def test_a_missing_key_is_403_when_anyone_may_read_but_not_list(
    server: S3Server, site: Any, bucket: str
) -> None:
    """Without s3:ListBucket, S3 does not say whether a key exists: 403, not 404.
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (Permissions)"""
    policy = {"Version": "2012-10-17", "Statement": [GET_ONLY]}
    site.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    missing = _get(server, "/nowhere.html")
    assert missing.status_code == 403
    assert missing.text == "<h1>oops</h1>"  # the error document, with the error's status
    assert _get(server, "/index.html").status_code == 200


def test_without_an_error_document_s3s_html_page_answers(
    server: S3Server, site: Any, bucket: str
) -> None:
    site.put_bucket_website(
        Bucket=bucket, WebsiteConfiguration={"IndexDocument": SITE["IndexDocument"]}
    )
    missing = _get(server, "/nowhere.html")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>404 Not Found</title>" in missing.text
    assert "<li>Code: NoSuchKey</li>" in missing.text
    assert "<li>Key: nowhere.html</li>" in missing.text


def test_an_unreadable_error_document_is_reported_on_the_page(
    server: S3Server, site: Any, bucket: str
) -> None:
    site.delete_object(Bucket=bucket, Key="error.html")
    missing = _get(server, "/nowhere.html")
    assert missing.status_code == 404
    assert "An Error Occurred While Attempting to Retrieve a Custom Error Document" in missing.text
    assert "<li>Key: error.html</li>" in missing.text


def test_objects_that_are_not_public_answer_403_html(
    server: S3Server, site: Any, bucket: str
) -> None:
    site.delete_bucket_policy(Bucket=bucket)
    site.delete_bucket_website(Bucket=bucket)
    site.put_bucket_website(
        Bucket=bucket, WebsiteConfiguration={"IndexDocument": SITE["IndexDocument"]}
    )
    denied = _get(server, "/")
    assert denied.status_code == 403
    assert "<li>Code: AccessDenied</li>" in denied.text


def test_only_get_and_head_are_served(server: S3Server, site: Any) -> None:
    refused = _get(server, "/index.html", "DELETE")
    assert refused.status_code == 405
    assert "<li>Code: MethodNotAllowed</li>" in refused.text


def test_a_bucket_without_website_configuration_says_so(server: S3Server, bucket: str) -> None:
    answer = _get(server, "/")
    assert answer.status_code == 404
    assert "<li>Code: NoSuchWebsiteConfiguration</li>" in answer.text
    assert "<li>BucketName: photos</li>" in answer.text


def test_routing_rules_redirect_by_prefix_and_by_error_code(
    server: S3Server, site: Any, bucket: str
) -> None:
    rules = [
        {
            "Condition": {"KeyPrefixEquals": "docs/old/"},
            "Redirect": {"ReplaceKeyPrefixWith": "docs/new/"},
        },
        {
            "Condition": {"HttpErrorCodeReturnedEquals": "404", "KeyPrefixEquals": "img/"},
            "Redirect": {
                "HostName": "cdn.example.com",
                "Protocol": "https",
                "HttpRedirectCode": "302",
            },
        },
    ]
    site.put_bucket_website(Bucket=bucket, WebsiteConfiguration={**SITE, "RoutingRules": rules})
    moved = _get(server, "/docs/old/page.html")
    assert moved.status_code == 301
    assert moved.headers["location"].endswith(
        ".s3-website.localhost:" + server.url.rsplit(":", 1)[1] + "/docs/new/page.html"
    )
    fallback = _get(server, "/img/cat.jpg")
    assert fallback.status_code == 302
    assert fallback.headers["location"] == "https://cdn.example.com/img/cat.jpg"


def test_object_redirect_location_and_redirect_all(
    server: S3Server, site: Any, bucket: str
) -> None:
    site.put_object(
        Bucket=bucket, Key="moved.html", Body=b"", WebsiteRedirectLocation="/index.html"
    )
    assert site.head_object(Bucket=bucket, Key="moved.html")["WebsiteRedirectLocation"] == (
        "/index.html"
    )
    moved = _get(server, "/moved.html")
    assert moved.status_code == 301
    assert moved.headers["location"] == "/index.html"
    site.put_bucket_website(
        Bucket=bucket,
        WebsiteConfiguration={"RedirectAllRequestsTo": {"HostName": "www.example.com"}},
    )
    everything = _get(server, "/a/b.html")
    assert everything.status_code == 301
    assert everything.headers["location"] == "http://www.example.com/a/b.html"


def test_a_browser_revalidating_a_page_gets_304(server: S3Server, site: Any) -> None:
    first = _get(server, "/")
    port = server.url.rsplit(":", 1)[1]
    host = f"photos.s3-website.localhost:{port}"
    with httpx.Client(base_url=server.url, timeout=10) as http:
        same = http.get("/", headers={"Host": host, "If-None-Match": first.headers["etag"]})
        since = http.get(
            "/", headers={"Host": host, "If-Modified-Since": first.headers["last-modified"]}
        )
        other = http.get("/", headers={"Host": host, "If-Match": '"0000"'})
    assert (same.status_code, same.content) == (304, b"")
    assert same.headers["etag"] == first.headers["etag"]
    assert since.status_code == 304
    assert other.status_code == 412
    assert "<li>Code: PreconditionFailed</li>" in other.text


def test_a_folder_redirect_needs_no_list_permission_and_reveals_no_private_index(
    server: S3Server, site: Any, bucket: str
) -> None:
    """`docs` → 302 `docs/` with s3:GetObject alone (the common website policy); a folder
    whose index nobody may read is not redirected to (it answers like a missing key)."""
    readable_only = {
        "Version": "2012-10-17",
        "Statement": [{**GET_ONLY, "Resource": "arn:aws:s3:::photos/docs/*"}],
    }
    site.put_bucket_policy(Bucket=bucket, Policy=json.dumps(readable_only))
    site.put_object(Bucket=bucket, Key="private/index.html", Body=b"secret")
    folder = _get(server, "/docs")
    assert (folder.status_code, folder.headers["location"]) == (302, "/docs/")
    assert _get(server, "/private").status_code == 403
