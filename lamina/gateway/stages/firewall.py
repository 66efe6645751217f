"""Firewall: the stage's AWS WAF web ACL, evaluated before API Gateway routes the request.

AWS WAF sits in front of API Gateway: it sees every request to a protected stage, a path
with no resource included, and a blocked request never reaches routing, an authorizer, a
usage plan or the integration. It gets the WAF_FILTERED gateway response, 403
`{"message":"Forbidden"}`. A deployment without any web ACL leaves the firewall out of its
pipeline (app.py).
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-aws-waf.html
"""

from __future__ import annotations

import logging

from lamina.gateway.address import resolve_address
from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import Deployment
from lamina.gateway.error import GatewayError, GatewayResponse, ResponseType
from lamina.gateway.waf.detect import Detectors
from lamina.gateway.waf.engine import CompiledAcl, Compiler, Verdict
from lamina.gateway.waf.field import RequestView
from lamina.gateway.waf.model import CustomResponse, WebAcl
from lamina.gateway.waf.rate import RateCounter, RateCounts

log = logging.getLogger("lamina.gateway.waf")

_PATH_STYLE = "/restapis/"


class Firewall:
    def __init__(self, detectors: Detectors | None = None, rates: RateCounts | None = None) -> None:
        self._rates = rates or RateCounter()
        """Where rate-based rules count: this process, or Redis shared by every edge
        process (`--limits`)."""
        self._compiler = Compiler(detectors or Detectors(), self._rates)
        self._compiled: dict[str, _Guard] = {}
        """By web ACL ARN; a redeployed ACL (a new object) is compiled again, while its
        rate-based counts, kept by the shared RateCounter, carry over."""

    def needed(self, deployment: Deployment) -> bool:
        """Whether any REST API stage of `deployment` has a web ACL: the gateway leaves
        the firewall out of the pipeline of a deployment without one."""
        return any(
            stage.web_acl is not None
            for api in deployment.rest.values()
            for stage in api.stages.values()
        )

    async def __call__(self, ctx: RequestContext) -> None:
        request = ctx.request
        address = ctx.address = ctx.address or resolve_address(
            ctx.deployment, ctx.host, request.path, request.header
        )
        if address is None or address.stage is None or address.stage.web_acl is None:
            return
        acl = address.stage.web_acl
        # The URI as the client sent it; Lamina's path-style URL stands for /{stage}/path.
        path = request.path
        if path.startswith(_PATH_STYLE):
            path = address.stage_prefix + address.path
        view = RequestView(
            method=request.method,
            uri_path=path,
            query_string=request.query_string,
            headers=request.headers,
            body=request.body,
            source_ip=request.source_ip,
            body_limit=acl.body_limit,
        )
        guard = self._guard(acl)
        compiled = guard.compiled

        def evaluate() -> Verdict:
            # Run again when a Redis counter fetched a count: start from no labels or notes.
            view.labels.clear()
            view.notes.clear()
            return compiled.evaluate(view)

        verdict = await self._rates.evaluating(evaluate)
        for name in verdict.counted:
            log.warning("WAF %s: rule %s matched (Count)", acl.name, name)
        if verdict.action == "Block":
            _block(ctx, acl, verdict, view.notes)
        else:
            _insert_headers(request.headers, acl, guard.inserts, verdict)

    def _guard(self, acl: WebAcl) -> _Guard:
        guard = self._compiled.get(acl.arn)
        if guard is None or guard.compiled.acl is not acl:
            guard = self._compiled[acl.arn] = _Guard(self._compiler.compile_acl(acl))
        return guard


class _Guard:
    """A web ACL compiled, with what its allowed requests look up found once per ACL."""

    __slots__ = ("compiled", "inserts")

    def __init__(self, compiled: CompiledAcl) -> None:
        self.compiled = compiled
        self.inserts = _inserts(compiled.acl)


def _inserts(acl: WebAcl) -> dict[str, tuple[tuple[str, str], ...]]:
    """Rule name -> the headers its CustomRequestHandling inserts (rules that insert any)."""
    return {rule.name: rule.insert_headers for rule in acl.rules if rule.insert_headers}


def _custom_response(acl: WebAcl, rule: str | None) -> CustomResponse | None:
    """The Block's CustomResponse: the default action's, or the terminating rule's (a
    managed group's rule, "Group/Rule", has none)."""
    if rule is None:
        return acl.default_response
    for candidate in acl.rules:
        if candidate.name == rule:
            return candidate.custom_response
    return None


def _render(custom: CustomResponse) -> GatewayResponse:
    headers = [(name.lower().encode(), value.encode()) for name, value in custom.headers]
    if custom.content_type is not None:
        headers.insert(0, (b"content-type", custom.content_type.encode()))
    return GatewayResponse(custom.status, headers, custom.body)


_PREFIX = "x-amzn-waf-"


def _insert_headers(
    headers: list[tuple[str, str]],
    acl: WebAcl,
    inserts: dict[str, tuple[tuple[str, str], ...]],
    verdict: Verdict,
) -> None:
    """CustomRequestHandling of the Count rules that matched, then of the Allow that ended
    evaluation (or the default action): "AWS WAF prefixes all request headers that it
    inserts with x-amzn-waf-"; "If the request already has a header with the same name that
    AWS WAF is inserting, AWS WAF overwrites the header", so a later rule's value wins.
    https://docs.aws.amazon.com/waf/latest/developerguide/customizing-the-incoming-request.html
    """
    if not inserts and not acl.default_insert_headers:
        return
    inserted = [header for name in verdict.counted for header in inserts.get(name, ())]
    if verdict.rule is None:
        inserted += acl.default_insert_headers
    else:
        inserted += inserts.get(verdict.rule, ())
    for name, value in inserted:
        full = _PREFIX + name
        headers[:] = [(key, kept) for key, kept in headers if key.lower() != full.lower()]
        headers.append((full, value))


def _block(ctx: RequestContext, acl: WebAcl, verdict: Verdict, notes: list[str]) -> None:
    """WAF_FILTERED (403), or the Block's CustomResponse: "Custom responses that you
    specify for the AWS WAF Block action take precedence over any response specifications
    that you define in your protected resource" (gateway responses included).
    https://docs.aws.amazon.com/waf/latest/developerguide/customizing-the-response-for-blocked-requests.html
    """
    rule = f"rule {verdict.rule}" if verdict.rule else "default action"
    found = f" [{'; '.join(notes)}]" if notes else ""
    error = GatewayError(ResponseType.WAF_FILTERED, f"blocked by WAF {acl.name}: {rule}{found}")
    custom = _custom_response(acl, verdict.rule)
    if custom is None:
        raise error
    ctx.error = error  # access logs and metrics still see WAF_FILTERED
    ctx.response = _render(custom)
    ctx.answered = True
    request = ctx.request
    log.warning(
        "%s %s -> %d WAF_FILTERED (%s, custom response)",
        request.method,
        request.path,
        custom.status,
        error.detail,
    )
