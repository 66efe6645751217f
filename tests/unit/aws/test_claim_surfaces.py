"""Which requests are S3's own surfaces beside its API: the website endpoint (by Host) and
browser POST-policy uploads (an unsigned multipart form carrying a policy)."""

from __future__ import annotations

import pytest

from lamina.aws.claim import has_aws_marks, website_bucket
from lamina.http.message import HttpRequest


def _request(
    host: str,
    method: str = "GET",
    path: str = "/",
    headers: tuple[tuple[str, str], ...] = (),
    body: bytes = b"",
) -> HttpRequest:
    return HttpRequest(
        method=method,
        path=path,
        query_string="",
        headers=[("Host", host), *headers],
        body=body,
        client="127.0.0.1",
        http_version="1.1",
    )


@pytest.mark.parametrize(
    ("host", "bucket"),
    [
        ("photos.s3-website.localhost:3000", "photos"),
        ("my.site.s3-website.localhost", "my.site"),
        ("photos.s3-website-us-east-1.localhost:3000", "photos"),
        ("photos.s3-website.eu-west-2.localhost", "photos"),
        ("photos.s3.localhost:3000", None),
        ("s3-website.localhost", None),
        ("photos.s3-website.example.com", None),
        ("127.0.0.1:3000", None),
    ],
)
def test_website_hosts_name_their_bucket(host: str, bucket: str | None) -> None:
    assert website_bucket(_request(host)) == bucket


FORM = (("Content-Type", "multipart/form-data; boundary=xyz"),)
POLICY_BODY = b'--xyz\r\nContent-Disposition: form-data; name="policy"\r\n\r\neyJ9\r\n--xyz--\r\n'


def test_a_policy_form_posted_to_a_bucket_path_is_s3s() -> None:
    assert has_aws_marks(_request("127.0.0.1:3000", "POST", "/photos", FORM, POLICY_BODY))


@pytest.mark.parametrize(
    ("path", "headers", "body"),
    [
        ("/photos", FORM, b'--xyz\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n'),
        ("/api/upload", FORM, POLICY_BODY),
        ("/photos", (("Content-Type", "application/json"),), POLICY_BODY),
    ],
)
def test_other_forms_on_the_main_host_stay_the_gateways(
    path: str, headers: tuple[tuple[str, str], ...], body: bytes
) -> None:
    assert not has_aws_marks(_request("127.0.0.1:3000", "POST", path, headers, body))
