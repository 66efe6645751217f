"""The records the deployment side of the REST API management API keeps in the Store:
deployments (with the frozen snapshot of the API beside each), stages, API keys, usage
plans and their keys, domain names and base path mappings.

Records carry AWS's member names on the wire (GetStage, GetDeployment, GetApiKey ... output
shapes), so rendering one is dropping the internal members and turning epoch seconds into
datetimes.

    kind                          key
    apigw/deployments             {restApiId}/{deploymentId}
    apigw/deployment-snapshots    {restApiId}/{deploymentId}   (JSON, the snapshot.py dict)
    apigw/stages                  {restApiId}/{stageName}
    apigw/apikeys                 {id}
    apigw/usageplans              {id}
    apigw/usageplankeys           {usagePlanId}/{keyId}
    apigw/domainnames             {domainName}                 (old stores only)
    apigw/basepathmappings        {domainName}/{basePath}      (old stores only)

Domain names and base path mappings now live in the records both management APIs share
(domain_store.py); the two old kinds are read once, by domain_store.migrate_legacy.

DeleteRestApi deletes every `apigw/` record keyed "{restApiId}/...": an API's deployments,
snapshots and stages go with it; keys of the other kinds never start with an API id
(plan ids are 6 characters, API ids 10, domain names have dots).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
import orjson

from lamina.core.store import Collection, Reader, Store, Transaction
from lamina.services.apigateway.records import Record

DEPLOYMENTS = "apigw/deployments"
SNAPSHOTS = "apigw/deployment-snapshots"
STAGES = "apigw/stages"
API_KEYS = "apigw/apikeys"
USAGE_PLANS = "apigw/usageplans"
PLAN_KEYS = "apigw/usageplankeys"
DOMAINS = "apigw/domainnames"
MAPPINGS = "apigw/basepathmappings"

EVERYTHING = ""
"""What on_change is told when a change is not about one API (keys, plans, domains)."""

_TIMESTAMPS = frozenset({"createdDate", "lastUpdatedDate", "certificateUploadDate"})


class Shown(Record, omit_defaults=False):
    """A record whose default-valued members are part of the output (AWS reports
    `enabled: false`, `tracingEnabled: false` ...); None members are still left out."""


class CanarySettings(Shown):
    percent_traffic: float = 0.0
    deployment_id: str | None = None
    stage_variable_overrides: dict[str, str] | None = None
    use_stage_cache: bool = False


class MethodSetting(Shown):
    """One methodSettings entry, with the defaults AWS reports for settings not set.
    https://docs.aws.amazon.com/apigateway/latest/api/API_MethodSetting.html"""

    metrics_enabled: bool = False
    logging_level: str | None = None
    data_trace_enabled: bool = False
    throttling_burst_limit: int = 5000
    throttling_rate_limit: float = 10000.0
    caching_enabled: bool = False
    cache_ttl_in_seconds: int = 300
    cache_data_encrypted: bool = False
    require_authorization_for_cache_control: bool = True
    unauthorized_cache_control_header_strategy: str = "SUCCEED_WITH_RESPONSE_HEADER"


class AccessLogSettings(Shown):
    format: str | None = None
    destination_arn: str | None = None


class Stage(Shown):
    rest_api_id: str
    stage_name: str
    deployment_id: str
    created_date: float
    last_updated_date: float
    description: str | None = None
    client_certificate_id: str | None = None
    cache_cluster_enabled: bool = False
    cache_cluster_size: str | None = None
    cache_cluster_status: str = "NOT_AVAILABLE"
    method_settings: dict[str, MethodSetting] = msgspec.field(default_factory=dict)
    variables: dict[str, str] | None = None
    documentation_version: str | None = None
    access_log_settings: AccessLogSettings | None = None
    canary_settings: CanarySettings | None = None
    tracing_enabled: bool = False
    web_acl_arn: str | None = None
    tags: dict[str, str] | None = None


class Deployment(Shown):
    rest_api_id: str
    id: str
    created_date: float
    description: str | None = None
    api_summary: dict[str, dict[str, dict[str, Any]]] = msgspec.field(default_factory=dict)


class ApiKey(Shown):
    id: str
    value: str
    created_date: float
    last_updated_date: float
    name: str | None = None
    customer_id: str | None = None
    description: str | None = None
    enabled: bool = False
    stage_keys: list[str] = msgspec.field(default_factory=list)
    tags: dict[str, str] | None = None


class ThrottleSettings(Shown):
    burst_limit: int | None = None
    rate_limit: float | None = None


class QuotaSettings(Shown):
    limit: int | None = None
    offset: int | None = None
    period: str | None = None


class ApiStage(Shown):
    api_id: str
    stage: str
    throttle: dict[str, ThrottleSettings] | None = None


class UsagePlan(Shown):
    id: str
    name: str
    description: str | None = None
    api_stages: list[ApiStage] = msgspec.field(default_factory=list)
    throttle: ThrottleSettings | None = None
    quota: QuotaSettings | None = None
    product_code: str | None = None
    tags: dict[str, str] | None = None


class UsagePlanKey(Shown):
    usage_plan_id: str
    key_id: str
    key_type: str


class EndpointConfiguration(Shown):
    types: list[str] = msgspec.field(default_factory=list)
    ip_address_type: str | None = None


class DomainName(Shown):
    domain_name: str
    endpoint_configuration: EndpointConfiguration
    domain_name_id: str | None = None
    domain_name_arn: str | None = None
    certificate_name: str | None = None
    certificate_arn: str | None = None
    certificate_upload_date: float | None = None
    regional_domain_name: str | None = None
    regional_hosted_zone_id: str | None = None
    regional_certificate_name: str | None = None
    regional_certificate_arn: str | None = None
    distribution_domain_name: str | None = None
    distribution_hosted_zone_id: str | None = None
    domain_name_status: str = "AVAILABLE"
    security_policy: str = "TLS_1_2"
    tags: dict[str, str] | None = None


class BasePathMapping(Shown):
    domain_name: str
    base_path: str
    rest_api_id: str
    stage: str | None = None


class Records:
    """Typed collections of every kind above, over one store."""

    __slots__ = (
        "api_keys",
        "deployments",
        "domains",
        "mappings",
        "plan_keys",
        "stages",
        "store",
        "usage_plans",
    )

    def __init__(self, store: Store) -> None:
        self.store = store
        self.deployments = Collection(store, DEPLOYMENTS, Deployment)
        self.stages = Collection(store, STAGES, Stage)
        self.api_keys = Collection(store, API_KEYS, ApiKey)
        self.usage_plans = Collection(store, USAGE_PLANS, UsagePlan)
        self.plan_keys = Collection(store, PLAN_KEYS, UsagePlanKey)
        self.domains = Collection(store, DOMAINS, DomainName)
        self.mappings = Collection(store, MAPPINGS, BasePathMapping)

    def snapshot(self, rest_api_id: str, deployment_id: str, tx: Reader | None = None) -> Any:
        """The API as `deployment_id` froze it (snapshot.py's dict)."""
        raw = (tx or self.store).get(SNAPSHOTS, f"{rest_api_id}/{deployment_id}")
        return None if raw is None else orjson.loads(raw)

    def put_snapshot(
        self, rest_api_id: str, deployment_id: str, snapshot: Any, tx: Transaction
    ) -> None:
        tx.put(SNAPSHOTS, f"{rest_api_id}/{deployment_id}", orjson.dumps(snapshot))


def render(record: msgspec.Struct, *internal: str) -> dict[str, Any]:
    """A record as the operation's output: AWS members only, timestamps as datetimes."""
    out: dict[str, Any] = {
        name: value for name, value in msgspec.to_builtins(record).items() if value is not None
    }
    for name in internal:
        out.pop(name, None)
    for name in _TIMESTAMPS & out.keys():
        out[name] = datetime.fromtimestamp(out[name], UTC)
    return out
