"""ApiGatewayV2Provider: the botocore "apigatewayv2" service (rest-json, signing name
"apigateway", shared with the REST API's service; paths under /v2/ tell them apart) over
an HttpApiState.

API reference: https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/api-reference.html
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from lamina.aws.service import Handler, Operation, bind_operations
from lamina.core.store import Store
from lamina.services.apigateway.domain_store import migrate_legacy
from lamina.services.apigatewayv2 import (
    api_export,
    api_import,
    apis,
    authorizers,
    domains,
    integrations,
    routes,
    stages,
    tags,
)
from lamina.services.apigatewayv2.state import HttpApiState

OPERATIONS: dict[str, Operation[HttpApiState]] = {
    **apis.OPERATIONS,
    **routes.OPERATIONS,
    **integrations.OPERATIONS,
    **authorizers.OPERATIONS,
    **stages.OPERATIONS,
    **domains.OPERATIONS,
    **api_import.OPERATIONS,
    **api_export.OPERATIONS,
    **tags.OPERATIONS,
}


class ApiGatewayV2Provider(HttpApiState):
    def __init__(
        self,
        store: Store,
        region: str,
        account_id: str,
        clock: Callable[[], float] = time.time,
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(
            store, region=region, account_id=account_id, clock=clock, on_change=on_change
        )
        self._handlers = bind_operations(self, OPERATIONS)
        migrate_legacy(store)  # domain names kept apart by an older Lamina

    @property
    def service_name(self) -> str:
        return "apigatewayv2"

    def handlers(self) -> Mapping[str, Handler]:
        return self._handlers
