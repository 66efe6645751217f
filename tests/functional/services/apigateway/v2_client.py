"""An apigatewayv2 client on the store the `server` fixture's REST provider uses: what
`lamina up` serves on one endpoint, both management APIs over one set of records."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from lamina.services.apigatewayv2.provider import ApiGatewayV2Provider
from tests.loopback import ACCOUNT, REGION, LoopbackServer


@pytest.fixture(name="v2")
def v2_fixture(server: Any) -> Iterator[Any]:
    served = LoopbackServer()
    served.serve(ApiGatewayV2Provider(server.store, REGION, ACCOUNT))
    yield boto3.client("apigatewayv2", **served.client_options())
    served.close()
