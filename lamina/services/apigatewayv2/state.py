"""Where an HTTP API's resources live in the Store, and what a deployment freezes.

Records are AWS-shaped dicts, members named as in botocore's `apigatewayv2` output shapes
(`ApiId`, `RouteKey`, `IntegrationUri` ...), timestamps as epoch seconds (the protocol
layer renders numbers in the shape's timestamp format). Kinds and keys:

    apigatewayv2/apis          {ApiId}                     GetApi output
    apigatewayv2/routes        {ApiId}/{RouteId}           GetRoute output
    apigatewayv2/integrations  {ApiId}/{IntegrationId}     GetIntegration output
    apigatewayv2/authorizers   {ApiId}/{AuthorizerId}      GetAuthorizer output
    apigatewayv2/stages        {ApiId}/{StageName}         GetStage output
    apigatewayv2/deployments   {ApiId}/{DeploymentId}      GetDeployment output + snapshot

Domain names and API mappings are shared with the REST API's management API
(services/apigateway/domain_store.py).

A *snapshot* is what a deployment freezes and what `config/apigatewayv2_compile` reads:

    {"api": GetApi output's ApiId, Name, ProtocolType, CorsConfiguration,
            DisableExecuteApiEndpoint, IpAddressType, Route/ApiKeySelectionExpression,
     "routes": [GetRoute output], "integrations": [GetIntegration output],
     "authorizers": [GetAuthorizer output]}

No timestamps inside, so two deployments of the same definition have equal snapshots.

Auto-deploy: a stage with AutoDeploy gets a new deployment of the current definition
whenever a route, integration, authorizer or the API's CORS changes, in the same
transaction as the change. https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html

`on_change(api_id)` runs after the commit of every change to what is served (deployments,
stages, auto-deploys, an API's deletion, domain names and API mappings of the API), so the
data plane can be rebuilt: `served(api_id)` (None once the API is deleted) goes to
`config.apigatewayv2_compile.compile_http_api(*served, ...)`.
"""

from __future__ import annotations

import random
import string
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import msgspec

from lamina.aws.paging import offset_page
from lamina.aws.service import ServiceError
from lamina.core.store import Collection, Reader, Store, Transaction

Data = dict[str, Any]

API_ID_LENGTH = 10
CHILD_ID_LENGTH = 7
DEPLOYMENT_ID_LENGTH = 6
_ALPHABET = string.ascii_lowercase + string.digits
# https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html
AUTO_DEPLOY_DESCRIPTION = "Automatic deployment triggered by changes to the Api configuration"
# The API members a deployment freezes: what serving depends on (not its description,
# tags or dates, so changing those leaves auto-deployed stages alone).
_SNAPSHOT_API = (
    "ApiId",
    "ApiKeySelectionExpression",
    "CorsConfiguration",
    "DisableExecuteApiEndpoint",
    "IpAddressType",
    "Name",
    "ProtocolType",
    "RouteSelectionExpression",
)


class Record(msgspec.Struct):
    data: Data


class DeploymentRecord(msgspec.Struct):
    data: Data
    snapshot: Data


def not_found(message: str) -> ServiceError:
    return ServiceError("NotFoundException", message)


def bad_request(message: str) -> ServiceError:
    return ServiceError("BadRequestException", message)


def conflict(message: str) -> ServiceError:
    return ServiceError("ConflictException", message)


class HttpApiState:
    """The HTTP APIs of one account and region, on a Store."""

    def __init__(
        self,
        store: Store,
        *,
        region: str,
        account_id: str,
        clock: Callable[[], float] = time.time,
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.region = region
        self.account_id = account_id
        self.clock = clock
        self.on_change = on_change
        self.truststores: Callable[[str, str, str | None], bytes] | None = None
        """Reads a mutual-TLS truststore from S3 (domain_store.TruststoreSource); set by
        the wiring. None: truststore URIs are kept unread."""
        self.apis = Collection(store, "apigatewayv2/apis", Record)
        self.routes = Collection(store, "apigatewayv2/routes", Record)
        self.integrations = Collection(store, "apigatewayv2/integrations", Record)
        self.authorizers = Collection(store, "apigatewayv2/authorizers", Record)
        self.stages = Collection(store, "apigatewayv2/stages", Record)
        self.deployments = Collection(store, "apigatewayv2/deployments", DeploymentRecord)
        self.children = (self.routes, self.integrations, self.authorizers, self.stages)

    def now(self) -> float:
        return round(self.clock(), 3)

    @staticmethod
    def new_id(length: int) -> str:
        return "".join(random.choices(_ALPHABET, k=length))

    @contextmanager
    def change(self, *changed: str) -> Iterator[tuple[Transaction, set[str]]]:
        """A transaction; the API ids in `changed`, and those the block adds to the set it
        is given, are announced to `on_change` after the commit."""
        announce = set(changed)
        with self.store.transaction() as tx:
            yield tx, announce
        if self.on_change is not None:
            for api_id in sorted(announce):
                self.on_change(api_id)

    # -- lookups (each raises AWS's NotFoundException) --------------------------------

    def api(self, api_id: str, tx: Reader | None = None) -> Data:
        found = self.apis.get(api_id, tx)
        if found is None:
            # https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid.html
            raise not_found(f"Invalid API identifier specified {self.account_id}:{api_id}")
        return found.data

    def child(
        self, collection: Collection[Record], api_id: str, key: str, what: str, tx: Reader | None
    ) -> Data:
        self.api(api_id, tx)
        found = collection.get(f"{api_id}/{key}", tx)
        if found is None:
            raise not_found(f"Invalid {what} identifier specified {key}")
        return found.data

    def route(self, api_id: str, route_id: str, tx: Reader | None = None) -> Data:
        return self.child(self.routes, api_id, route_id, "Route", tx)

    def integration(self, api_id: str, integration_id: str, tx: Reader | None = None) -> Data:
        return self.child(self.integrations, api_id, integration_id, "Integration", tx)

    def authorizer(self, api_id: str, authorizer_id: str, tx: Reader | None = None) -> Data:
        return self.child(self.authorizers, api_id, authorizer_id, "Authorizer", tx)

    def stage(self, api_id: str, name: str, tx: Reader | None = None) -> Data:
        return self.child(self.stages, api_id, name, "stage", tx)

    def deployment(self, api_id: str, deployment_id: str, tx: Reader | None = None) -> Data:
        return self.deployment_record(api_id, deployment_id, tx).data

    def deployment_record(
        self, api_id: str, deployment_id: str, tx: Reader | None = None
    ) -> DeploymentRecord:
        self.api(api_id, tx)
        found = self.deployments.get(f"{api_id}/{deployment_id}", tx)
        if found is None:
            raise not_found(f"Invalid Deployment identifier specified {deployment_id}")
        return found

    def all_of(self, collection: Collection[Record], api_id: str, tx: Reader | None) -> list[Data]:
        return [record.data for record in collection.all(f"{api_id}/", tx)]

    def page_of(self, collection: Collection[Record], params: dict[str, Any]) -> Data:
        """GetRoutes / GetIntegrations / GetAuthorizers / GetStages: one page of the
        API's children (NotFoundException when there is no such API)."""
        with self.store.transaction() as tx:
            self.api(params["ApiId"], tx)
            return page(self.all_of(collection, params["ApiId"], tx), params)

    def put_api(self, data: Data, tx: Transaction) -> None:
        self.apis.put(data["ApiId"], Record(data), tx)

    def put_child(
        self, collection: Collection[Record], api_id: str, key: str, data: Data, tx: Transaction
    ) -> None:
        collection.put(f"{api_id}/{key}", Record(data), tx)

    def delete_api(self, api_id: str, tx: Transaction) -> None:
        for collection in (*self.children, self.deployments):
            tx.delete_prefix(collection.kind, f"{api_id}/")
        self.apis.delete(api_id, tx)

    # -- deployments --------------------------------------------------------------------

    def snapshot(self, api_id: str, tx: Reader) -> Data:
        api = {key: value for key, value in self.api(api_id, tx).items() if key in _SNAPSHOT_API}
        return {
            "api": api,
            "routes": self.all_of(self.routes, api_id, tx),
            "integrations": self.all_of(self.integrations, api_id, tx),
            "authorizers": self.all_of(self.authorizers, api_id, tx),
        }

    def deploy(self, api_id: str, tx: Transaction, *, description: str | None, auto: bool) -> Data:
        """Freeze the current definition as a new deployment."""
        snapshot = self.snapshot(api_id, tx)
        if not snapshot["routes"]:
            # https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-deployments.html
            raise bad_request("Unable to deploy API because no routes exist in this API")
        deployment_id = self.new_id(DEPLOYMENT_ID_LENGTH)
        data: Data = {
            "AutoDeployed": auto,
            "CreatedDate": self.now(),
            "DeploymentId": deployment_id,
            "DeploymentStatus": "DEPLOYED",
        }
        if description is not None:
            data["Description"] = description
        self.deployments.put(f"{api_id}/{deployment_id}", DeploymentRecord(data, snapshot), tx)
        return data

    def point_stage(self, api_id: str, stage: Data, deployment_id: str, tx: Transaction) -> None:
        stage["DeploymentId"] = deployment_id
        stage["LastUpdatedDate"] = self.now()
        stage["LastDeploymentStatusMessage"] = (
            f"Successfully deployed stage with deployment ID '{deployment_id}'"
        )
        self.put_child(self.stages, api_id, stage["StageName"], stage, tx)

    def auto_deploy(self, api_id: str, tx: Transaction, announce: set[str]) -> None:
        """After a change to the definition: redeploy every stage that deploys itself.
        An API without routes cannot be deployed; its stages keep their deployment."""
        for stage in self.all_of(self.stages, api_id, tx):
            if stage.get("AutoDeploy") and self.auto_deploy_stage(api_id, stage, tx):
                announce.add(api_id)

    def auto_deploy_stage(self, api_id: str, stage: Data, tx: Transaction) -> bool:
        """Deploy the current definition to `stage`; False (nothing done) without routes."""
        if not self.routes.all(f"{api_id}/", tx):
            return False
        deployment = self.deploy(api_id, tx, description=AUTO_DEPLOY_DESCRIPTION, auto=True)
        self.point_stage(api_id, stage, deployment["DeploymentId"], tx)
        return True

    def served(
        self, api_id: str, tx: Reader | None = None
    ) -> tuple[Data, list[tuple[Data, Data]]] | None:
        """What the data plane serves for an API: a definition snapshot (the most recent
        deployment a stage serves, else the current definition) and each stage that has a
        deployment, with its deployment's snapshot, read in one consistent view (`tx`'s,
        else a transaction of its own). None: no such API."""
        if tx is None:
            with self.store.transaction() as own:
                return self.served(api_id, own)
        if self.apis.get(api_id, tx) is None:
            return None
        pairs: list[tuple[Data, Data]] = []
        newest: tuple[float, Data] | None = None
        for stage in self.all_of(self.stages, api_id, tx):
            deployment_id = stage.get("DeploymentId")
            found = self.deployments.get(f"{api_id}/{deployment_id}", tx) if deployment_id else None
            if found is None:
                continue
            pairs.append((stage, found.snapshot))
            created = float(found.data["CreatedDate"])
            if newest is None or created > newest[0]:
                newest = (created, found.snapshot)
        definition = newest[1] if newest is not None else self.snapshot(api_id, tx)
        return definition, pairs

    def api_ids(self, tx: Reader | None = None) -> list[str]:
        return [record.data["ApiId"] for record in self.apis.all("", tx)]


def page(items: list[Data], params: dict[str, Any]) -> Data:
    """GetApis / GetRoutes / ... paging: MaxResults (a string on the wire) and NextToken.
    https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis.html#apis-http-methods
    """
    raw = params.get("MaxResults")
    size = len(items) or 1
    if raw is not None:
        if not str(raw).isdigit() or int(raw) < 1:
            raise bad_request(f"Invalid MaxResults: {raw}")
        size = int(raw)
    chunk, token = offset_page(items, params.get("NextToken"), size)
    output: Data = {"Items": list(chunk)}
    if token is not None:
        output["NextToken"] = token
    return output


def merge(record: Data, params: dict[str, Any], members: tuple[str, ...]) -> bool:
    """Copy the members `params` gives onto `record`; whether any was given."""
    given = False
    for member in members:
        if member in params:
            record[member] = params[member]
            given = True
    return given
