"""Build the integration request (the Lambda proxy event) for an admitted request.

It runs after the security stages so the event carries what they found: the authorizer's
output, the caller's identity, the client certificate.
"""

from __future__ import annotations

import orjson

from lamina.gateway.context import RequestContext
from lamina.gateway.events.common import Admission
from lamina.gateway.events.v1 import V1Target, build_v1_event
from lamina.gateway.events.v2 import build_v2_event
from lamina.gateway.model import LambdaIntegration


class BuildEvent:
    async def __call__(self, ctx: RequestContext) -> None:
        if not isinstance(ctx.integration, LambdaIntegration):
            return  # other integration types build their own request
        target = ctx.target
        assert target is not None, "routing sets the target"
        admitted = None
        if ctx.authorizer is not None or ctx.identity or ctx.client_cert is not None:
            admitted = Admission(
                authorizer=ctx.authorizer, identity=ctx.identity, client_cert=ctx.client_cert
            )
        request = ctx.request
        if isinstance(target, V1Target):
            event = build_v1_event(
                request, target, http_api=ctx.route is not None, admitted=admitted
            )
        else:
            event = build_v2_event(request, target, request.path, admitted)
        ctx.event = orjson.dumps(event)
