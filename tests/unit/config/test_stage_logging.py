"""Template MethodSettings' logging and metrics: rendered into GetStage records with the
throttling and caching of the same key, and compiled back from them."""

from __future__ import annotations

from pathlib import Path

from lamina.config.apigateway_compile import compile_rest_api
from lamina.config.apigateway_render import render_rest_api
from lamina.config.load import load_application
from lamina.gateway.cache.policy import method_setting
from lamina.gateway.model import MethodLogSetting
from tests.conftest import FIXTURES

REGION = "us-east-1"
ACCOUNT = "123456789012"
APP = FIXTURES / "templates" / "method_settings"


def test_method_settings_template_logging_reaches_the_stage_in_key_order() -> None:
    (api,) = load_application(APP, region=REGION, account_id=ACCOUNT).rest_apis
    (stage,) = api.stages
    assert stage.method_logs == (
        MethodLogSetting(
            resource_path="*", http_method="*", logging_level="ERROR", metrics_enabled=True
        ),
        MethodLogSetting(
            resource_path="/items/{id}",
            http_method="GET",
            logging_level="INFO",
            data_trace_enabled=True,
        ),
    )


def test_method_settings_render_merges_throttling_caching_and_logging_per_key() -> None:
    app = load_application(APP, region=REGION, account_id=ACCOUNT)
    (api,) = app.rest_apis
    _, (record,) = render_rest_api(
        api, region=REGION, account_id=ACCOUNT, throttles=app.limits.stage_throttles
    )
    settings = record["methodSettings"]
    assert settings["*/*"] == {
        "metricsEnabled": True,
        "dataTraceEnabled": False,
        "loggingLevel": "ERROR",
        "throttlingBurstLimit": 20,
        "throttlingRateLimit": 10.0,
    }
    one = settings["~1items~1{id}/GET"]
    assert (one["cachingEnabled"], one["cacheTtlInSeconds"]) == (True, 60)
    assert (one["loggingLevel"], one["dataTraceEnabled"]) == ("INFO", True)
    assert (one["throttlingBurstLimit"], one["throttlingRateLimit"]) == (5, 2.5)


def test_method_settings_logging_round_trips_through_the_compiler() -> None:
    app = load_application(APP, region=REGION, account_id=ACCOUNT)
    (api,) = app.rest_apis
    snapshot, records = render_rest_api(
        api, region=REGION, account_id=ACCOUNT, throttles=app.limits.stage_throttles
    )
    back = compile_rest_api(
        snapshot,
        [(record, snapshot, None) for record in records],
        region=REGION,
        account_id=ACCOUNT,
        logical_id=api.logical_id,
    )
    assert back.stages[0].method_logs == api.stages[0].method_logs
    # Every entry of the record decides caching for its key (cachingEnabled defaults to
    # false), so the logging-only `*/*` comes back as a caching-off entry too.
    enabled = [s for s in back.stages[0].method_cache if s.caching_enabled]
    assert enabled == [s for s in api.stages[0].method_cache if s.caching_enabled]


def test_method_settings_throttle_only_entry_keeps_the_stage_wide_caching(tmp_path: Path) -> None:
    """`*/*` caches; GET /items and POST /items set throttling only: served from the records,
    GET /items stays cached and POST /items stays uncached, as from the template."""
    text = (APP / "template.yaml").read_text()
    text = text.replace(
        "        - ResourcePath: /*\n          HttpMethod: '*'\n",
        "        - ResourcePath: /*\n          HttpMethod: '*'\n          CachingEnabled: true\n"
        "        - ResourcePath: /~1items~1{id}\n"
        "          HttpMethod: POST\n"
        "          ThrottlingRateLimit: 1\n",
    ).replace("          CachingEnabled: true\n          CacheTtlInSeconds: 60\n", "")
    (tmp_path / "template.yaml").write_text(text)
    app = load_application(tmp_path, region=REGION, account_id=ACCOUNT)
    (api,) = app.rest_apis
    snapshot, records = render_rest_api(
        api, region=REGION, account_id=ACCOUNT, throttles=app.limits.stage_throttles
    )
    settings = records[0]["methodSettings"]
    assert settings["~1items~1{id}/GET"]["cachingEnabled"] is True
    assert settings["~1items~1{id}/POST"]["cachingEnabled"] is False
    back = compile_rest_api(
        snapshot,
        [(record, snapshot, None) for record in records],
        region=REGION,
        account_id=ACCOUNT,
        logical_id=api.logical_id,
    )
    stage = back.stages[0]
    get = method_setting(stage, "/items/{id}", "GET")
    assert get is not None and get.caching_enabled
    post = method_setting(stage, "/items/{id}", "POST")
    assert post is not None and not post.caching_enabled
