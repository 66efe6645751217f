"""boto3's cognito-idp client against a loopback AwsApi serving CognitoIdpProvider; the
pool's JWKS through the same server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import orjson
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from lamina.http.message import HttpRequest, HttpResponse
from lamina.services.cognito_idp.provider import CognitoIdpProvider, TriggerInvoker
from lamina.services.kms.provider import KmsProvider
from tests.clock import ManualClock as Clock
from tests.loopback import REGION, LoopbackServer

ACCOUNT = "123456789012"


class CognitoServer(LoopbackServer):
    def __init__(
        self, state_dir: Path, clock: Clock, triggers: TriggerInvoker | None = None
    ) -> None:
        super().__init__()
        self.kms = KmsProvider(state_dir=state_dir, region=REGION, account_id=ACCOUNT, clock=clock)
        self.provider = CognitoIdpProvider(
            state_dir=state_dir,
            region=REGION,
            account_id=ACCOUNT,
            kms=self.kms,
            triggers=triggers,
            clock=clock,
        )
        self.serve(self.kms, self.provider)
        self.provider.base_url = self.url

    async def _handle(self, request: HttpRequest) -> HttpResponse:
        pool_id, _, document = request.path.strip("/").partition("/.well-known/")
        if document == "jwks.json":
            jwks = self.provider.jwks(pool_id)
            if jwks is not None:
                return HttpResponse(
                    200, [(b"content-type", b"application/json")], orjson.dumps(jwks)
                )
        return await super()._handle(request)

    def admin(self) -> Any:
        return boto3.client("cognito-idp", **self.client_options())

    def public(self) -> Any:
        """A client that signs nothing, as a browser app's SDK calls SignUp / InitiateAuth."""
        options = self.client_options()
        options["config"] = options["config"].merge(Config(signature_version=UNSIGNED))
        return boto3.client("cognito-idp", **options)

    def release(self) -> None:
        self.provider.close()
        self.kms.close()


@pytest.fixture
def server(tmp_path: Path, clock: Clock) -> Iterator[CognitoServer]:
    served = CognitoServer(tmp_path, clock)
    yield served
    served.close()


class HostedServer(CognitoServer):
    """The cognito-idp API plus the pools' hosted pages, as the edge routes them."""

    async def _handle(self, request: HttpRequest) -> HttpResponse:
        answered = await self.provider.hosted(request)
        if answered is not None:
            return answered
        return await super()._handle(request)


@pytest.fixture
def hosted(tmp_path: Path, clock: Clock) -> Iterator[HostedServer]:
    served = HostedServer(tmp_path, clock)
    yield served
    served.close()


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    with httpx.Client(follow_redirects=False, timeout=10) as client:
        yield client
