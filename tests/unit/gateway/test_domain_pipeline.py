"""Custom domains through the pipeline: Host → API + stage + base path, the event's
domainName and paths, and mutual TLS (ClientCertificate stage) with real certificates."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from lamina.functions.model import InvokeResult
from lamina.gateway.address import resolve_address
from lamina.gateway.app import Gateway
from lamina.gateway.auth.lambda_input import http_v1_event, http_v2_event, rest_request_event
from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import Deployment
from lamina.gateway.domain import ApiMapping, CustomDomain, DomainTable, MutualTls
from lamina.gateway.model import HttpApi, LambdaIntegration, Method, Resource, RestApi, Route, Stage
from lamina.gateway.request import GatewayRequest
from lamina.gateway.stages.client_cert import ClientCertificate, parse_cert
from lamina.gateway.stages.domain import MapCustomDomain
from lamina.gateway.stages.route import RouteRequest
from lamina.http.message import TlsSession
from tests.gateway_request import gateway_request
from tests.invoker import ScriptedInvoker
from tests.tls_pki import ClientCa

OK = InvokeResult(payload=b'{"statusCode": 200, "body": "ok"}')


def _deployment() -> Deployment:
    lam = LambdaIntegration(function_name="Fn", timeout_ms=100)
    rest = RestApi(
        id="restapi001",
        logical_id="Rest",
        name="Rest",
        stages=(Stage(name="Prod"), Stage(name="Beta")),
        resources=(
            Resource(
                id="a",
                path="/items/{id}",
                methods={"GET": Method(http_method="GET", integration=lam)},
            ),
        ),
    )
    http = HttpApi(
        id="httpapi001",
        logical_id="Http",
        name="Http",
        stages=(Stage(name="$default"), Stage(name="live")),
        routes=(
            Route(
                route_key="GET /items/{id}",
                integration=LambdaIntegration(function_name="Fn", payload_format="2.0"),
            ),
        ),
    )
    domains = (
        CustomDomain(
            name="api.example.com",
            mappings=(
                ApiMapping(api_id="restapi001", base_path="", stage="Prod"),
                ApiMapping(api_id="restapi001", base_path="v1/admin", stage="Beta"),
                ApiMapping(api_id="httpapi001", base_path="v2", stage="live"),
                ApiMapping(api_id="restapi001", base_path="any"),
            ),
        ),
        CustomDomain(
            name="mtls.example.com",
            mappings=(ApiMapping(api_id="httpapi001", base_path="", stage="$default"),),
            mutual_tls=MutualTls(truststore="/dev/null", truststore_uri="truststore.pem"),
        ),
        CustomDomain(
            name="rest-mtls.example.com",
            mappings=(ApiMapping(api_id="restapi001", stage="Prod"),),
            mutual_tls=MutualTls(truststore="/dev/null", truststore_uri="truststore.pem"),
        ),
    )
    return Deployment(
        (rest,), (http,), account_id="123456789012", region="us-east-1", domains=domains
    )


def _request(path: str, host: str, tls: TlsSession | None = None) -> GatewayRequest:
    return gateway_request(path, host=host, tls=tls)


async def _event(path: str, host: str, tls: TlsSession | None = None) -> dict[str, object]:
    invoker = ScriptedInvoker(OK)
    response = await Gateway(_deployment(), invoker).handle(_request(path, host, tls), host)
    assert response.status == 200, response.body
    return invoker.events[0]


@pytest.mark.parametrize(
    ("host", "path", "api", "stage", "rest", "prefix"),
    [
        ("api.example.com", "/items/1", "restapi001", "Prod", "/items/1", ""),
        ("API.example.com:3443", "/items/1", "restapi001", "Prod", "/items/1", ""),
        ("api.example.com", "/v1/admin/items/1", "restapi001", "Beta", "/items/1", "/v1/admin"),
        ("api.example.com", "/v1/admin", "restapi001", "Beta", "/", "/v1/admin"),
        ("api.example.com", "/v2/items/1", "httpapi001", "live", "/items/1", "/v2"),
        ("api.example.com", "/any/Beta/items/1", "restapi001", "Beta", "/items/1", "/any/Beta"),
        # "/v1/adminx" is not under base path "v1/admin": the empty base path takes it.
        ("api.example.com", "/v1/adminx", "restapi001", "Prod", "/v1/adminx", ""),
    ],
)
def test_custom_domain_resolves_base_path_to_api_and_stage(
    host: str, path: str, api: str, stage: str, rest: str, prefix: str
) -> None:
    address = resolve_address(_deployment(), host, path)
    assert address is not None and address.domain is not None
    assert address.api.api.id == api
    assert address.stage is not None and address.stage.name == stage
    assert (address.path, address.base_prefix, address.stage_prefix) == (rest, prefix, "")


def test_other_hosts_keep_their_address_forms() -> None:
    address = resolve_address(_deployment(), "restapi001.execute-api.localhost:3000", "/Prod/x")
    assert address is not None and address.domain is None and address.stage_prefix == "/Prod"


async def test_rest_event_on_custom_domain_keeps_base_path_and_names_the_domain() -> None:
    event = await _event("/v1/admin/items/7", "api.example.com:3443")
    context = event["requestContext"]
    assert isinstance(context, dict)
    assert event["path"] == "/v1/admin/items/7"
    assert event["resource"] == "/items/{id}"
    assert event["pathParameters"] == {"id": "7"}
    assert context["path"] == "/v1/admin/items/7"
    assert context["stage"] == "Beta"
    assert context["domainName"] == "api.example.com"
    assert context["domainPrefix"] == "api"


async def test_http_event_on_custom_domain_keeps_the_mapping_key_in_raw_path() -> None:
    event = await _event("/v2/items/7", "api.example.com")
    context = event["requestContext"]
    assert isinstance(context, dict)
    assert event["rawPath"] == "/v2/items/7"
    assert event["routeKey"] == "GET /items/{id}"
    assert context["http"]["path"] == "/v2/items/7"
    assert context["stage"] == "live"
    assert context["domainName"] == "api.example.com"


async def test_unmapped_base_path_on_custom_domain_is_not_found() -> None:
    # No mapping's base path starts the path: no API is chosen (see docs/fidelity/gateway.md,
    # "Transport": AWS's exact answer here is not documented).
    only = CustomDomain(
        name="only.example.com",
        mappings=(ApiMapping(api_id="restapi001", base_path="v1", stage="Prod"),),
    )
    base = _deployment()
    deployment = Deployment(
        tuple(a.api for a in base.rest.values()),
        tuple(a.api for a in base.http.values()),
        account_id="123456789012",
        region="us-east-1",
        domains=(only,),
    )
    gateway = Gateway(deployment, ScriptedInvoker(OK))
    response = await gateway.handle(_request("/v9/items/1", "only.example.com"), "only.example.com")
    assert (response.status, response.body) == (404, b'{"message":"Not Found"}')


# -- mutual TLS


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> ClientCa:
    return ClientCa(tmp_path_factory.mktemp("pki"), "Example Client CA")


def _der(path: Path) -> bytes:
    from cryptography import x509

    return x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(Encoding.DER)


async def test_mtls_http_event_carries_client_cert_as_aws_formats_it(clients: ClientCa) -> None:
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    cert = clients.issue(
        "valid",
        "alice.example.com",
        serial=0x0A1B2C,
        not_before=datetime.datetime(2024, 8, 5, 9, 36, 4, tzinfo=datetime.UTC),
        not_after=now + datetime.timedelta(days=3),
    )
    tls = TlsSession(server_name="mtls.example.com", peer_cert=_der(cert.cert_path))
    event = await _event("/items/1", "mtls.example.com", tls)
    context = event["requestContext"]
    assert isinstance(context, dict)
    client_cert = context["authentication"]["clientCert"]
    assert client_cert["subjectDN"] == "CN=alice.example.com,O=Example Clients,C=US"
    assert client_cert["issuerDN"] == "CN=Example Client CA,O=Example Corp,C=US"
    assert client_cert["serialNumber"] == "0a:1b:2c"
    assert client_cert["validity"]["notBefore"] == "Aug  5 09:36:04 2024 GMT"
    assert client_cert["validity"]["notAfter"] == f"{now + datetime.timedelta(days=3):%b} " + (
        f"{(now + datetime.timedelta(days=3)).day:2d} "
        f"{now + datetime.timedelta(days=3):%H:%M:%S %Y} GMT"
    )
    assert client_cert["clientCertPem"] == cert.cert_path.read_text()
    assert list(client_cert) == [
        "clientCertPem",
        "subjectDN",
        "issuerDN",
        "serialNumber",
        "validity",
    ]


async def test_mtls_rest_event_carries_client_cert_in_identity(clients: ClientCa) -> None:
    cert = clients.issue("rest", "bob.example.com", serial=1)
    tls = TlsSession(server_name="rest-mtls.example.com", peer_cert=_der(cert.cert_path))
    event = await _event("/items/1", "rest-mtls.example.com", tls)
    identity = event["requestContext"]["identity"]  # type: ignore[index]
    assert identity["clientCert"]["serialNumber"] == "01"
    assert identity["clientCert"]["subjectDN"] == "CN=bob.example.com,O=Example Clients,C=US"
    assert event["headers"]["X-Forwarded-Proto"] == "https"  # type: ignore[index]


async def _denied(
    host: str, tls: TlsSession | None, path: str = "/items/1"
) -> tuple[int, bytes, dict[bytes, bytes]]:
    invoker = ScriptedInvoker(OK)
    response = await Gateway(_deployment(), invoker).handle(_request(path, host, tls), host)
    assert invoker.events == []
    return response.status, response.body, dict(response.headers)


async def test_mtls_domain_without_client_certificate_is_forbidden() -> None:
    # HTTP API domain: HTTP API rendering, no x-amzn-ErrorType.
    status, body, headers = await _denied(
        "mtls.example.com", TlsSession(server_name="mtls.example.com", peer_cert=None)
    )
    assert (status, body) == (403, b'{"message":"Forbidden"}')
    assert b"x-amzn-errortype" not in headers


async def test_mtls_rest_domain_without_certificate_is_forbidden_before_routing() -> None:
    # No such route: the certificate is checked first, so the answer is 403, not 403 MAT.
    status, body, headers = await _denied("rest-mtls.example.com", None, path="/nowhere")
    assert (status, body) == (403, b'{"message":"Forbidden"}')
    assert headers[b"x-amzn-errortype"] == b"ForbiddenException"


async def test_mtls_certificate_verified_for_another_name_is_forbidden(clients: ClientCa) -> None:
    # SNI named another domain (or none): Host cannot borrow that connection's certificate.
    cert = clients.issue("other", "carol.example.com")
    tls = TlsSession(server_name="api.example.com", peer_cert=_der(cert.cert_path))
    status, _, _ = await _denied("mtls.example.com", tls)
    assert status == 403


async def test_mtls_expired_certificate_is_forbidden(clients: ClientCa) -> None:
    cert = clients.expired("expired", "old.example.com")
    tls = TlsSession(server_name="mtls.example.com", peer_cert=_der(cert.cert_path))
    assert (await _denied("mtls.example.com", tls))[:2] == (403, b'{"message":"Forbidden"}')


async def test_mtls_not_yet_valid_certificate_is_forbidden(clients: ClientCa) -> None:
    now = datetime.datetime.now(datetime.UTC)
    cert = clients.issue(
        "future",
        "future.example.com",
        not_before=now + datetime.timedelta(days=1),
        not_after=now + datetime.timedelta(days=9),
    )
    tls = TlsSession(server_name="mtls.example.com", peer_cert=_der(cert.cert_path))
    assert (await _denied("mtls.example.com", tls))[0] == 403


async def test_mtls_certificate_with_an_unsupported_algorithm_is_forbidden(
    clients: ClientCa,
) -> None:
    # Trusted and current, but signed with SHA-224: "doesn't use a supported algorithm".
    cert = clients.issue("weak", "weak.example.com", algorithm=hashes.SHA224())
    tls = TlsSession(server_name="mtls.example.com", peer_cert=_der(cert.cert_path))
    assert (await _denied("mtls.example.com", tls))[:2] == (403, b'{"message":"Forbidden"}')


def test_serial_with_high_bit_keeps_its_bytes(clients: ClientCa) -> None:
    cert = clients.issue("serial", "s.example.com", serial=0xA1A1A1A1A1A1A1A1A1A1A1A1A1A1A1)
    parsed = parse_cert(_der(cert.cert_path))
    assert parsed.fields["serialNumber"] == ":".join(["a1"] * 15)


async def _routed(host: str, path: str, tls: TlsSession | None) -> RequestContext:
    deployment = _deployment()
    ctx = RequestContext(_request(path, host, tls), deployment, host)
    for stage in (ClientCertificate(), RouteRequest(), MapCustomDomain()):
        await stage(ctx)
    return ctx


async def test_mtls_lambda_authorizer_events_carry_the_client_cert(clients: ClientCa) -> None:
    # "API Gateway forwards the certificates that clients provide to Lambda authorizers"
    cert = clients.issue("authz", "dave.example.com", serial=0x2A)
    der = _der(cert.cert_path)
    rest = await _routed(
        "rest-mtls.example.com",
        "/items/1",
        TlsSession(server_name="rest-mtls.example.com", peer_cert=der),
    )
    rest_event = rest_request_event(rest)
    assert rest_event["requestContext"]["identity"]["clientCert"]["serialNumber"] == "2a"
    http = await _routed(
        "mtls.example.com", "/items/1", TlsSession(server_name="mtls.example.com", peer_cert=der)
    )
    v2 = http_v2_event(http, ("token",))
    assert v2["requestContext"]["authentication"]["clientCert"]["subjectDN"] == (
        "CN=dave.example.com,O=Example Clients,C=US"
    )
    v1 = http_v1_event(http, ("token",))
    assert v1["requestContext"]["identity"]["clientCert"]["issuerDN"] == (
        "CN=Example Client CA,O=Example Corp,C=US"
    )


async def test_authorizer_events_without_mtls_have_no_client_cert() -> None:
    ctx = await _routed("api.example.com", "/items/1", None)
    assert "clientCert" not in rest_request_event(ctx)["requestContext"]["identity"]


@pytest.mark.parametrize(
    ("host", "found"),
    [
        ("one.apps.example.com", "*.apps.example.com"),
        ("One.Apps.Example.com:8443", "*.apps.example.com"),
        ("exact.apps.example.com.", "exact.apps.example.com"),  # exact beats wildcard
        ("two.one.apps.example.com", None),  # a wildcard covers one label
        ("apps.example.com", None),
        ("[::1]:3000", None),
    ],
)
def test_domain_table_matches_exact_names_then_one_label_wildcards(
    host: str, found: str | None
) -> None:
    table = DomainTable(
        (CustomDomain(name="*.apps.example.com"), CustomDomain(name="exact.apps.example.com"))
    )
    domain = table.find(host)
    assert (domain.name if domain else None) == found
