"""The site_edge fixture through `lamina up`: a bucket uploaded from its Metadata, a
CloudFront distribution serving it (SPA fallback, /api/* to the REST API in process),
the cloudfront management API (boto3 and the AWS CLI), `lamina sync-site`, and --tls
with the distribution's alias chosen by SNI."""

from __future__ import annotations

import json
import os
import re
import shutil
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lamina.config.load import load_application
from tests.clients import aws_client, lamina_cli, until
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "site_edge"
SITE = APP / "site"


class Edge:
    def __init__(self, lamina: LaminaProcess) -> None:
        self.lamina = lamina
        found = re.search(r"http://(d[a-z0-9]{13})\.cloudfront\.localhost:\d+/", lamina.output())
        assert found, lamina.output()
        self.host = f"{found.group(1)}.cloudfront.localhost:{lamina.port}"
        self.cloudfront = aws_client(lamina.base, "cloudfront")
        self.s3 = aws_client(lamina.base, "s3")
        self.distribution_id = self.cloudfront.list_distributions()["DistributionList"]["Items"][0][
            "Id"
        ]

    def get(self, path: str, **headers: str) -> httpx.Response:
        return httpx.get(
            f"{self.lamina.base}{path}", headers={"Host": self.host, **headers}, timeout=30
        )


@pytest.fixture(scope="module")
def edge() -> Iterator[Edge]:
    lamina = LaminaProcess(APP)
    try:
        yield Edge(lamina)
    finally:
        lamina.stop()


def test_banner_names_the_distribution_and_the_site_was_uploaded(edge: Edge) -> None:
    output = edge.lamina.output()
    assert "Site " in output and "3 uploaded, 0 removed" in output
    assert f"Distribution Site ({edge.distribution_id}, " in output
    assert "http://site-edge.localhost:" in output  # the alias


def test_root_spa_route_and_api_behind_one_host(edge: Edge) -> None:
    root = edge.get("/")
    assert root.status_code == 200 and "<title>Site edge</title>" in root.text
    assert root.headers["x-cache"] in ("Miss from cloudfront", "Hit from cloudfront")
    route = edge.get("/about")
    assert route.status_code == 200 and route.text == root.text
    assert route.headers["x-cache"] == "Error from cloudfront"
    api = edge.get("/api/hello")
    assert api.status_code == 200
    assert api.json() == {"message": "hello from the API", "path": "/api/hello"}
    script = edge.get("/assets/app.js", **{"Accept-Encoding": "br"})
    assert script.headers["content-encoding"] == "br"
    assert script.headers["content-type"] == "text/javascript"
    assert "client-side route" in script.text  # httpx decodes br
    by_alias = httpx.get(
        f"{edge.lamina.base}/", headers={"Host": f"site-edge.localhost:{edge.lamina.port}"}
    )
    assert by_alias.text == root.text


def test_management_api_and_invalidation_with_boto3(edge: Edge) -> None:
    app = load_application(APP)
    bucket = next(r.physical_id for r in app.service_resources if r.logical_id == "SiteBucket")
    distribution = edge.cloudfront.get_distribution(Id=edge.distribution_id)["Distribution"]
    assert distribution["Status"] == "Deployed"
    assert edge.host.startswith(distribution["DomainName"].removesuffix(".cloudfront.net"))
    config = edge.cloudfront.get_distribution_config(Id=edge.distribution_id)
    assert config["DistributionConfig"]["DefaultRootObject"] == "index.html"
    assert config["DistributionConfig"]["Aliases"] == {
        "Quantity": 1,
        "Items": ["site-edge.localhost"],
    }
    edge.get("/robots.txt")  # a miss: the SPA page, cached as an error for 0 s
    edge.s3.put_object(Bucket=bucket, Key="news.txt", Body=b"old", ContentType="text/plain")
    assert edge.get("/news.txt").text == "old"
    edge.s3.put_object(Bucket=bucket, Key="news.txt", Body=b"new", ContentType="text/plain")
    stale = edge.get("/news.txt")
    assert (stale.text, stale.headers["x-cache"]) == ("old", "Hit from cloudfront")
    assert "age" in stale.headers
    batch = {"Paths": {"Quantity": 1, "Items": ["/news*"]}, "CallerReference": "e2e-1"}
    created = edge.cloudfront.create_invalidation(
        DistributionId=edge.distribution_id, InvalidationBatch=batch
    )
    assert created["Invalidation"]["Status"] == "Completed"
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    fresh = edge.get("/news.txt")
    assert (fresh.text, fresh.headers["x-cache"]) == ("new", "Miss from cloudfront")
    again = edge.cloudfront.create_invalidation(
        DistributionId=edge.distribution_id, InvalidationBatch=batch
    )
    assert again["Invalidation"]["Id"] == created["Invalidation"]["Id"]  # CallerReference
    listed = edge.cloudfront.list_invalidations(DistributionId=edge.distribution_id)
    assert created["Invalidation"]["Id"] in [i["Id"] for i in listed["InvalidationList"]["Items"]]


def test_aws_cli_create_invalidation(edge: Edge) -> None:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    aws = Path(sys.executable).with_name("aws")
    completed = subprocess.run(
        [str(aws), "cloudfront", "create-invalidation", "--endpoint-url", edge.lamina.base,
         "--distribution-id", edge.distribution_id, "--paths", "/index.html", "/assets/*",
         "--query", "Invalidation.[Status,InvalidationBatch.Paths.Quantity]", "--output", "text"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["Completed", "2"]


def test_sync_site_uploads_changes_and_deletes(edge: Edge, tmp_path: Path) -> None:
    bucket = "sync-site-e2e"
    edge.s3.create_bucket(Bucket=bucket)
    edge.s3.put_object(Bucket=bucket, Key="old.html", Body=b"gone")
    folder = tmp_path / "dist"
    shutil.copytree(SITE, folder)
    first = lamina_cli("sync-site", str(folder), bucket, "--endpoint-url", edge.lamina.base)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("upload: ") == 3
    keys = {o["Key"]: o for o in edge.s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert set(keys) == {"index.html", "assets/app.js", "assets/style.css", "old.html"}
    head = edge.s3.head_object(Bucket=bucket, Key="assets/style.css")
    assert head["ContentType"] == "text/css"
    (folder / "index.html").write_text("<p>changed</p>")
    second = lamina_cli(
        "sync-site", str(folder), f"s3://{bucket}", "--delete", "--endpoint-url", edge.lamina.base
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines() == [
        f"upload: {folder / 'index.html'} to s3://{bucket}/index.html",
        f"delete: s3://{bucket}/old.html",
    ]
    body = edge.s3.get_object(Bucket=bucket, Key="index.html")["Body"].read()
    assert body == b"<p>changed</p>"


def test_tls_serves_the_distribution_and_its_alias_by_sni(tmp_path: Path) -> None:
    folder = tmp_path / "site_edge"
    shutil.copytree(APP, folder)
    lamina = LaminaProcess(folder / "template.yaml", "--tls")
    try:
        ca = folder / ".lamina" / "tls" / "ca.pem"
        context = ssl.create_default_context(cafile=ca)
        found = re.search(r"https://(d[a-z0-9]{13}\.cloudfront\.localhost):", lamina.output())
        assert found, lamina.output()
        for name in (found.group(1), "site-edge.localhost"):
            with httpx.Client(verify=context, timeout=30) as http:
                response = http.get(
                    f"https://127.0.0.1:{lamina.port}/about",
                    headers={"Host": f"{name}:{lamina.port}"},
                    extensions={"sni_hostname": name},
                )
            assert response.status_code == 200 and "<title>Site edge</title>" in response.text
    finally:
        lamina.stop()


@pytest.mark.slow
def test_browser_follows_a_client_route_and_reloads_it_through_the_fallback(
    edge: Edge, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page()
            # Chromium resolves *.localhost to the loopback: the distribution's own URL.
            page.goto(f"http://{edge.host}/")
            expect(page.get_by_role("heading", name="Home")).to_be_visible()
            expect(page.locator("#api")).to_have_text("hello from the API")  # /api/* behavior
            page.get_by_role("link", name="About").click()
            expect(page.get_by_role("heading", name="About")).to_be_visible()
            assert page.url == f"http://{edge.host}/about"
            # A reload asks the edge for /about, which the bucket lacks: the 403 becomes
            # index.html with 200, and the app routes to the same view.
            response = page.reload()
            assert response is not None and response.status == 200
            assert response.headers["x-cache"] == "Error from cloudfront"
            expect(page.get_by_role("heading", name="About")).to_be_visible()
            page.screenshot(path=str(tmp_path / "site-edge-about.png"), full_page=True)
            assert (tmp_path / "site-edge-about.png").stat().st_size > 0
        finally:
            browser.close()


def test_sync_site_finds_the_lamina_up_serving_the_current_folder(tmp_path: Path) -> None:
    folder = tmp_path / "site_edge"
    shutil.copytree(APP, folder)
    lamina = LaminaProcess(folder / "template.yaml")
    try:
        bucket = "found-by-serving-file"
        aws_client(lamina.base, "s3").create_bucket(Bucket=bucket)
        completed = subprocess.run(
            [sys.executable, "-m", "lamina.cli", "sync-site", "site", bucket],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"},
        )
        assert completed.returncode == 0, completed.stderr
        listed = aws_client(lamina.base, "s3").list_objects_v2(Bucket=bucket)
        assert len(listed["Contents"]) == 3
    finally:
        lamina.stop()


def test_cloudfront_function_redirects_and_test_function_runs_it(edge: Edge) -> None:
    moved = edge.get("/legacy/page.html")
    assert moved.status_code == 301 and moved.headers["location"] == "/"
    assert moved.headers["x-cache"] == "FunctionGeneratedResponse from cloudfront"
    described = edge.cloudfront.describe_function(Name="site-edge-old-links")
    summary = described["FunctionSummary"]
    assert summary["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert summary["FunctionMetadata"]["FunctionARN"].endswith(":function/site-edge-old-links")
    event = {
        "version": "1.0",
        "context": {"eventType": "viewer-request"},
        "viewer": {"ip": "198.51.100.1"},
        "request": {"method": "GET", "uri": "/legacy/a", "querystring": {}, "headers": {},
                    "cookies": {}},
    }  # fmt: skip
    tested = edge.cloudfront.test_function(
        Name="site-edge-old-links",
        IfMatch=described["ETag"],
        EventObject=json.dumps(event).encode(),
    )["TestResult"]
    assert tested["FunctionErrorMessage"] == ""
    assert tested["FunctionExecutionLogs"] == ["moving /legacy/a"]
    assert json.loads(tested["FunctionOutput"])["response"]["statusCode"] == 301
    listed = edge.cloudfront.list_functions()["FunctionList"]
    assert [f["Name"] for f in listed["Items"]] == ["site-edge-old-links"]


def test_an_edit_under_site_content_is_uploaded_while_serving(tmp_path: Path) -> None:
    folder = tmp_path / "site_edge"
    shutil.copytree(APP, folder)
    lamina = LaminaProcess(folder / "template.yaml")
    try:
        site = Edge(lamina)
        assert "<title>Site edge</title>" in site.get("/").text  # now cached at the edge
        (folder / "site" / "index.html").write_text("<h1>edited</h1>")
        assert until(lambda: site.get("/").text == "<h1>edited</h1>", timeout_s=15)
        assert "1 uploaded, 0 removed" in lamina.output()
    finally:
        lamina.stop()
