"""LambdaProvider: the botocore "lambda" service's operations over FunctionService.

Given a control-plane Store, what the API creates (functions, versions, aliases,
permissions, concurrency, invoke configs, layers) is kept there and put back when the
provider is built: build it after the FunctionService holds the template's functions and
before the template's permissions and layers are granted and adopted.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lamina.aws.service import AwsRequestContext, Handler, OperationInput, OperationOutput
from lamina.core.store import Store
from lamina.functions.service import FunctionService
from lamina.services.lambda_ import (
    account,
    aliases,
    concurrency,
    event_config,
    functions,
    invoke,
    layers,
    permissions,
    persist,
    updates,
    versions,
)
from lamina.services.lambda_.follow import LambdaFollower
from lamina.services.lambda_.mappings import EventSourceMappings
from lamina.services.lambda_.state import LambdaState, Operation

_MODULES = (
    functions,
    updates,
    versions,
    aliases,
    concurrency,
    permissions,
    layers,
    invoke,
    event_config,
    account,
)


class LambdaProvider:
    def __init__(
        self,
        functions: FunctionService,
        *,
        region: str,
        account_id: str,
        state_dir: Path,
        store: Store | None = None,
    ) -> None:
        self.state = LambdaState(
            functions, region=region, account_id=account_id, state_dir=state_dir, store=store
        )
        persist.load(self.state)
        records = self.state.records
        self.follower = LambdaFollower(self.state, records) if records is not None else None
        """Applies other nodes' changes (a shared store): ``await follow()`` starts it."""
        # Invocations on a service's behalf (API Gateway) are checked against the
        # resource policies this API keeps.
        functions.authorize_invocations_with(
            lambda name, qualifier, source: permissions.allows_invoke(
                self.state, name, qualifier, source
            )
        )
        self._handlers = {
            name: _bind(self.state, operation)
            for module in _MODULES
            for name, operation in module.OPERATIONS.items()
        }
        # Event source mappings: `mappings.source` is set to the streams they read, and
        # `await mappings.start()` begins polling once the server listens.
        self.mappings = EventSourceMappings(self.state, state_dir)
        self._handlers.update(self.mappings.handlers())

    async def follow(self) -> None:
        """Follow the changes other nodes on the same store make (follow.py)."""
        if self.follower is not None:
            await self.follower.follow()

    def unfollow(self) -> None:
        if self.follower is not None:
            self.follower.cancel()

    @property
    def service_name(self) -> str:
        return "lambda"

    def handlers(self) -> Mapping[str, Handler]:
        return self._handlers

    def resource_policy(self, operation: str, params: OperationInput) -> list[dict[str, Any]]:
        """The function policy of what a call names, for aws.authorize."""
        return permissions.resource_statements(self.state, params)


def _bind(state: LambdaState, operation: Operation) -> Handler:
    async def handler(ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
        return await operation(state, ctx, params)

    return handler
