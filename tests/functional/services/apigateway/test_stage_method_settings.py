"""GetStage of a template stage shows its MethodSettings (throttling, caching, logging,
metrics) keyed `{resourcePath}/{httpMethod}`, `*/*` for every method.
https://docs.aws.amazon.com/apigateway/latest/api/API_MethodSetting.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.clients import aws_client
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "templates" / "method_settings"


@pytest.fixture(scope="module")
def stage() -> Iterator[dict[str, Any]]:
    process = LaminaProcess(APP, "--no-watch")
    try:
        apigw: Any = aws_client(process.base, "apigateway")
        (api,) = apigw.get_rest_apis()["items"]
        yield apigw.get_stage(restApiId=api["id"], stageName="prod")
    finally:
        process.stop()


def test_get_stage_method_settings_for_every_method(stage: dict[str, Any]) -> None:
    every = stage["methodSettings"]["*/*"]
    assert every["throttlingBurstLimit"] == 20
    assert every["throttlingRateLimit"] == 10.0
    assert every["loggingLevel"] == "ERROR"
    assert every["metricsEnabled"] is True
    assert every["dataTraceEnabled"] is False
    assert every["cachingEnabled"] is False


def test_get_stage_method_settings_for_one_method(stage: dict[str, Any]) -> None:
    one = stage["methodSettings"]["~1items~1{id}/GET"]
    assert one["throttlingBurstLimit"] == 5
    assert one["throttlingRateLimit"] == 2.5
    assert one["cachingEnabled"] is True
    assert one["cacheTtlInSeconds"] == 60
    assert one["cacheDataEncrypted"] is False
    assert one["loggingLevel"] == "INFO"
    assert one["dataTraceEnabled"] is True
    assert one["metricsEnabled"] is False
    assert one["requireAuthorizationForCacheControl"] is True
    assert one["unauthorizedCacheControlHeaderStrategy"] == "SUCCEED_WITH_RESPONSE_HEADER"
    assert set(stage["methodSettings"]) == {"*/*", "~1items~1{id}/GET"}
