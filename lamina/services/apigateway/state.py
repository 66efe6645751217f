"""ApiGatewayState: the REST APIs' definitions in the control plane's Store, and the
lookups every operation starts with (an API, a resource, a method) raising API Gateway's
NotFound errors.

Kinds (keys are `<restApiId>/<id>`, so an API's records scan by prefix):
    apigw/restapis            RestApi               key: restApiId
    apigw/resources           Resource (+methods)   key: restApiId/resourceId
    apigw/models              Model                 key: restApiId/name
    apigw/requestvalidators   RequestValidator      key: restApiId/id
    apigw/authorizers         Authorizer            key: restApiId/id
    apigw/gatewayresponses    GatewayResponse       key: restApiId/responseType

Every kind named `apigw/...` keyed `<restApiId>/...` goes with its API when the API is
deleted (deployments and stages too).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from lamina.aws.service import ServiceError
from lamina.core.store import Collection, Reader, Store, Transaction
from lamina.services.apigateway.error import not_found
from lamina.services.apigateway.records import (
    Authorizer,
    GatewayResponse,
    Method,
    Model,
    RequestValidator,
    Resource,
    RestApi,
)

KIND_PREFIX = "apigw/"
REST_APIS = "apigw/restapis"


class ApiGatewayState:
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
        self._on_change = on_change
        self.truststores: Callable[[str, str, str | None], bytes] | None = None
        """Reads a mutual-TLS truststore from S3 (domain_store.TruststoreSource); set by
        the wiring. None: truststore URIs are kept unread."""
        self.rest_apis = Collection(store, REST_APIS, RestApi)
        self.resources = Collection(store, "apigw/resources", Resource)
        self.models = Collection(store, "apigw/models", Model)
        self.validators = Collection(store, "apigw/requestvalidators", RequestValidator)
        self.authorizers = Collection(store, "apigw/authorizers", Authorizer)
        self.gateway_responses = Collection(store, "apigw/gatewayresponses", GatewayResponse)

    def changed(self, rest_api_id: str) -> None:
        """Tell the wiring that what `rest_api_id` serves may have changed (after commit)."""
        if self._on_change is not None:
            self._on_change(rest_api_id)

    def now(self) -> float:
        return self.clock()

    def rest_api(self, rest_api_id: str, tx: Reader | None = None) -> RestApi:
        record = self.rest_apis.get(rest_api_id, tx)
        if record is None:
            raise api_not_found(self.account_id, rest_api_id)
        return record

    def resource(self, rest_api_id: str, resource_id: str, tx: Reader | None = None) -> Resource:
        """A resource of an API (a missing API reads as a missing resource, as AWS answers)."""
        record = self.resources.get(f"{rest_api_id}/{resource_id}", tx)
        if record is None:
            raise not_found("Invalid Resource identifier specified")
        return record

    def api_resources(self, rest_api_id: str, tx: Reader | None = None) -> list[Resource]:
        """Every resource of the API, by path (the order GetResources lists them in)."""
        return sorted(self.resources.all(f"{rest_api_id}/", tx), key=lambda r: r.path)

    def put_resource(self, rest_api_id: str, resource: Resource, tx: Transaction) -> None:
        self.resources.put(f"{rest_api_id}/{resource.id}", resource, tx)

    def delete_api_records(self, rest_api_id: str, tx: Transaction) -> None:
        """The API and everything keyed under it, in every `apigw/` kind."""
        self.rest_apis.delete(rest_api_id, tx)
        for kind in self.store.kinds():
            if kind.startswith(KIND_PREFIX) and kind != REST_APIS:
                tx.delete_prefix(kind, f"{rest_api_id}/")


def method_of(resource: Resource, http_method: str) -> Method:
    method = (resource.resource_methods or {}).get(http_method.upper())
    if method is None:
        raise not_found("Invalid Method identifier specified")
    return method


def api_not_found(account_id: str, rest_api_id: str) -> ServiceError:
    # "Invalid API identifier specified 123456789012:a1b2c3d4e5" (AWS's wording).
    # https://docs.aws.amazon.com/apigateway/latest/api/API_GetRestApi.html#API_GetRestApi_Errors
    return not_found(f"Invalid API identifier specified {account_id}:{rest_api_id}")


def timestamp(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC)
