"""The web console (/_lamina/console) in Debian's Chromium, on a fixture app with a REST
API, a function, a table, a bucket, a secret and a user pool: a scripted load, then every
page clicked through and its numbers checked against the AWS APIs and Prometheus.
Screenshots go to the test's tmp dir; any console error in the browser fails the test."""

from __future__ import annotations

import datetime
import json
import re
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError
from prometheus_client.parser import text_string_to_metric_families

from tests.clients import aws_client
from tests.conftest import LaminaProcess

APP = Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "console"
KEY = "console-tester-key-0123456789abcdef"
PUTS, GETS = 5, 2
SECRET_VALUE = "s3cr3t-console-value"
ROOT = "arn:aws:iam::123456789012:root"


class Load:
    """What the scripted load did, for the pages' numbers to be checked against."""

    def __init__(self, lamina: LaminaProcess) -> None:
        self.lamina = lamina
        gateway = aws_client(lamina.base, "apigateway")
        self.api_id = gateway.get_rest_apis()["items"][0]["id"]
        key = gateway.create_api_key(name="console-tester", enabled=True, value=KEY)
        self.key_id = key["id"]
        plan = gateway.create_usage_plan(
            name="console-plan",
            apiStages=[{"apiId": self.api_id, "stage": "prod"}],
            quota={"limit": 1000, "period": "DAY"},
        )
        self.plan_id = plan["id"]
        gateway.create_usage_plan_key(
            usagePlanId=self.plan_id, keyId=self.key_id, keyType="API_KEY"
        )
        # A stage throttle set through the API, as the console shows the stage's settings.
        gateway.update_stage(
            restApiId=self.api_id,
            stageName="prod",
            patchOperations=[
                {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "100"},
                {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "50"},
            ],
        )
        headers = {"x-api-key": KEY}
        for i in range(PUTS):
            response = httpx.put(
                f"{lamina.base}/prod/items/item{i}", headers=headers, content="x", timeout=30
            )
            assert response.status_code == 201, response.text
        for _ in range(GETS):
            assert httpx.get(f"{lamina.base}/prod/items", headers=headers, timeout=30).is_success
        # Refused before the function: a 4XXError, no invocation, no key usage.
        assert httpx.get(f"{lamina.base}/prod/items", timeout=30).status_code == 403
        # A canary on the other stage (SAM's `Stage`), so the load's counts stay on prod.
        self.canary = gateway.create_deployment(
            restApiId=self.api_id, stageName="Stage", canarySettings={"percentTraffic": 20.0}
        )["id"]
        self.requests = PUTS + GETS + 1
        functions = aws_client(lamina.base, "lambda")
        for n in range(2):  # a cold start, then a warm one
            functions.invoke(FunctionName="console-json", Payload=json.dumps({"n": n}))
        self.invocations = PUTS + GETS
        self.email = "ada@example.com"
        cognito = aws_client(lamina.base, "cognito-idp")
        pool = cognito.list_user_pools(MaxResults=10)["UserPools"][0]["Id"]
        client = cognito.list_user_pool_clients(UserPoolId=pool)["UserPoolClients"][0]
        cognito.sign_up(ClientId=client["ClientId"], Username=self.email, Password="Console4ever!")
        cognito.admin_add_user_to_group(UserPoolId=pool, Username=self.email, GroupName="admins")
        cloudwatch = aws_client(lamina.base, "cloudwatch")
        widgets = [
            {
                "type": "metric",
                "properties": {
                    "title": "Items calls",
                    "metrics": [
                        ["AWS/Lambda", "Invocations", "FunctionName", "console-items"],
                        [".", "Errors", ".", "."],
                    ],
                    "stat": "Sum",
                    "period": 60,
                },
            },
            {"type": "text", "properties": {"markdown": "# Items\nWhat the API does."}},
        ]
        cloudwatch.put_dashboard(
            DashboardName="console-items",
            DashboardBody=json.dumps({"start": "-PT1H", "widgets": widgets}),
        )
        cloudwatch.put_metric_alarm(
            AlarmName="console-items-errors",
            Namespace="AWS/Lambda",
            MetricName="Errors",
            Dimensions=[{"Name": "FunctionName", "Value": "console-items"}],
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )


@pytest.fixture(scope="module")
def load() -> Iterator[Load]:
    served = LaminaProcess(APP, "--no-watch")
    try:
        yield Load(served)
    finally:
        served.stop()


def _prometheus_sum(base: str, family: str, **labels: str) -> float:
    text = httpx.get(f"{base}/_lamina/metrics", timeout=30).text
    total = 0.0
    for metric in text_string_to_metric_families(text):
        if metric.name != family:
            continue
        for sample in metric.samples:
            if sample.name == family + "_total" and all(
                sample.labels.get(k) == v for k, v in labels.items()
            ):
                total += sample.value
    return total


def _statistics_sum(base: str, namespace: str, metric: str, **dimensions: str) -> float:
    now = datetime.datetime.now(datetime.UTC)
    answer = aws_client(base, "cloudwatch").get_metric_statistics(
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
        StartTime=now - datetime.timedelta(hours=1),
        EndTime=now + datetime.timedelta(minutes=1),
        Period=60,
        Statistics=["Sum"],
    )
    return float(sum(point["Sum"] for point in answer["Datapoints"]))


class Browser:
    """A Chromium page that records every console error and page error."""

    def __init__(self, playwright: Any, **context: Any) -> None:
        self.browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        self.context = self.browser.new_context(**context)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def close(self) -> None:
        self.browser.close()


@pytest.mark.slow
def test_console_pages_show_what_the_load_did(load: Load, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = load.lamina.base
    with sync_playwright() as playwright:
        chromium = Browser(
            playwright, viewport={"width": 1280, "height": 800}, accept_downloads=True
        )
        page = chromium.page
        try:
            page.goto(f"{base}/_lamina/console")
            paint = page.evaluate(
                "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1"
            )
            (tmp_path / "first-paint.json").write_text(json.dumps({"first_paint_ms": paint}))
            print(f"console first contentful paint: {paint:.0f} ms")
            expect(page.get_by_text(f"Signed in as {ROOT}")).to_be_visible()

            # Keyboard: the skip link first, then the pages in the navigation.
            page.keyboard.press("Tab")
            expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
            page.keyboard.press("Tab")
            expect(page.get_by_role("link", name="APIs")).to_be_focused()

            _apis(page, expect, load)
            page.screenshot(path=tmp_path / "apis.png", full_page=True)
            _functions(page, expect, load)
            page.screenshot(path=tmp_path / "function.png", full_page=True)
            _json_logged_function(page, expect)
            _metrics(page, expect, load)
            page.screenshot(path=tmp_path / "metrics.png", full_page=True)
            _dashboards(page, expect, load)
            page.screenshot(path=tmp_path / "dashboard.png", full_page=True)
            _live_log(page, expect, load)
            page.screenshot(path=tmp_path / "logs.png", full_page=True)
            _go(page, "Alarms")
            expect(page.get_by_role("table", name="Metric alarms")).to_contain_text(
                "console-items-errors"
            )
            _tables(page, expect)
            page.screenshot(path=tmp_path / "table.png", full_page=True)
            _buckets(page, expect, load, tmp_path)
            page.screenshot(path=tmp_path / "bucket.png", full_page=True)
            _secrets(page, expect)
            page.screenshot(path=tmp_path / "secrets.png", full_page=True)
            _pools(page, expect, load)
            page.screenshot(path=tmp_path / "pools.png", full_page=True)

            page.set_viewport_size({"width": 390, "height": 844})  # a phone
            _go(page, "Functions")
            expect(page.get_by_role("table", name="Functions")).to_be_visible()
            width = page.evaluate("document.documentElement.scrollWidth")
            page.screenshot(path=tmp_path / "functions-phone.png", full_page=True)
            assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"
        finally:
            chromium.close()
    assert chromium.errors == [], chromium.errors


def _go(page: Any, name: str) -> None:
    """Open a page from the navigation."""
    page.get_by_role("navigation", name="Console pages").get_by_role("link", name=name).click()


def _row(page: Any, table: Any, first_cell: str) -> Any:
    """The body row of `table` whose first cell says exactly `first_cell`."""
    first = page.locator("td:first-child").get_by_text(first_cell, exact=True)
    return table.locator("tbody tr").filter(has=first)


def _apis(page: Any, expect: Any, load: Load) -> None:
    _go(page, "APIs")
    expect(
        page.get_by_role("heading", name=f"REST API console-items ({load.api_id})")
    ).to_be_visible()
    expect(page.get_by_role("table", name="Routes of console-items")).to_contain_text("/items/{id}")
    stages = page.get_by_role("table", name="Stages of console-items")
    expect(_row(page, stages, "prod")).to_contain_text("100 req/s, burst 50")
    expect(_row(page, stages, "Stage")).to_contain_text(f"20 % to {load.canary}")
    http = page.locator("section", has=page.get_by_role("heading", name="HTTP API", exact=False))
    expect(http.get_by_role("table").first).to_contain_text("GET /v2/items")
    usage = page.locator(f'[data-key="{load.key_id}"]')
    expect(usage).to_have_text(str(PUTS + GETS))
    day = datetime.date.today().isoformat()
    counted = aws_client(load.lamina.base, "apigateway").get_usage(
        usagePlanId=load.plan_id, startDate=day, endDate=day
    )["items"][load.key_id]
    assert counted[0][0] == PUTS + GETS


def _functions(page: Any, expect: Any, load: Load) -> None:
    _go(page, "Functions")
    page.get_by_role("link", name="console-items").click()
    expect(page.get_by_test_id("invocation-count")).to_have_text(str(load.invocations))
    expect(page.get_by_test_id("invocations-total")).to_have_text(str(load.invocations))
    aliases = page.get_by_role("table", name="Aliases")
    expect(_row(page, aliases, "live")).to_contain_text("1")
    expect(page.get_by_role("table", name="Versions")).to_contain_text("$LATEST")
    invocations = page.get_by_role("table", name="Invocations, newest first")
    expect(invocations.get_by_text("cold", exact=False).first).to_be_visible()
    expect(invocations.get_by_text("warm", exact=True).first).to_be_visible()
    invocations.locator("summary").first.click()
    expect(invocations.locator("pre").first).to_contain_text("START RequestId:")
    expect(invocations.locator("pre").first).to_contain_text("REPORT RequestId:")
    traces = page.get_by_role("table", name="Traces (X-Ray), newest first")
    expect(traces).to_be_visible()
    traces.locator("summary").first.click()
    expect(page.locator("table.waterfall")).to_contain_text("console-items")


def _json_logged_function(page: Any, expect: Any) -> None:
    """Cold and warm read from Lambda's JSON log format in the function's own group."""
    _go(page, "Functions")
    page.get_by_role("link", name="console-json").click()
    expect(page.get_by_text("console-json-logs (JSON)")).to_be_visible()
    expect(page.get_by_test_id("invocation-count")).to_have_text("2")
    invocations = page.get_by_role("table", name="Invocations, newest first")
    expect(invocations.locator("tbody tr").nth(0)).to_contain_text("warm")
    expect(invocations.locator("tbody tr").nth(1)).to_contain_text("cold (init")
    invocations.locator("summary").first.click()
    expect(invocations.locator("pre").first).to_contain_text("pong 1")


def _metrics(page: Any, expect: Any, load: Load) -> None:
    """The issue's check: Prometheus, GetMetricStatistics and the console agree."""
    base = load.lamina.base
    _go(page, "Metrics")
    page.get_by_label("Namespace").select_option("AWS/Lambda")
    shown = page.locator(
        '[data-metric="Invocations"][data-dimensions="FunctionName=console-items"]'
    )
    expect(shown).to_have_text(str(load.invocations))
    statistics = _statistics_sum(base, "AWS/Lambda", "Invocations", FunctionName="console-items")
    prometheus = _prometheus_sum(base, "AWS_Lambda_Invocations", FunctionName="console-items")
    assert (statistics, prometheus) == (load.invocations, load.invocations)

    page.get_by_label("Namespace").select_option("AWS/ApiGateway")
    count = page.locator(
        '[data-metric="Count"][data-dimensions="ApiName=console-items, Stage=prod"]'
    )
    expect(count).to_have_text(str(load.requests))
    errors = page.locator(
        '[data-metric="4XXError"][data-dimensions="ApiName=console-items, Stage=prod"]'
    )
    expect(errors).to_have_text("1")
    dims = {"ApiName": "console-items", "Stage": "prod"}
    assert _statistics_sum(base, "AWS/ApiGateway", "Count", **dims) == load.requests
    assert _prometheus_sum(base, "AWS_ApiGateway_Count", **dims) == load.requests
    expect(page.get_by_role("img", name="AWS/ApiGateway Latency: 4 series")).to_be_visible()


def _dashboards(page: Any, expect: Any, load: Load) -> None:
    _go(page, "Dashboards")
    expect(page.get_by_role("heading", name="Dashboards")).to_be_focused()  # after navigating
    page.get_by_role("link", name="console-items").click()
    calls = page.locator('[data-series="Invocations console-items"]')
    expect(calls).to_have_text(str(load.invocations))
    expect(page.locator('[data-series="Errors console-items"]')).to_have_text("0")
    expect(page.locator("main pre")).to_contain_text("What the API does.")


def _live_log(page: Any, expect: Any, load: Load) -> None:
    _go(page, "Live log")
    page.get_by_label("Log group").select_option("console-api-access")
    log = page.get_by_role("table", name="Newest first")
    expect(log).to_contain_text("PUT /items/{id} 201")  # the last 15 minutes, filtered
    status = page.get_by_role("status")
    expect(status).to_contain_text("Live (StartLiveTail)", timeout=15_000)
    # A request made now reaches the page through the live tail session.
    fresh = httpx.get(f"{load.lamina.base}/prod/items", headers={"x-api-key": KEY}, timeout=30)
    expect(log).to_contain_text(fresh.headers["x-amzn-requestid"], timeout=15_000)
    page.get_by_label("Filter pattern").fill("GET")
    page.get_by_role("button", name="Apply").click()
    expect(log).to_contain_text("GET /items 200")
    expect(log).not_to_contain_text("PUT /items")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Resume")).to_have_attribute("aria-pressed", "true")
    expect(status).to_contain_text("Paused")


def _tables(page: Any, expect: Any) -> None:
    _go(page, "Tables")
    page.get_by_role("link", name="console-items").click()
    expect(page.get_by_role("table", name=f"{PUTS} items")).to_be_visible()
    page.get_by_label("Partition key pk =").fill("item")
    page.get_by_label("Sort key sk").select_option("begins_with")
    page.get_by_label("Value", exact=True).fill("item3")
    page.get_by_role("button", name="Query").click()
    found = page.get_by_role("table", name="1 items")
    expect(found).to_contain_text("item3")


def _buckets(page: Any, expect: Any, load: Load, tmp_path: Path) -> None:
    _go(page, "Buckets")
    page.get_by_role("link", name="console-uploads").click()
    page.get_by_label("File").set_input_files(
        files=[{"name": "hello.txt", "mimeType": "text/plain", "buffer": b"hello console"}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status")).to_have_text("Uploaded hello.txt.")
    expect(page.get_by_role("table", name="Objects")).to_contain_text("hello.txt")
    stored = aws_client(load.lamina.base, "s3").get_object(
        Bucket="console-uploads", Key="hello.txt"
    )
    assert stored["Body"].read() == b"hello console"
    with page.expect_download() as download:
        page.get_by_role("button", name="Download hello.txt").click()
    saved = tmp_path / "downloaded.txt"
    download.value.save_as(saved)
    assert saved.read_bytes() == b"hello console"


def _secrets(page: Any, expect: Any) -> None:
    _go(page, "Secrets")
    expect(page.get_by_role("heading", name="console/api-token")).to_be_visible()
    assert SECRET_VALUE not in page.content()
    show = page.get_by_role("button", name="Show value of console/api-token", exact=False)
    show.click()
    expect(page.locator("main pre")).to_contain_text(SECRET_VALUE)
    page.get_by_role("button", name="Hide value of console/api-token", exact=False).click()
    assert SECRET_VALUE not in page.content()


def _pools(page: Any, expect: Any, load: Load) -> None:
    _go(page, "User pools")
    users = page.get_by_role("table", name="Users")
    expect(users).to_contain_text(load.email)
    expect(users).to_contain_text("UNCONFIRMED")
    expect(page.get_by_role("table", name="Groups")).to_contain_text(load.email)
    outbox = page.get_by_role("table", name="Messages, newest last")
    sent = httpx.get(f"{load.lamina.base}/_lamina/cognito/outbox", timeout=30).json()
    code = sent["messages"][-1]
    expect(outbox).to_contain_text(code["code"])


def _accepts_unknown_keys(base: str) -> bool:
    sts = boto3.client(
        "sts",
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="AKIAMADEUPBYTHETEST",
        aws_secret_access_key="not-a-real-secret",
        verify=False,
    )
    try:
        sts.get_caller_identity()
    except ClientError:
        return False
    return True


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # no packet is sent
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_console_over_tls_asks_for_a_sign_in_and_embeds_no_credential(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    lamina = LaminaProcess(APP, "--tls", "--no-watch")
    base = lamina.base.replace("http://", "https://")
    try:
        served = httpx.get(f"{base}/_lamina/console", verify=False, timeout=30)
        assert served.status_code == 200
        assert "secretAccessKey" not in served.text and '"signIn":true' in served.text
        with sync_playwright() as playwright:
            chromium = Browser(playwright, ignore_https_errors=True)
            page = chromium.page
            try:
                page.goto(f"{base}/_lamina/console#/secrets")
                expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
                expect(page.get_by_role("navigation", name="Console pages")).to_be_hidden()
                page.screenshot(path=tmp_path / "sign-in.png")
                page.get_by_label("Access key ID").fill("test")
                page.get_by_label("Secret access key").fill("wrong")
                page.get_by_role("button", name="Sign in").click()
                expect(page.get_by_role("status")).to_contain_text("SignatureDoesNotMatch")
                page.get_by_label("Secret access key").fill("test")
                page.get_by_role("button", name="Sign in").click()
                expect(page.get_by_text(f"Signed in as {ROOT}")).to_be_visible()
                expect(page.get_by_role("heading", name="console/api-token")).to_be_visible()
                page.get_by_role("button", name="Sign out").click()
                expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
                # The template's admin user, its key pair as the banner prints it.
                admin = re.search(r":user/console-admin\s+(\S+)\s+(\S+)", lamina.output())
                assert admin is not None, lamina.output()
                page.get_by_label("Access key ID").fill(admin.group(1))
                page.get_by_label("Secret access key").fill(admin.group(2))
                page.get_by_role("button", name="Sign in").click()
                user = "arn:aws:iam::123456789012:user/console-admin"
                expect(page.get_by_text(f"Signed in as {user}")).to_be_visible()
                # The page warns exactly when a made-up key pair is accepted.
                warning = page.get_by_role("alert").filter(has_text="keys it does not know")
                if _accepts_unknown_keys(base):
                    expect(warning).to_be_visible()
                else:
                    page.wait_for_timeout(1000)
                    expect(warning).to_have_count(0)
                page.screenshot(path=tmp_path / "signed-in.png")
                _go(page, "Secrets")
                expect(page.get_by_role("heading", name="console/api-token")).to_be_visible()
                page.reload()  # the pair stays for this tab's session
                expect(page.get_by_text(f"Signed in as {user}")).to_be_visible()
            finally:
                chromium.close()
        # Only the refused sign-in's answer (403) may have been logged.
        assert all("403" in error for error in chromium.errors), chromium.errors
    finally:
        lamina.stop()


def test_console_on_a_network_address_asks_for_a_sign_in_and_metrics_stay_local() -> None:
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    lamina = LaminaProcess(APP, "--host", "0.0.0.0", "--metrics-loopback-only", "--no-watch")
    try:
        page = httpx.get(f"{lamina.base}/_lamina/console", timeout=30)
        assert '"signIn":true' in page.text and "secretAccessKey" not in page.text
        assert page.headers["cache-control"] == "no-store"
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert httpx.get(f"{lamina.base}/_lamina/metrics", timeout=30).status_code == 200
        remote = httpx.get(f"http://{address}:{lamina.port}/_lamina/metrics", timeout=30)
        assert remote.status_code == 403
    finally:
        lamina.stop()


def test_console_on_loopback_is_told_the_local_root_credential_and_serves_its_files() -> None:
    lamina = LaminaProcess(APP, "--no-watch")
    try:
        assert f"Console: {lamina.base}/_lamina/console" in lamina.output()  # the banner
        page = httpx.get(f"{lamina.base}/_lamina/console", timeout=30)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert '"signIn":false' in page.text and '"accessKeyId":"test"' in page.text
        script = httpx.get(f"{lamina.base}/_lamina/console/static/pages/functions.js", timeout=30)
        assert script.headers["content-type"].startswith("text/javascript")
        assert "export async function render" in script.text
        missing = httpx.get(f"{lamina.base}/_lamina/console/static/nope.js", timeout=30)
        assert missing.status_code == 404
        assert httpx.post(f"{lamina.base}/_lamina/console", timeout=30).status_code == 405
        started = time.perf_counter()
        httpx.get(f"{lamina.base}/_lamina/console", timeout=30)
        print(f"console page served in {(time.perf_counter() - started) * 1000:.1f} ms")
    finally:
        lamina.stop()


SIGNED = [
    # (service, method, path as sent, query as sent, headers, body)
    (
        "dynamodb",
        "POST",
        "/",
        "",
        {
            "content-type": "application/x-amz-json-1.0",
            "x-amz-target": "DynamoDB_20120810.ListTables",
        },
        "{}",
    ),
    ("lambda", "GET", "/2015-03-31/functions/console-items%3Alive/aliases", "", {}, ""),
    (
        "apigateway",
        "GET",
        "/usageplans/abc/usage",
        "startDate=2026-11-19&endDate=2026-11-25",
        {},
        "",
    ),
    (
        "s3",
        "GET",
        "/console-uploads",
        "list-type=2&prefix=dir%20one%2F%C3%BC&delimiter=%2F",
        {},
        "",
    ),
    ("s3", "PUT", "/console-uploads/dir%20one/na%C3%AFve%20%281%29.txt", "", {}, "hi there"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("service", "method", "path", "query", "headers", "body"), SIGNED)
def test_console_sigv4_signs_as_botocore_does(
    load: Load,
    service: str,
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    body: str,
) -> None:
    """The page's signer (sigv4.js) gives the signature botocore's SigV4Auth gives for the
    same request, time and key: the SDKs' signing, not just Lamina's verifier, agrees."""
    from botocore.auth import S3SigV4Auth, SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from playwright.sync_api import sync_playwright

    stamp = "20261125T120000Z"
    host = f"127.0.0.1:{load.lamina.port}"
    with sync_playwright() as playwright:
        chromium = Browser(playwright)
        try:
            chromium.page.goto(f"{load.lamina.base}/_lamina/health")  # a page of this origin
            signed = chromium.page.evaluate(
                """async ([service, method, path, query, headers, body]) => {
                    const { sign } = await import("/_lamina/console/static/sigv4.js");
                    return sign({ method, path, query, headers, body },
                        { accessKeyId: "test", secretAccessKey: "test" }, "us-east-1", service,
                        new Date("2026-11-25T12:00:00Z"));
                }""",
                [service, method, path, query, headers, body],
            )
        finally:
            chromium.close()
    request = AWSRequest(
        method=method,
        url=f"http://{host}{path}" + (f"?{query}" if query else ""),
        data=body.encode(),
        headers={**headers, "host": host, "X-Amz-Date": stamp},
    )
    if service == "s3":
        request.headers["X-Amz-Content-SHA256"] = signed["x-amz-content-sha256"]
    request.context["timestamp"] = stamp
    signer_class = S3SigV4Auth if service == "s3" else SigV4Auth
    signer = signer_class(Credentials("test", "test"), service, "us-east-1")
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    assert signed["authorization"].endswith(f"Signature={expected}"), canonical


def test_console_of_a_cluster_node_asks_for_a_sign_in(tmp_path: Path) -> None:
    from lamina.core.store_postgres import drop_schema

    schema = f"lamina_test_console_{uuid.uuid4().hex[:10]}"
    store = f"postgresql://postgres@127.0.0.1:5432/test?schema={schema}"
    lamina = LaminaProcess(APP, "--store", store, "--no-watch", state_dir=tmp_path / "node")
    try:
        page = httpx.get(f"{lamina.base}/_lamina/console", timeout=30)
        assert '"signIn":true' in page.text and "secretAccessKey" not in page.text
    finally:
        lamina.stop()
        drop_schema("postgresql://postgres@127.0.0.1:5432/test", schema)
