"""An AwsApi behind a real HttpServer on 127.0.0.1, on its own event loop thread, so
functional tests can drive it with blocking boto3 / botocore clients."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from botocore.config import Config

from lamina.aws.credentials import CredentialStore
from lamina.aws.dispatch import AwsApi
from lamina.aws.service import ServiceProvider
from lamina.http.message import HttpRequest, HttpResponse
from lamina.http.server import HttpServer

REGION = "us-east-1"
ACCOUNT = "123456789012"
T = TypeVar("T")


class LoopbackServer:
    """Subclasses build their AwsApi, then ``listen``; ``close`` stops the server, calls
    ``release`` (close the services, on the loop through ``run``), then the loop."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def serve(
        self, *providers: ServiceProvider, credentials: CredentialStore | None = None
    ) -> None:
        """Listen with an AwsApi of `providers` (test account, region, credentials)."""
        self.listen(
            AwsApi(
                providers,
                region=REGION,
                account_id=ACCOUNT,
                credentials=credentials or CredentialStore.local(),
            )
        )

    def listen(self, api: AwsApi) -> None:
        self.api = api
        self._server = HttpServer(self._handle, streams_body=api.streams_body)
        bound = self.run(self._server.start("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{bound[0][1]}"

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(30)

    async def _handle(self, request: HttpRequest) -> HttpResponse:
        claim = self.api.claim(request)
        if claim is not None:
            return await self.api.handle(request, claim)
        return self.unclaimed()

    def unclaimed(self) -> HttpResponse:
        """The answer to a request no service of the AwsApi claims."""
        return HttpResponse(404, [], b"")

    def client_options(self, read_timeout: float | None = 30) -> dict[str, Any]:
        """boto3.client / botocore create_client arguments for this server."""
        retries = {"max_attempts": 1, "mode": "standard"}
        config = (
            Config(retries=retries)
            if read_timeout is None
            else Config(retries=retries, read_timeout=read_timeout)
        )
        return {
            "endpoint_url": self.url,
            "region_name": REGION,
            "aws_access_key_id": "test",
            "aws_secret_access_key": "test",
            "config": config,
        }

    def release(self) -> None:
        """Close what the server served (after it stopped, before the loop does)."""

    def close(self) -> None:
        self.run(self._server.stop(grace_s=1))
        self.release()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()
