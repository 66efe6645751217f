"""Private REST APIs: reachable only through an interface VPC endpoint for execute-api.

"You can only invoke a private API from within a VPC using a VPC endpoint. Your private API
must have a resource policy that allows specific VPCs and VPC endpoints to invoke your API."
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-api-test-invoke-url.html

Lamina has no network namespaces: which endpoint a request came through is what its host
name says (gateway/address.py). Then:
- a private API reached any other way (its public `{apiId}.execute-api` name, the root
  or path-style URL), or any other API reached through an endpoint ("VPC endpoints can
  route traffic only to private APIs"), is refused with 403 `{"message":"Forbidden"}`,
  `x-amzn-ErrorType: ForbiddenException`;
  https://repost.aws/knowledge-center/api-gateway-vpc-connections
  https://repost.aws/knowledge-center/api-gateway-troubleshoot-403-forbidden
- a request through an endpoint carries `aws:SourceVpce` (the endpoint), `aws:SourceVpc`
  (its VPC) and `aws:VpcSourceIp` (the client's address) in the resource policy's
  condition context, and no `aws:SourceIp` ("The aws:SourceIp condition key is always
  included in the request, except for requests that use an Amazon VPC endpoint").
  https://repost.aws/knowledge-center/iam-restrict-access-policy
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
The resource policy itself is then evaluated like any other (stages/authorize.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lamina.gateway.deployment import CompiledHttpApi
from lamina.gateway.error import ApiKind, GatewayError, ResponseType

if TYPE_CHECKING:
    from lamina.gateway.address import ApiAddress
    from lamina.gateway.context import RequestContext
    from lamina.gateway.model import VpcEndpoint


def admit_endpoint(ctx: RequestContext, address: ApiAddress) -> None:
    """Called only for a private API, or a request through an endpoint: both must hold.
    An admitted request's event names the endpoint and its VPC in `requestContext.identity`
    (`vpceId`, `vpcId`, as captured private-API events show them)."""
    api = address.api
    endpoint = address.endpoint
    if api.private and endpoint is not None:
        ctx.identity["vpceId"] = endpoint.id
        if endpoint.vpc_id is not None:
            ctx.identity["vpcId"] = endpoint.vpc_id
        return
    if isinstance(api, CompiledHttpApi):
        ctx.kind = ApiKind.HTTP
    detail = (
        f"private API {api.api.id} reached without a VPC endpoint"
        if api.private
        else f"API {api.api.id} is not private: no VPC endpoint reaches it"
    )
    raise GatewayError(ResponseType.PRIVATE_ENDPOINT_DENIED, detail)


def endpoint_keys(endpoint: VpcEndpoint, source_ip: str) -> dict[str, str]:
    """The global condition keys of a request that came through `endpoint`."""
    keys = {"aws:SourceVpce": endpoint.id, "aws:VpcSourceIp": source_ip}
    if endpoint.vpc_id is not None:
        keys["aws:SourceVpc"] = endpoint.vpc_id
    return keys
