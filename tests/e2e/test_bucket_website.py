"""A template bucket with `WebsiteConfiguration` served by `lamina up` at
`{bucket}.s3-website.localhost`, and a browser (Debian's Chromium) uploading a file from a
page of that website through a presigned POST, the bucket's CORS rules letting it read
the answer.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/WebsiteEndpoints.html
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-UsingHTTPPOST.html
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from tests.conftest import LaminaProcess

BUCKET = "site-bucket"
TEMPLATE = f"""\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Site:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: {BUCKET}
      WebsiteConfiguration:
        IndexDocument: index.html
        ErrorDocument: error.html
        RoutingRules:
          - RoutingRuleCondition: {{KeyPrefixEquals: old/}}
            RedirectRule: {{ReplaceKeyPrefixWith: new/}}
"""
PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
        }
    ],
}
UPLOAD_PAGE = """<!doctype html>
<html><head><title>Upload</title></head>
<body>
<h1>Send a file</h1>
<form id="upload">
  <label>File <input type="file" id="file" name="file"></label>
  <button type="submit">Upload</button>
</form>
<p role="status" id="status"></p>
<script>
const post = __POST__;
document.getElementById("upload").addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData();
  for (const [name, value] of Object.entries(post.fields)) data.append(name, value);
  data.append("file", document.getElementById("file").files[0]);
  const answer = await fetch(post.url, {method: "POST", body: data});
  const xml = new DOMParser().parseFromString(await answer.text(), "application/xml");
  const key = xml.querySelector("Key").textContent;
  document.getElementById("status").textContent = `Uploaded ${key} (${answer.status})`;
});
</script>
</body></html>
"""


@pytest.fixture(scope="module")
def lamina(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaProcess]:
    folder = tmp_path_factory.mktemp("website")
    (folder / "template.yaml").write_text(TEMPLATE)
    served = LaminaProcess(folder / "template.yaml")
    yield served
    served.stop()


def _s3(lamina: LaminaProcess) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=lamina.base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _site(lamina: LaminaProcess) -> str:
    return f"http://{BUCKET}.s3-website.localhost:{lamina.port}"


def _get(lamina: LaminaProcess, path: str, host: str) -> httpx.Response:
    return httpx.get(f"{lamina.base}{path}", headers={"Host": f"{host}:{lamina.port}"}, timeout=30)


def test_the_template_website_is_served(lamina: LaminaProcess) -> None:
    s3 = _s3(lamina)
    assert s3.get_bucket_website(Bucket=BUCKET)["IndexDocument"] == {"Suffix": "index.html"}
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_READ))
    s3.put_object(Bucket=BUCKET, Key="index.html", Body=b"<p>home</p>", ContentType="text/html")
    s3.put_object(Bucket=BUCKET, Key="error.html", Body=b"<p>lost</p>", ContentType="text/html")
    home = _get(lamina, "/", f"{BUCKET}.s3-website.localhost")
    assert home.status_code == 200, lamina.output()[-3000:]
    assert home.text == "<p>home</p>"
    lost = _get(lamina, "/nope", f"{BUCKET}.s3-website-us-east-1.localhost")
    # The policy grants s3:GetObject only: S3 does not reveal a missing key without
    # s3:ListBucket, so the error document comes with 403 (as on AWS).
    assert (lost.status_code, lost.text) == (403, "<p>lost</p>")
    moved = _get(lamina, "/old/a.html", f"{BUCKET}.s3-website.localhost")
    assert moved.status_code == 301
    assert moved.headers["location"].endswith("/new/a.html")
    # Unsigned path-style requests to s3.localhost are S3's; on the main host they stay the
    # gateway's (this template has no API: its 404).
    public = _get(lamina, f"/{BUCKET}/index.html", "s3.localhost")
    assert (public.status_code, public.text) == (200, "<p>home</p>")
    gateway = httpx.get(f"{lamina.base}/{BUCKET}/index.html", timeout=30)
    assert gateway.status_code != 200


@pytest.mark.slow
def test_a_browser_uploads_through_a_presigned_post(lamina: LaminaProcess, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    s3 = _s3(lamina)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_READ))
    s3.put_bucket_cors(
        Bucket=BUCKET,
        CORSConfiguration={
            "CORSRules": [{"AllowedOrigins": [_site(lamina)], "AllowedMethods": ["POST"]}]
        },
    )
    post = s3.generate_presigned_post(
        BUCKET,
        "inbox/${filename}",
        Fields={"success_action_status": "201"},
        Conditions=[{"success_action_status": "201"}, ["content-length-range", 1, 1024]],
    )
    page_html = UPLOAD_PAGE.replace("__POST__", json.dumps(post))
    s3.put_object(Bucket=BUCKET, Key="upload/index.html", Body=page_html, ContentType="text/html")
    sample = tmp_path / "hello.txt"
    sample.write_text("hello from the browser")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--host-resolver-rules=MAP *.localhost 127.0.0.1"],
        )
        try:
            page = browser.new_page()
            page.goto(_site(lamina) + "/upload/")
            expect(page.get_by_role("heading", name="Send a file")).to_be_visible()
            page.get_by_label("File").set_input_files(str(sample))
            page.get_by_role("button", name="Upload").click()
            expect(page.get_by_role("status")).to_have_text("Uploaded inbox/hello.txt (201)")
            page.screenshot(path=str(tmp_path / "upload.png"))
        finally:
            browser.close()
    got = s3.get_object(Bucket=BUCKET, Key="inbox/hello.txt")
    assert got["Body"].read() == b"hello from the browser"
    assert (tmp_path / "upload.png").stat().st_size > 0
