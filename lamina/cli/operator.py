"""How the `lamina` commands reach the `lamina up` that serves a state folder.

While it serves, `lamina up` keeps `<state>/serving.json` (mode 0600): its process id, the
URL it listens on, the stack and template it serves, and a random token. `lamina deploy`
reads it and POSTs to `/_lamina/deploy` with `Authorization: Bearer <token>`, so only a
user who can read the state folder can redeploy; the file goes when `lamina up` stops.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

import msgspec
import orjson

from lamina.cli.reload import Reloader
from lamina.config.model import Application
from lamina.edge.app import OperatorRoute
from lamina.http.message import HttpRequest, HttpResponse
from lamina.services.cognito_idp.model import Pool
from lamina.services.cognito_idp.provider import CognitoIdpProvider

SERVING_FILE = "serving.json"
_JSON = [(b"content-type", b"application/json")]


class Serving(msgspec.Struct, frozen=True, kw_only=True):
    pid: int
    url: str
    stack_name: str
    template_path: str
    token: str
    region: str = "us-east-1"
    account_id: str = "123456789012"


class DeployRequest(msgspec.Struct, frozen=True, kw_only=True):
    stack_name: str
    template_path: str
    parameters: dict[str, str] | None = None


def announce(state_dir: Path, *, url: str, app: Application) -> Serving:
    """Write serving.json (only its owner can read it)."""
    serving = Serving(
        pid=os.getpid(),
        url=url,
        stack_name=app.stack_name,
        template_path=app.template_path,
        token=secrets.token_urlsafe(32),
        region=app.region,
        account_id=app.account_id,
    )
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / SERVING_FILE
    partial = path.with_suffix(".tmp")
    # A new file (O_EXCL): one left by a crash keeps its mode through O_TRUNC, and a
    # symlink in its place would be followed.
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(msgspec.json.encode(serving))
    os.replace(partial, path)
    return serving


def withdraw(state_dir: Path, serving: Serving) -> None:
    """Remove serving.json if it is still ours (another `lamina up` may have replaced it)."""
    path = state_dir / SERVING_FILE
    if find_serving(state_dir) == serving:
        path.unlink(missing_ok=True)


def find_serving(state_dir: Path) -> Serving | None:
    """The `lamina up` serving this state, if its process is alive."""
    try:
        serving = msgspec.json.decode((state_dir / SERVING_FILE).read_bytes(), type=Serving)
    except (OSError, msgspec.DecodeError):
        return None
    try:
        os.kill(serving.pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # alive, another user's
        return serving
    return serving


def deploy_route(reloader: Reloader, serving: Serving) -> OperatorRoute:
    """POST /_lamina/deploy: deploy the served template again (new code, template edits,
    other parameter values) and answer how it went."""

    async def route(request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return _answer(405, {"message": "Method Not Allowed"})
        given = request.header("authorization") or ""
        if not hmac.compare_digest(given.encode(), f"Bearer {serving.token}".encode()):
            return _answer(403, {"message": "Forbidden"})
        try:
            wanted = msgspec.json.decode(request.body, type=DeployRequest)
        except msgspec.DecodeError as error:
            return _answer(400, {"message": f"invalid deploy request: {error}"})
        if wanted.stack_name != serving.stack_name or (
            Path(wanted.template_path).resolve() != Path(serving.template_path).resolve()
        ):
            return _answer(
                409,
                {
                    "message": f"this Lamina serves stack {serving.stack_name} from "
                    f"{serving.template_path}, not {wanted.stack_name} from "
                    f"{wanted.template_path}"
                },
            )
        outcome = await reloader.deploy(wanted.parameters)
        return _answer(200, msgspec.to_builtins(outcome))

    return route


def _answer(status: int, body: object) -> HttpResponse:
    return HttpResponse(status, list(_JSON), orjson.dumps(body))


def rotate_key_route(cognito: CognitoIdpProvider, serving: Serving) -> OperatorRoute:
    """POST /_lamina/cognito/rotate-key {"UserPoolId": ...}: the pool signs with a new key
    from now on (`lamina rotate-key`); answers the new and the retired `kid`."""

    async def route(request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return _answer(405, {"message": "Method Not Allowed"})
        given = request.header("authorization") or ""
        if not hmac.compare_digest(given.encode(), f"Bearer {serving.token}".encode()):
            return _answer(403, {"message": "Forbidden"})
        try:
            wanted = orjson.loads(request.body)
            pool_id = str(wanted["UserPoolId"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return _answer(400, {"message": 'expected {"UserPoolId": "..."}'})
        pool = cognito.store.get(Pool, "", pool_id)
        if pool is None:
            return _answer(404, {"message": f"User pool {pool_id} does not exist."})
        retired = pool.key_id
        kid = cognito.rotate_signing_key(pool)
        return _answer(200, {"UserPoolId": pool_id, "kid": kid, "retired": retired})

    return route
