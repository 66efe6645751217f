"""Private REST APIs in the gateway: which host names reach an API through a VPC endpoint,
the refusal of every other way in, and the endpoint's condition keys in the resource policy
(with IAM authorization too)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from lamina.aws.credentials import CredentialStore
from lamina.gateway.address import resolve_address
from lamina.gateway.auth.iam import IamCheck, policy_context
from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import Deployment
from lamina.gateway.error import ApiKind, GatewayError, ResponseType, render_error
from lamina.gateway.model import RestApi, VpcEndpoint
from lamina.gateway.request import GatewayRequest
from lamina.gateway.stages.authorize import Authorize
from lamina.gateway.stages.route import RouteRequest
from tests.unit.gateway.auth.test_iam_support import ACCOUNT, ALICE, REST_ID, rest_api, sign

ENDPOINT = VpcEndpoint(id="vpce-0a1b2c3d4e5f60718", vpc_id="vpc-0123456789abcdef0")
OTHER = VpcEndpoint(id="vpce-00000000000000001", vpc_id="vpc-00000000000000001")
ALIAS = f"{REST_ID}-{ENDPOINT.id}.execute-api.localhost:3000"
NAMED = f"{ENDPOINT.id}.execute-api.vpce.localhost:3000"
ALLOWED = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{REST_ID}/Prod/GET/allowed"


def _policy(condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "execute-api:Invoke",
        "Resource": ALLOWED,
    }
    if condition is not None:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def _deployment(api: RestApi, *, private: bool = True) -> Deployment:
    if private:
        api = msgspec.structs.replace(api, private=True, vpc_endpoint_ids=(ENDPOINT.id,))
    return Deployment(
        (api,), (), account_id=ACCOUNT, region="us-east-1", vpc_endpoints=(ENDPOINT, OTHER)
    )


def _request(host: str, headers: dict[str, str] | None = None) -> GatewayRequest:
    return sign(f"http://{host}/Prod/allowed", None, headers=headers)


async def _route(deployment: Deployment, request: GatewayRequest) -> RequestContext:
    ctx = RequestContext(request, deployment, request.domain_name)
    await RouteRequest()(ctx)
    return ctx


def test_alias_of_an_associated_endpoint_names_api_and_endpoint() -> None:
    address = resolve_address(_deployment(rest_api(_policy())), ALIAS, "/Prod/allowed")
    assert address is not None and address.api.api.id == REST_ID
    assert address.endpoint == ENDPOINT and address.path == "/allowed"


def test_alias_of_an_endpoint_not_associated_names_nothing() -> None:
    host = f"{REST_ID}-{OTHER.id}.execute-api.localhost"
    assert resolve_address(_deployment(rest_api(_policy())), host, "/Prod/allowed") is None


def test_endpoint_name_takes_the_api_from_x_apigw_api_id() -> None:
    deployment = _deployment(rest_api(_policy()))
    request = _request(NAMED, {"x-apigw-api-id": REST_ID})
    address = resolve_address(deployment, NAMED, "/Prod/allowed", request.header)
    assert address is not None and address.endpoint == ENDPOINT
    assert resolve_address(deployment, NAMED, "/Prod/allowed", _request(NAMED).header) is None


def test_unknown_endpoint_names_nothing() -> None:
    host = "vpce-99999999999999999.execute-api.vpce.localhost"
    request = _request(host, {"x-apigw-api-id": REST_ID})
    assert resolve_address(_deployment(rest_api(_policy())), host, "/", request.header) is None


@pytest.mark.parametrize(
    "host", [f"{REST_ID}.execute-api.localhost:3000", "127.0.0.1:3000", "localhost"]
)
async def test_private_api_reached_without_endpoint_is_forbidden(host: str) -> None:
    with pytest.raises(GatewayError) as caught:
        await _route(_deployment(rest_api(_policy(), auth="NONE")), _request(host))
    assert caught.value.response_type is ResponseType.PRIVATE_ENDPOINT_DENIED
    response = render_error(ApiKind.REST, caught.value)
    assert (response.status, response.body) == (403, b'{"message":"Forbidden"}')
    assert (b"x-amzn-errortype", b"ForbiddenException") in response.headers


async def test_public_api_through_an_endpoint_is_forbidden() -> None:
    deployment = _deployment(rest_api(None, auth="NONE"), private=False)
    with pytest.raises(GatewayError) as caught:
        await _route(deployment, _request(NAMED, {"x-apigw-api-id": REST_ID}))
    assert caught.value.response_type is ResponseType.PRIVATE_ENDPOINT_DENIED


async def test_condition_keys_through_an_endpoint() -> None:
    ctx = await _route(_deployment(rest_api(_policy(), auth="NONE")), _request(ALIAS))
    keys = policy_context(ctx, None)
    assert keys["aws:SourceVpce"] == ENDPOINT.id
    assert keys["aws:SourceVpc"] == ENDPOINT.vpc_id
    assert keys["aws:VpcSourceIp"] == ctx.request.source_ip
    assert "aws:SourceIp" not in keys


async def test_condition_keys_of_a_public_request_have_no_endpoint() -> None:
    deployment = _deployment(rest_api(_policy(), auth="NONE"), private=False)
    ctx = await _route(deployment, _request(f"{REST_ID}.execute-api.localhost"))
    keys = policy_context(ctx, None)
    assert keys["aws:SourceIp"] == ctx.request.source_ip
    assert not {"aws:SourceVpce", "aws:SourceVpc", "aws:VpcSourceIp"} & keys.keys()


@pytest.mark.parametrize(("endpoint", "admitted"), [(ENDPOINT, True), (OTHER, False)])
async def test_source_vpc_condition_with_iam_authorization(
    endpoint: VpcEndpoint, admitted: bool
) -> None:
    """AWS_IAM + a resource policy allowing one VPC (Table A): the caller's identity policy
    allows nothing here, so the resource policy's aws:SourceVpc decides."""
    policy = _policy({"StringEquals": {"aws:SourceVpc": ENDPOINT.vpc_id}})
    api = msgspec.structs.replace(
        rest_api(policy), private=True, vpc_endpoint_ids=(ENDPOINT.id, OTHER.id)
    )
    deployment = Deployment(
        (api,), (), account_id=ACCOUNT, region="us-east-1", vpc_endpoints=(ENDPOINT, OTHER)
    )
    nobody = msgspec.structs.replace(ALICE, statements=())
    url = f"http://{REST_ID}-{endpoint.id}.execute-api.localhost:3000/Prod/allowed"
    request = sign(url, nobody)
    ctx = RequestContext(request, deployment, request.domain_name)
    await RouteRequest()(ctx)
    check = IamCheck(CredentialStore(identities=[nobody]))
    if admitted:
        await Authorize({"AWS_IAM": check})(ctx)
        return
    with pytest.raises(GatewayError) as caught:
        await Authorize({"AWS_IAM": check})(ctx)
    assert caught.value.response_type is ResponseType.ACCESS_DENIED


def test_endpoint_named_only_by_an_api_is_known_without_vpc() -> None:
    """An API made through the management API may name any endpoint id."""
    api = msgspec.structs.replace(
        rest_api(_policy()), private=True, vpc_endpoint_ids=("vpce-11111111111111111",)
    )
    deployment = Deployment((api,), (), account_id=ACCOUNT, region="us-east-1")
    host = f"{REST_ID}-vpce-11111111111111111.execute-api.localhost"
    address = resolve_address(deployment, host, "/Prod/allowed")
    assert address is not None and address.endpoint == VpcEndpoint(id="vpce-11111111111111111")
