"""Helpers (no tests) shared by the AWS_IAM and resource-policy unit tests: a deployment, a
credential store, and requests signed by botocore exactly as SDKs sign them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from lamina.aws.credentials import CredentialStore, Identity
from lamina.functions.model import InvokeResult
from lamina.gateway.auth.iam import IamCheck
from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import Deployment
from lamina.gateway.error import GatewayResponse
from lamina.gateway.model import HttpApi, LambdaIntegration, Method, Resource, RestApi, Route, Stage
from lamina.gateway.request import GatewayRequest
from lamina.gateway.stages.authorize import Authorize
from lamina.gateway.stages.event import BuildEvent
from lamina.gateway.stages.integrate import InvokeIntegration
from lamina.gateway.stages.route import RouteRequest
from tests.gateway_request import gateway_request, run_stages
from tests.invoker import ScriptedInvoker

ACCOUNT = "123456789012"
HOST = "127.0.0.1:3000"
REST_ID = "restapi001"
HTTP_ID = "httpapi001"

ALICE = Identity(
    access_key="AKIAALICE00000000001",
    secret_key="alice/secret/key/0000000000000000000000",
    arn=f"arn:aws:iam::{ACCOUNT}:user/alice",
    account_id=ACCOUNT,
    principal_id="AIDAALICE000000000001",
    statements=(
        {
            "Effect": "Allow",
            "Action": "execute-api:Invoke",
            "Resource": f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{REST_ID}/Prod/GET/allowed",
        },
        {
            "Effect": "Allow",
            "Action": "execute-api:Invoke",
            "Resource": f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{HTTP_ID}/$default/GET/iam",
        },
        {
            "Effect": "Deny",
            "Action": "execute-api:*",
            "Resource": f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{REST_ID}/*/GET/forbidden",
        },
    ),
)
ROLE = Identity(
    access_key="ASIAROLE000000000001",
    secret_key="role/secret/key/00000000000000000000000",
    arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/worker/session-1",
    account_id=ACCOUNT,
    principal_id="AROAROLE0000000000001:session-1",
    statements=({"Effect": "Allow", "Action": "*", "Resource": "*"},),
    session_token="the-session-token",
)
STRANGER = Identity(
    access_key="AKIASTRANGER00000001",
    secret_key="stranger/secret/key/0000000000000000000",
    arn="arn:aws:iam::999988887777:user/stranger",
    account_id="999988887777",
    principal_id="AIDASTRANGER000000001",
    statements=({"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"},),
)

_LAMBDA = LambdaIntegration(function_name="Fn", timeout_ms=1000)


def rest_api(policy: dict[str, Any] | None = None, auth: str = "AWS_IAM") -> RestApi:
    def method(name: str) -> dict[str, Method]:
        return {"GET": Method(http_method="GET", integration=_LAMBDA, authorization_type=name)}

    return RestApi(
        id=REST_ID,
        logical_id="Rest",
        name="Rest",
        stages=(Stage(name="Prod"),),
        resources=(
            Resource(id="a", path="/allowed", methods=method(auth)),
            Resource(id="b", path="/other", methods=method(auth)),
            Resource(id="c", path="/forbidden", methods=method(auth)),
            Resource(id="d", path="/open", methods=method("NONE")),
        ),
        policy=policy,
    )


def http_api() -> HttpApi:
    return HttpApi(
        id=HTTP_ID,
        logical_id="Http",
        name="Http",
        stages=(Stage(name="$default"),),
        routes=(
            Route(
                route_key="GET /iam",
                integration=LambdaIntegration(function_name="Fn", payload_format="2.0"),
                authorization_type="AWS_IAM",
            ),
            Route(
                route_key="GET /v1",
                integration=LambdaIntegration(function_name="Fn", payload_format="1.0"),
                authorization_type="AWS_IAM",
            ),
        ),
    )


class Pipeline:
    """Route → Authorize (AWS_IAM with a settable clock) → event → scripted invoke; a
    GatewayError is rendered as the gateway renders it."""

    def __init__(
        self,
        rest: RestApi | None = None,
        *,
        skew: timedelta = timedelta(0),
        identities: tuple[Identity, ...] = (ALICE, ROLE, STRANGER),
    ) -> None:
        self.invoker = ScriptedInvoker(InvokeResult(payload=b'{"statusCode": 200, "body": "ok"}'))
        self.deployment = Deployment(
            (rest or rest_api(),), (http_api(),), account_id=ACCOUNT, region="us-east-1"
        )
        store = CredentialStore.local(identities=identities)
        check = IamCheck(store, clock=lambda: datetime.now(UTC) + skew)
        self.stages = (
            RouteRequest(),
            Authorize({"AWS_IAM": check}),
            BuildEvent(),
            InvokeIntegration(self.invoker),
        )

    async def handle(self, request: GatewayRequest) -> GatewayResponse:
        ctx = RequestContext(request, self.deployment, request.domain_name)
        return await run_stages(self.stages, ctx)

    @property
    def event(self) -> dict[str, Any]:
        return self.invoker.events[-1]


def sign(
    url: str,
    identity: Identity | None,
    *,
    method: str = "GET",
    presign: bool = False,
    expires: int = 300,
    token: str | None = None,
    service: str = "execute-api",
    secret: str | None = None,
    headers: dict[str, str] | None = None,
) -> GatewayRequest:
    """A request as botocore signs it (None: unsigned)."""
    aws = AWSRequest(method=method, url=url, headers=headers or {})
    if identity is not None:
        creds = Credentials(identity.access_key, secret or identity.secret_key, token)
        signer = (
            SigV4QueryAuth(creds, service, "us-east-1", expires=expires)
            if presign
            else SigV4Auth(creds, service, "us-east-1")
        )
        signer.add_auth(aws)
    prepared = aws.prepare()
    parts = urlsplit(prepared.url)
    return gateway_request(
        parts.path,
        method=method,
        headers=prepared.headers.items(),
        host=parts.netloc,
        query_string=parts.query,
        time_epoch_ms=int(datetime.now(UTC).timestamp() * 1000),
    )


def rest_url(path: str) -> str:
    return f"http://{REST_ID}.execute-api.localhost:3000/Prod{path}"


def http_url(path: str) -> str:
    return f"http://{HTTP_ID}.execute-api.localhost:3000{path}"
