"""Firewall: the stage's AWS WAF web ACL, evaluated right after routing.

AWS WAF sees a REST API request before API Gateway authorizes it, so a blocked request
never reaches an authorizer, a usage plan or the integration: it gets the WAF_FILTERED
gateway response, 403 `{"message":"Forbidden"}`. A stage without a web ACL costs one
attribute check.
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-aws-waf.html
"""

from __future__ import annotations

import logging

from lamina.gateway.context import RequestContext
from lamina.gateway.error import GatewayError, ResponseType
from lamina.gateway.waf.detect import Detectors
from lamina.gateway.waf.engine import CompiledAcl, Compiler
from lamina.gateway.waf.field import RequestView
from lamina.gateway.waf.model import WebAcl
from lamina.gateway.waf.rate import RateCounter

log = logging.getLogger("lamina.gateway.waf")


class Firewall:
    def __init__(
        self, detectors: Detectors | None = None, rates: RateCounter | None = None
    ) -> None:
        self._compiler = Compiler(detectors or Detectors(), rates or RateCounter())
        self._compiled: dict[str, CompiledAcl] = {}
        """By web ACL ARN; a redeployed ACL (a new object) is compiled again, while its
        rate-based counts, kept by the shared RateCounter, carry over."""

    async def __call__(self, ctx: RequestContext) -> None:
        stage = ctx.stage
        if stage is None or stage.web_acl is None:
            return
        acl = stage.web_acl
        view = _view(ctx, acl)
        verdict = self._acl(acl).evaluate(view)
        for name in verdict.counted:
            log.warning("WAF %s: rule %s matched (Count)", acl.name, name)
        if verdict.action == "Block":
            rule = f"rule {verdict.rule}" if verdict.rule else "default action"
            found = f" [{'; '.join(view.notes)}]" if view.notes else ""
            raise GatewayError(
                ResponseType.WAF_FILTERED, f"blocked by WAF {acl.name}: {rule}{found}"
            )

    def _acl(self, acl: WebAcl) -> CompiledAcl:
        compiled = self._compiled.get(acl.arn)
        if compiled is None or compiled.acl is not acl:
            compiled = self._compiled[acl.arn] = self._compiler.compile_acl(acl)
        return compiled


def _view(ctx: RequestContext, acl: WebAcl) -> RequestView:
    request = ctx.request
    address = ctx.address
    # The URI path as AWS WAF sees it, stage included (/prod/pets), whatever URL form
    # reached Lamina.
    path = address.stage_prefix + address.path if address is not None else request.path
    return RequestView(
        method=request.method,
        uri_path=path,
        query_string=request.query_string,
        headers=request.headers,
        body=request.body,
        source_ip=request.source_ip,
        body_limit=acl.body_limit,
    )
