"""API keys, usage plans, quotas and throttling through real HTTP on `lamina up`, with the
in-process limiter and with two processes sharing one limit in the real Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import redis

from lamina.config.load import load_application
from tests.clients import aws_client
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "limits"
QUOTA_KEY = "quota-key-0123456789abcdef"
DISABLED_KEY = "disabled-key-0123456789abcdef"
REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="module")
def limits_app() -> Iterator[LaminaProcess]:
    lamina = LaminaProcess(APP)
    yield lamina
    lamina.stop()


@pytest.fixture(scope="module")
def sam_key() -> str:
    """The value Lamina derived for the key SAM generated (no Value in the template)."""
    (key,) = [key for key in load_application(APP).limits.api_keys if key.generated]
    return key.value


@pytest.fixture
def client(limits_app: LaminaProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=limits_app.base, timeout=20) as http:
        yield http


def _assert_forbidden(response: httpx.Response) -> None:
    assert response.status_code == 403
    assert response.content == b'{"message":"Forbidden"}'
    assert response.headers["x-amzn-errortype"] == "ForbiddenException"
    assert response.headers["content-type"] == "application/json"


def test_limits_banner_prints_the_generated_key(limits_app: LaminaProcess, sam_key: str) -> None:
    assert sam_key in limits_app.output()


def test_limits_missing_key_is_403_forbidden(client: httpx.Client) -> None:
    _assert_forbidden(client.get("/prod/keyed"))


def test_limits_wrong_key_is_403_forbidden(client: httpx.Client) -> None:
    _assert_forbidden(client.get("/prod/keyed", headers={"x-api-key": "not-a-key-0123456789"}))


def test_limits_disabled_key_is_403_forbidden(client: httpx.Client) -> None:
    _assert_forbidden(client.get("/prod/keyed", headers={"x-api-key": DISABLED_KEY}))


def test_limits_good_key_reaches_the_function_with_api_key_identity(
    client: httpx.Client, sam_key: str
) -> None:
    response = client.get("/prod/keyed", headers={"X-Api-Key": sam_key})
    assert response.status_code == 200
    identity = response.json()["requestContext"]["identity"]
    assert identity["apiKey"] == sam_key
    keys = {key.value: key.id for key in load_application(APP).limits.api_keys}
    assert identity["apiKeyId"] == keys[sam_key]


def test_limits_quota_exhausted_is_429_limit_exceeded(client: httpx.Client) -> None:
    headers = {"x-api-key": QUOTA_KEY}
    statuses = [client.get("/prod/keyed", headers=headers).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = client.get("/prod/keyed", headers=headers)
    assert response.status_code == 429
    assert response.content == b'{"message":"Limit Exceeded"}'
    assert response.headers["x-amzn-errortype"] == "LimitExceededException"
    # The template's QUOTA_EXCEEDED gateway response adds a header to AWS's default.
    assert response.headers["retry-after"] == "86400"


def test_limits_method_throttle_is_429_too_many_requests(client: httpx.Client) -> None:
    # MethodSettings: GET /throttled with a bucket of 2, refilled every 100 s.
    statuses = [client.get("/prod/throttled").status_code for _ in range(4)]
    assert statuses == [200, 200, 429, 429]
    response = client.get("/prod/throttled")
    assert response.status_code == 429
    assert response.content == b'{"message":"Too Many Requests"}'
    assert response.headers["x-amzn-errortype"] == "TooManyRequestsException"


def test_limits_http_api_default_route_throttle(client: httpx.Client) -> None:
    # DefaultRouteSettings: a bucket of 1, refilled every 100 s.
    statuses = [client.get("/http").status_code for _ in range(3)]
    assert statuses == [200, 429, 429]
    response = client.get("/http")
    assert (response.status_code, response.content) == (429, b'{"message":"Too Many Requests"}')
    assert "x-amzn-errortype" not in response.headers


def test_limits_quota_and_usage_survive_a_restart(tmp_path: Path) -> None:
    """In process, the quota counters and the usage GetUsage reads are kept in the state
    directory: a restart neither grants the quota again nor forgets the day's usage."""
    headers = {"x-api-key": QUOTA_KEY}
    first = LaminaProcess(APP, "--no-watch", state_dir=tmp_path)
    try:
        statuses = [httpx.get(f"{first.base}/prod/keyed", headers=headers).status_code]
        statuses.append(httpx.get(f"{first.base}/prod/keyed", headers=headers).status_code)
    finally:
        first.stop()
    assert statuses == [200, 200]
    second = LaminaProcess(APP, "--no-watch", state_dir=tmp_path)
    try:
        statuses = [
            httpx.get(f"{second.base}/prod/keyed", headers=headers).status_code for _ in range(2)
        ]
        apigw = aws_client(second.base, "apigateway")
        (plan,) = [p for p in apigw.get_usage_plans()["items"] if p["name"] == "small-quota"]
        today = datetime.now(UTC).date().isoformat()
        usage = apigw.get_usage(usagePlanId=plan["id"], startDate=today, endDate=today)
    finally:
        second.stop()
    assert statuses == [200, 429]  # a quota of 3 a day, across both runs
    (key,) = [key for key in load_application(APP).limits.api_keys if key.value == QUOTA_KEY]
    assert usage["items"][key.id] == [[3, 0]]


@pytest.fixture(scope="module")
def shared_pair() -> Iterator[tuple[LaminaProcess, LaminaProcess]]:
    """Two `lamina up` processes keeping their limits in one Redis, under a prefix of
    this run's own."""
    prefix = f"lamina-test:{uuid.uuid4().hex}:"
    url = f"{REDIS}?key_prefix={prefix}"
    one = LaminaProcess(APP, "--limits", url)
    two = LaminaProcess(APP, "--limits", url)
    yield one, two
    one.stop()
    two.stop()
    raw = redis.Redis.from_url(REDIS)
    for key in raw.scan_iter(match=prefix + "*"):
        raw.delete(key)
    raw.close()


def test_limits_two_processes_share_one_quota_in_redis(
    shared_pair: tuple[LaminaProcess, LaminaProcess],
) -> None:
    headers = {"x-api-key": QUOTA_KEY}
    statuses = [
        httpx.get(f"{lamina.base}/prod/keyed", headers=headers, timeout=20).status_code
        for lamina in (*shared_pair, *shared_pair)
    ]
    assert statuses == [200, 200, 200, 429]  # a quota of 3 across both processes


def test_limits_two_processes_share_one_bucket_in_redis(
    shared_pair: tuple[LaminaProcess, LaminaProcess],
) -> None:
    one, two = shared_pair
    statuses = [
        httpx.get(f"{lamina.base}/prod/throttled", timeout=20).status_code
        for lamina in (one, two, one, two)
    ]
    # One bucket of 2 for both processes: the third and fourth requests find it empty.
    assert statuses == [200, 200, 429, 429]


def test_limits_unreachable_redis_refuses_to_start() -> None:
    with pytest.raises(RuntimeError, match="--limits"):
        LaminaProcess(APP, "--limits", "redis://127.0.0.1:1/0")


@pytest.fixture(scope="module")
def authorizer_app() -> Iterator[LaminaProcess]:
    lamina = LaminaProcess(APP / "authorizer")
    yield lamina
    lamina.stop()


def test_limits_authorizer_key_source_meters_the_usage_identifier_key(
    authorizer_app: LaminaProcess,
) -> None:
    """ApiKeySourceType AUTHORIZER: the key is the authorizer's usageIdentifierKey (here
    the token itself); an x-api-key header alone is not enough."""
    (key,) = load_application(APP / "authorizer").limits.api_keys
    url = f"{authorizer_app.base}/prod/keyed"
    headers = {"Authorization": "not-a-key", "x-api-key": key.value}
    wrong = httpx.get(url, headers=headers, timeout=20)
    _assert_forbidden(wrong)
    first = httpx.get(url, headers={"Authorization": key.value}, timeout=20)
    assert first.status_code == 200
    identity = first.json()["requestContext"]["identity"]
    assert (identity["apiKey"], identity["apiKeyId"]) == (key.value, key.id)
    assert httpx.get(url, headers={"Authorization": key.value}, timeout=20).status_code == 200
    third = httpx.get(url, headers={"Authorization": key.value}, timeout=20)
    assert (third.status_code, third.content) == (429, b'{"message":"Limit Exceeded"}')


def test_limits_method_throttle_answers_before_the_authorizer_runs(
    authorizer_app: LaminaProcess,
) -> None:
    """A method's bucket is taken before authorization: once it is empty the answer is 429
    whatever the credentials, and the Lambda authorizer is not invoked (an AWS expert on
    re:Post: resource/method rate limits do not need the authorizer invoked)."""
    url = f"{authorizer_app.base}/prod/throttled"
    first = httpx.get(url, timeout=20)  # the bucket's one token, then no token: 401
    assert (first.status_code, first.content) == (401, b'{"message":"Unauthorized"}')
    second = httpx.get(url, timeout=20)
    assert (second.status_code, second.content) == (429, b'{"message":"Too Many Requests"}')
    third = httpx.get(url, headers={"Authorization": "any-token"}, timeout=20)
    assert third.status_code == 429
