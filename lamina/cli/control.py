"""ControlPlane: what the gateway serves, rebuilt from the control plane's records.

    lamina up / reload ──adopt──▶ apigateway records ◀── apigateway API (boto3, aws CLI)
                                        │
             on_change (after a commit) ▼
               read every record in one transaction; compile each API whose records
               changed (its stages serving their deployments' snapshots, canaries
               included), usage plans and keys, stage throttles, domains
                                        │
                                        ▼
                         Gateway.deploy(Deployment): one atomic swap

The template's REST and HTTP APIs are adopted into the apigateway / apigatewayv2 records
(services/apigateway/adopt.py, services/apigatewayv2/adopt.py) and served from there like
any other, so a stage re-pointed or given a canary through the API serves that at once.
The template's keys, plans and domains are served from the template, with those made
through the apigateway API laid over them (config/apigateway_access.py).

Nodes sharing a PostgreSQL store follow a counter every change bumps (`announce_change`,
`follow`). A rebuild that fails leaves the previous deployment serving.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import msgspec

from lamina.aws.service import ServiceError
from lamina.config.apigateway_access import (
    compile_plans,
    http_stage_throttles,
    merge_domains,
    merge_limits,
    rest_stage_throttles,
)
from lamina.config.apigateway_compile import compile_rest_api
from lamina.config.apigateway_domains import compile_custom_domains
from lamina.config.apigateway_render import render_rest_api
from lamina.config.apigatewayv2_compile import compile_http_api
from lamina.config.apigatewayv2_render import render_http_api
from lamina.config.error import ConfigError
from lamina.config.model import Application
from lamina.core.store import Store, StoreError
from lamina.gateway.deployment import Deployment
from lamina.gateway.limits.model import AccessLimits, Throttle, render_limits
from lamina.gateway.model import HttpApi, RestApi
from lamina.gateway.waf.model import WebAcl
from lamina.services.apigateway.adopt import adopt, forget_removed, logical_id_of
from lamina.services.apigateway.domain_store import domain_table
from lamina.services.apigateway.provider import ApiGatewayProvider
from lamina.services.apigateway.records import RestApi as RestApiRecord
from lamina.services.apigateway.snapshot import snapshots
from lamina.services.apigateway.stages import DeployedStage, all_deployed_stages
from lamina.services.apigateway.usage_adopt import adopt_limits
from lamina.services.apigateway.usage_plans import plans_with_keys
from lamina.services.apigatewayv2.adopt import adopt as adopt_http
from lamina.services.apigatewayv2.adopt import forget_missing, template_logical_id
from lamina.services.apigatewayv2.provider import ApiGatewayV2Provider

log = logging.getLogger("lamina.cli")


GENERATION = ("control/generation", "gateway")
"""(kind, key) of a counter every change bumps: other nodes on the store follow it."""


def announce_change(store: Store) -> int:
    """Bump the counter the nodes sharing `store` follow, so they rebuild: after every
    change, including those made with no ControlPlane running (`lamina delete` on a
    PostgreSQL store other nodes serve). The counter's new value."""
    with store.transaction() as tx:
        raw = tx.get(*GENERATION)
        generation = (int(raw) if raw else 0) + 1
        tx.put(*GENERATION, str(generation).encode())
    return generation


class ControlPlane:
    __slots__ = (
        "_adopting",
        "_compiled",
        "_deploy",
        "_seen",
        "_task",
        "account_throttle",
        "app",
        "http",
        "rest",
    )

    def __init__(
        self, app: Application, rest: ApiGatewayProvider, http: ApiGatewayV2Provider
    ) -> None:
        self.app = app
        self.rest = rest
        self.http = http
        self._deploy: Callable[[Deployment], None] | None = None
        self._adopting = False
        self._seen = self._generation()
        self._task: asyncio.Task[None] | None = None
        self._compiled = _CompiledApis()
        self.account_throttle: Throttle | None = None
        """`lamina up --account-throttle`: the account quota instead of the Region's."""

    def _limits(self, limits: AccessLimits) -> AccessLimits:
        if self.account_throttle is None:
            return limits
        return msgspec.structs.replace(limits, account=self.account_throttle)

    def serve_with(self, deploy: Callable[[Deployment], None]) -> None:
        """Swap the gateway's deployment with `deploy` whenever the records change."""
        self._deploy = deploy

    def changed(self, _api_id: str) -> None:
        """The management APIs' on_change (after their commit): recompile what changed and
        swap, and tell the other nodes sharing the store."""
        if self._deploy is None or self._adopting:
            return
        self._seen = announce_change(self.rest.store)
        self._rebuild()

    def _rebuild(self) -> None:
        """Swap in what the records say; when they cannot be served, keep serving the
        previous deployment. The change that led here is committed either way, so its
        caller (an API request, the follow loop) must not fail with it."""
        assert self._deploy is not None
        try:
            self._deploy(self.deployment())
        except ConfigError as error:  # a definition the data plane cannot serve
            log.error("not deployed: %s (still serving the previous deployment)", error)
        except StoreError:  # the database away: the caller reports it, or tries again
            raise
        except Exception:  # a record this Lamina cannot read (a newer node's, a damaged one)
            log.exception("not deployed (still serving the previous deployment)")

    def _generation(self) -> int:
        raw = self.rest.store.get(*GENERATION)
        return int(raw) if raw else 0

    async def follow(self, interval_s: float = 1.0) -> None:
        """Rebuild when another node changed the records (a cluster on one PostgreSQL
        store): one read of the counter a second; cancel() stops it."""

        async def run() -> None:
            while True:
                await asyncio.sleep(interval_s)
                before = self._seen
                try:
                    seen = self._generation()
                    if seen != self._seen and self._deploy is not None:
                        self._seen = seen
                        self._rebuild()
                except StoreError as error:  # the database away for a moment: next tick
                    self._seen = before
                    log.warning("cannot read the control plane's store: %s", error)

        self._task = asyncio.get_running_loop().create_task(run())

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def adopt(self, app: Application) -> None:
        """Write the template's APIs into the records (every `lamina up` and reload)."""
        self.app = app
        self._compiled.clear()
        self._adopting = True  # one swap after the whole template, not one per API
        try:
            self._adopt(app)
        finally:
            self._adopting = False

    def _adopt(self, app: Application) -> None:
        region, account, stack = app.region, app.account_id, app.stack_name
        for rest in app.rest_apis:
            snapshot_, stages = render_rest_api(
                rest, region=region, account_id=account, throttles=app.limits.stage_throttles
            )
            adopt(self.rest, snapshot_, stages, stack_name=stack, logical_id=rest.logical_id)
        forget_removed(self.rest, stack, {api.logical_id for api in app.rest_apis})
        try:
            adopt_limits(self.rest, *render_limits(app.limits), stack_name=stack)  # keys, plans
        except ServiceError as error:  # a template key's value another key has
            raise ConfigError(f"{error.code}: {error.message}") from error
        for http in app.http_apis:
            snapshot_, stages = render_http_api(http, region=region, account_id=account)
            adopt_http(self.http, snapshot_, stages, logical_id=http.logical_id, stack_name=stack)
        forget_missing(self.http, [api.id for api in app.http_apis], stack_name=stack)

    def redeploy(self, app: Application) -> None:
        """A reloaded template: adopt its APIs and swap in the result. Raises ConfigError
        when the result cannot be served, with the previous template's APIs adopted again,
        so the reload is reported as rolled back and records and service agree."""
        previous = self.app
        try:
            self.adopt(app)
            deployment = self.deployment()
        except ConfigError:
            self.adopt(previous)
            raise
        self._seen = announce_change(self.rest.store)
        if self._deploy is not None:
            self._deploy(deployment)

    def deployment(self) -> Deployment:
        """What the records say to serve. They are read in one transaction (a consistent
        view: an API deleted by another node mid-read is wholly there or wholly gone) and
        compiled after it ends; an API whose inputs did not change since the last call is
        not compiled again."""
        app = self.app
        store = self.rest.store
        with store.transaction() as tx:
            definitions = snapshots(self.rest, tx)
            deployed = all_deployed_stages(store, tx)
            rest_inputs = [
                (record, definitions[record.id], deployed.get(record.id, []))
                for record in self.rest.rest_apis.all("", tx)
            ]
            http_inputs = [
                (api_id, served, template_logical_id(self.http, api_id, tx))
                for api_id in self.http.api_ids(tx)
                if (served := self.http.served(api_id, tx)) is not None
            ]
            plans = plans_with_keys(store, tx)
            domains = domain_table(store, tx)
        rest_apis = self._compiled.rest(rest_inputs, app)
        http_apis = self._compiled.http(http_inputs, app)
        throttles = [
            throttle
            for record, _, stages in rest_inputs
            for throttle in rest_stage_throttles(record.id, [found.stage for found in stages])
        ]
        for api_id, (_, stages), _ in http_inputs:
            throttles += http_stage_throttles(api_id, [stage for stage, _ in stages])
        return Deployment(
            tuple(rest_apis),
            tuple(http_apis),
            account_id=app.account_id,
            region=app.region,
            limits=self._limits(
                merge_limits(_records_serve(app.limits), compile_plans(plans), throttles)
            ),
            domains=merge_domains(app.domains, compile_custom_domains(domains)),
            root_candidates={api.id for api in app.rest_apis} | {api.id for api in app.http_apis},
            vpc_endpoints=app.vpc_endpoints,
        )


def _records_serve(limits: AccessLimits) -> AccessLimits:
    """The template's limits without its keys and plans: adopt_limits wrote those into the
    records, which are what is served, so a key or plan the API deleted is not served from
    the template behind the records' back."""
    return msgspec.structs.replace(limits, api_keys=(), usage_plans=())


RestInput = tuple[RestApiRecord, dict[str, Any], list[DeployedStage]]
"""An API's record, its current definition's snapshot, its stages with their snapshots."""
HttpInput = tuple[
    str, tuple[dict[str, Any], list[tuple[dict[str, Any], dict[str, Any]]]], str | None
]
"""An HTTP API's id, what it serves (HttpApiState.served) and its template logical id."""


class _CompiledApis:
    """Each API's last compilation, keyed by everything it was compiled from: a change to
    one API (or a usage plan, a domain) recompiles that one, not all of them. Compiling is
    most of a rebuild's time (50 APIs of 20 methods: ~25 ms of ~30 ms)."""

    __slots__ = ("_http", "_rest")

    def __init__(self) -> None:
        self._rest: dict[str, tuple[bytes, RestApi]] = {}
        self._http: dict[str, tuple[bytes, HttpApi]] = {}

    def clear(self) -> None:
        """Forget every compilation (the template changed: its web ACLs may have)."""
        self._rest.clear()
        self._http.clear()

    def rest(self, inputs: list[RestInput], app: Application) -> list[RestApi]:
        acls = _web_acls(app)
        built: dict[str, tuple[bytes, RestApi]] = {}
        for record, definition, stages in inputs:
            logical_id = logical_id_of(record)
            key = _ENCODER.encode((definition, stages, logical_id))
            known = self._rest.get(record.id)
            if known is None or known[0] != key:
                api = compile_rest_api(
                    definition,
                    stages,
                    region=app.region,
                    account_id=app.account_id,
                    logical_id=logical_id,
                    web_acls=acls,
                )
                known = (key, api)
            built[record.id] = known
        self._rest = built
        return [api for _, api in built.values()]

    def http(self, inputs: list[HttpInput], app: Application) -> list[HttpApi]:
        built: dict[str, tuple[bytes, HttpApi]] = {}
        for api_id, (definition, stages), logical_id in inputs:
            key = _ENCODER.encode((definition, stages, logical_id))
            known = self._http.get(api_id)
            if known is None or known[0] != key:
                api = compile_http_api(
                    definition,
                    stages,
                    region=app.region,
                    account_id=app.account_id,
                    logical_id=logical_id,
                )
                known = (key, api)
            built[api_id] = known
        self._http = built
        return [api for _, api in built.values()]


_ENCODER = msgspec.msgpack.Encoder()


def _web_acls(app: Application) -> dict[str, WebAcl]:
    """The template's web ACLs by ARN (a stage's webAclArn names one)."""
    return {
        stage.web_acl.arn: stage.web_acl
        for api in app.rest_apis
        for stage in api.stages
        if stage.web_acl is not None
    }
