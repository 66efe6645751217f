"""EndpointAccessMode STRICT on a custom domain: "API Gateway uses SNI host matching", so a
request whose Host is not the name the client sent in its TLS handshake is refused, also
when both names fall under one wildcard domain. Real handshakes over memory BIOs.
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-security-policies.html
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.functions.model import InvokeResult
from lamina.gateway.app import Gateway
from lamina.gateway.deployment import Deployment
from lamina.gateway.domain import ApiMapping, CustomDomain
from lamina.gateway.model import LambdaIntegration, Method, Resource, RestApi, Stage
from lamina.http.certificate import CertificateAuthority
from lamina.http.message import TlsSession
from lamina.http.tls import ServerTls, TlsSite
from tests.gateway_request import gateway_request
from tests.invoker import ScriptedInvoker
from tests.unit.http.test_tls_context import _handshake

OK = InvokeResult(payload=b'{"statusCode": 200, "body": "ok"}')


def _deployment() -> Deployment:
    rest = RestApi(
        id="restapi001",
        logical_id="Rest",
        name="Rest",
        stages=(Stage(name="Prod"),),
        resources=(
            Resource(
                id="a",
                path="/items",
                methods={
                    "GET": Method(
                        http_method="GET", integration=LambdaIntegration(function_name="Fn")
                    )
                },
            ),
        ),
    )
    strict = CustomDomain(
        name="*.apps.example.com",
        mappings=(ApiMapping(api_id="restapi001", stage="Prod"),),
        security_policy="SecurityPolicy_TLS13_1_2_2021_06",
        endpoint_access_mode="STRICT",
    )
    return Deployment((rest,), (), account_id="123456789012", region="us-east-1", domains=(strict,))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> tuple[ServerTls, Path]:
    ca = CertificateAuthority(tmp_path_factory.mktemp("tls"))
    site = TlsSite("*.apps.example.com", ca.leaf("wild", ["*.apps.example.com"]))
    return ServerTls(ca.leaf("localhost", ["localhost"]), [site]), ca.cert_path


def _session(server: tuple[ServerTls, Path], sni: str) -> TlsSession:
    tls, ca = server
    _, server_side = _handshake(tls, ca, sni)
    return tls.session(server_side)


async def _status(host: str, session: TlsSession | None) -> int:
    invoker = ScriptedInvoker(OK)
    request = gateway_request("/items", host=host, tls=session)
    response = await Gateway(_deployment(), invoker).handle(request, host)
    return response.status


def test_session_reports_the_name_the_client_sent(server: tuple[ServerTls, Path]) -> None:
    session = _session(server, "One.Apps.Example.com")
    assert session.server_name == "*.apps.example.com"  # the domain whose context served it
    assert session.requested_name == "one.apps.example.com"


async def test_strict_domain_admits_a_host_equal_to_the_sni(
    server: tuple[ServerTls, Path],
) -> None:
    session = _session(server, "one.apps.example.com")
    assert await _status("one.apps.example.com:3443", session) == 200


async def test_strict_wildcard_domain_refuses_a_host_other_than_the_sni(
    server: tuple[ServerTls, Path],
) -> None:
    # Both names are under *.apps.example.com: the connection was made for one, the
    # request names the other (domain fronting inside one wildcard).
    session = _session(server, "one.apps.example.com")
    assert await _status("two.apps.example.com", session) == 403


async def test_strict_domain_refuses_plain_http() -> None:
    assert await _status("one.apps.example.com", None) == 403
