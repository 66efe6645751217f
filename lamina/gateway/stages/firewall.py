"""Firewall: the stage's AWS WAF web ACL, evaluated before API Gateway routes the request.

AWS WAF sits in front of API Gateway: it sees every request to a protected stage, a path
with no resource included, and a blocked request never reaches routing, an authorizer, a
usage plan or the integration. It gets the WAF_FILTERED gateway response, 403
`{"message":"Forbidden"}`. A deployment without any web ACL costs one identity check.
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
        self._compiled: dict[str, CompiledAcl] = {}
        """By web ACL ARN; a redeployed ACL (a new object) is compiled again, while its
        rate-based counts, kept by the shared RateCounter, carry over."""
        self._deployment: Deployment | None = None
        self._deployment_has_acl = False

    def needed(self, deployment: Deployment) -> bool:
        return self._has_acl(deployment)

    async def __call__(self, ctx: RequestContext) -> None:
        if not self._has_acl(ctx.deployment):
            return
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
        compiled = self._acl(acl)

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
            _insert_headers(request.headers, acl, verdict)

    def _has_acl(self, deployment: Deployment) -> bool:
        """Whether any REST API stage of `deployment` has a web ACL (remembered for the
        deployment last seen: deployments change only on redeploy)."""
        if deployment is not self._deployment:
            self._deployment = deployment
            self._deployment_has_acl = any(
                stage.web_acl is not None
                for api in deployment.rest.values()
                for stage in api.stages.values()
            )
        return self._deployment_has_acl

    def _acl(self, acl: WebAcl) -> CompiledAcl:
        compiled = self._compiled.get(acl.arn)
        if compiled is None or compiled.acl is not acl:
            compiled = self._compiled[acl.arn] = self._compiler.compile_acl(acl)
        return compiled


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


def _insert_headers(headers: list[tuple[str, str]], acl: WebAcl, verdict: Verdict) -> None:
    """CustomRequestHandling of the Count rules that matched, then of the Allow that ended
    evaluation (or the default action): "AWS WAF prefixes all request headers that it
    inserts with x-amzn-waf-"; "If the request already has a header with the same name that
    AWS WAF is inserting, AWS WAF overwrites the header", so a later rule's value wins.
    https://docs.aws.amazon.com/waf/latest/developerguide/customizing-the-incoming-request.html
    """
    if not acl.default_insert_headers and not any(rule.insert_headers for rule in acl.rules):
        return
    by_name = {rule.name: rule for rule in acl.rules}
    inserted = [
        h for name in verdict.counted if name in by_name for h in by_name[name].insert_headers
    ]
    if verdict.rule is None:
        inserted += acl.default_insert_headers
    elif verdict.rule in by_name:
        inserted += by_name[verdict.rule].insert_headers
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
