"""The global condition keys a gateway request offers resource and identity policies."""

from __future__ import annotations

from lamina.gateway.auth.iam import policy_context
from lamina.gateway.context import RequestContext
from lamina.http.message import TlsSession
from tests.unit.gateway.auth.test_iam_support import ALICE, Pipeline, rest_url, sign


def _context(*, tls: bool) -> dict[str, str]:
    request = sign(rest_url("/allowed"), ALICE)
    if tls:
        request.tls = TlsSession(server_name=None, peer_cert=None)
    ctx = RequestContext(request, Pipeline().deployment, request.domain_name)
    return policy_context(ctx, ALICE)


def test_secure_transport_says_whether_the_request_came_over_tls() -> None:
    """aws:SecureTransport is "true" on AWS (execute-api is HTTPS only); here it follows
    the connection, so a policy denying plain HTTP can be tried with `lamina up --tls`."""
    assert _context(tls=True)["aws:SecureTransport"] == "true"
    assert _context(tls=False)["aws:SecureTransport"] == "false"


def test_caller_keys_name_the_signer() -> None:
    context = _context(tls=False)
    assert context["aws:PrincipalArn"] == ALICE.arn
    assert context["aws:SourceIp"] == "127.0.0.1"
