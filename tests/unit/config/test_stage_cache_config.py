"""Stage cache settings from templates (CloudFormation, SAM) and stage records into the
gateway model, and back through render -> compile."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from lamina.config.apigateway_compile import compile_rest_api
from lamina.config.apigateway_render import render_rest_api
from lamina.config.error import ConfigError
from lamina.config.load import load_application
from lamina.config.stage_cache import cache_keys, record_stage_cache
from lamina.gateway.model import MethodCacheSetting, RestApi
from tests.conftest import FIXTURES

REGION = "us-east-1"
ACCOUNT = "123456789012"


def _api(folder: str) -> RestApi:
    (api,) = load_application(FIXTURES / folder, region=REGION, account_id=ACCOUNT).rest_apis
    return api


def test_cloudformation_stage_and_deployment_cache_settings() -> None:
    api = _api("templates/cfn_stage_cache")
    dev, prod = api.stages
    assert (dev.name, dev.cache_cluster_enabled, dev.cache_cluster_size) == ("dev", True, "1.6")
    # StageDescription's own Caching* are the stage-wide `*/*` setting.
    assert dev.method_cache == (
        MethodCacheSetting(
            resource_path="*", http_method="*", caching_enabled=True, ttl_seconds=120
        ),
        MethodCacheSetting(
            resource_path="/pets/{petId}",
            http_method="GET",
            caching_enabled=True,
            ttl_seconds=30,
            data_encrypted=True,
        ),
    )
    assert (prod.cache_cluster_enabled, prod.cache_cluster_size) == (True, None)
    assert [s.caching_enabled for s in prod.method_cache] == [True, False]


def test_cloudformation_cache_key_parameters_resolve_integration_parameters() -> None:
    (resource,) = [r for r in _api("templates/cfn_stage_cache").resources if r.methods]
    method = resource.methods["GET"]
    assert method.cache_key_parameters == (
        "method.request.path.petId",
        "method.request.header.Accept-Language",
    )
    assert method.cache_namespace == "pets"


def test_sam_request_parameter_caching_becomes_a_cache_key() -> None:
    api = _api("apps/cache")
    (items,) = [r for r in api.resources if r.path == "/items"]
    assert items.methods["GET"].cache_key_parameters == ("method.request.querystring.type",)
    (prod,) = [stage for stage in api.stages if stage.name == "Prod"]
    assert prod.cache_cluster_enabled and prod.cache_cluster_size == "0.5"


@pytest.mark.parametrize("folder", ["templates/cfn_stage_cache", "apps/cache"])
def test_render_then_compile_gives_the_cache_settings_back(folder: str) -> None:
    api = _api(folder)
    snapshot, stages = render_rest_api(api, region=REGION, account_id=ACCOUNT)
    back = compile_rest_api(
        snapshot,
        [(stage, snapshot, None) for stage in stages],
        region=REGION,
        account_id=ACCOUNT,
        logical_id=api.logical_id,
    )
    assert [r.methods for r in back.resources] == [r.methods for r in api.resources]
    for given, compiled in zip(api.stages, back.stages, strict=True):
        assert compiled.method_cache == given.method_cache
        assert compiled.cache_cluster_enabled == given.cache_cluster_enabled
        assert compiled.cache_cluster_size == given.cache_cluster_size


def test_stage_record_method_settings_keys_and_values() -> None:
    fields = record_stage_cache(
        {
            "cacheClusterEnabled": True,
            "cacheClusterSize": "6.1",
            "methodSettings": {
                "*/*": {"cachingEnabled": True, "cacheTtlInSeconds": 60},
                "~1pets~1{id}/POST": {
                    "cachingEnabled": True,
                    "requireAuthorizationForCacheControl": False,
                    "unauthorizedCacheControlHeaderStrategy": "FAIL_WITH_403",
                    "throttlingRateLimit": 10.0,
                },
                # A stored value AWS would refuse must not stop the API being served.
                "~1x/GET": {
                    "cacheTtlInSeconds": 99999,
                    "unauthorizedCacheControlHeaderStrategy": "?",
                },
            },
        }
    )
    everything, pets, clamped = fields["method_cache"]
    assert (fields["cache_cluster_enabled"], fields["cache_cluster_size"]) == (True, "6.1")
    assert (everything.resource_path, everything.http_method, everything.ttl_seconds) == (
        "*",
        "*",
        60,
    )
    assert (pets.resource_path, pets.http_method) == ("/pets/{id}", "POST")
    assert not pets.require_authorization_for_cache_control
    assert pets.unauthorized_strategy == "FAIL_WITH_403"
    assert (clamped.ttl_seconds, clamped.unauthorized_strategy) == (
        3600,
        "SUCCEED_WITH_RESPONSE_HEADER",
    )


def test_template_ttl_over_an_hour_is_refused(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Api:\n"
        "    Type: AWS::Serverless::Api\n"
        "    Properties:\n"
        "      StageName: Prod\n"
        "      CacheClusterEnabled: true\n"
        "      MethodSettings:\n"
        "        - {ResourcePath: '/*', HttpMethod: '*', CachingEnabled: true,"
        " CacheTtlInSeconds: 3601}\n"
    )
    with pytest.raises(ConfigError, match="between 0 and 3600"):
        load_application(tmp_path, region=REGION, account_id=ACCOUNT)


def test_cache_keys_of_an_integration_record() -> None:
    integration = {
        "cacheKeyParameters": [
            "method.request.querystring.type",
            "integration.request.header.x-lang",
            "integration.request.querystring.fixed",
        ],
        "requestParameters": {
            "integration.request.header.x-lang": "method.request.header.Accept-Language",
            "integration.request.querystring.fixed": "'v1'",
        },
        "cacheNamespace": "abc123",
    }
    assert cache_keys(integration) == (
        ("method.request.querystring.type", "method.request.header.Accept-Language", "'v1'"),
        "abc123",
    )
    assert msgspec.json.encode(cache_keys({})) == b"[[],null]"
